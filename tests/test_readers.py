"""Every reader's most natural call reads a documents folder whole: the demo's
output, a folder holding two crawls, and a folder with a crawl in progress.
The readers come from the `test` extra."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crawler.downstream import datatrove_adapter, datatrove_schema
from crawler.localweb import Site, html
from crawler.shards import (
    DOCUMENT_SCHEMA,
    DOCUMENTS,
    STAGING,
    ShardWriter,
    control_dir,
    document_row_bytes,
)
from tests.support import REPO, crawl_env, run_crawl


def expected_ids(folder: Path) -> list[str]:
    return sorted(i for p in folder.glob("*.parquet") for i in pq.read_table(p, columns=["id"]).column("id").to_pylist())


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = subprocess.run([sys.executable, "-m", "scrapy", "demo", "--out", str(out)], cwd=REPO,
                            env=crawl_env(None), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return out / "documents"


@pytest.fixture(scope="module")
def two_crawls(tmp_path_factory) -> Path:
    from crawler.localweb import LocalWeb

    out = tmp_path_factory.mktemp("two")
    sites = {f"www.site{i}.example": Site({"/": html(f'<p>home {i}</p><a href="/a">a</a>'),
                                           "/a": html(f"<p>page a {i}</p>")}) for i in range(2)}
    with LocalWeb(sites) as web:
        for i, crawl_id in enumerate(["news-2026-11", "shop-1"]):
            crawl = run_crawl(web, f"http://www.site{i}.example/", out, settings={"CRAWL_ID": crawl_id,
                                                                                 "DOWNLOAD_DELAY": 0})
            assert crawl.returncode == 0, crawl.log
    return out / "documents"


@pytest.fixture(scope="module")
def mid_crawl(two_crawls, tmp_path_factory) -> Path:
    """The two crawls' shards, and a third crawl whose first shard is being
    written (its staging file exists, its rows are not published yet)."""
    out = tmp_path_factory.mktemp("mid") / "documents"
    shutil.copytree(two_crawls, out)
    writer = ShardWriter(out, "running-3", DOCUMENT_SCHEMA, schema_version=DOCUMENTS.schema_version, row_bytes=document_row_bytes,
                         row_group_bytes=1, file_bytes=10**9)
    row = pq.read_table(next(out.glob("*.parquet"))).to_pylist()[0]
    writer.write(row | {"id": "<urn:uuid:unpublished>", "crawl_id": "running-3"})
    assert list((control_dir(out) / STAGING).glob("running-3-*.inprogress"))
    mid_crawl.writer = writer  # kept open while the tests read
    return out


FOLDERS = ["demo", "two_crawls", "mid_crawl"]


@pytest.fixture(params=FOLDERS)
def folder(request) -> Path:
    return request.getfixturevalue(request.param)


def test_the_folder_holds_nothing_but_finished_shards(folder):
    assert {p.suffix for p in folder.rglob("*")} == {".parquet"}


def test_pandas(folder):
    import pandas as pd

    frame = pd.read_parquet(folder)
    assert sorted(frame["id"]) == expected_ids(folder)
    typed = pd.read_parquet(folder, dtype_backend="pyarrow")
    assert str(typed["status"].dtype) == "int16[pyarrow]"
    assert str(typed["tdm_reservation"].dtype) == "int8[pyarrow]"
    since = pd.Timestamp("2020-01-01", tz="UTC")
    assert len(frame[frame["fetch_time"] >= since]) == len(frame)


def test_polars(folder):
    import polars as pl

    assert sorted(pl.read_parquet(folder)["id"].to_list()) == expected_ids(folder)
    lazy = pl.scan_parquet(folder)
    assert sorted(lazy.select("id").collect()["id"].to_list()) == expected_ids(folder)
    since = datetime(2020, 1, 1, tzinfo=UTC)
    assert lazy.filter(pl.col("fetch_time") >= since).collect().height == len(expected_ids(folder))
    assert pl.read_parquet(folder).schema["status"] == pl.Int16


def test_duckdb(folder):
    import duckdb

    ids = duckdb.sql(f"SELECT id FROM read_parquet('{folder}/**')").fetchall()
    assert sorted(i for (i,) in ids) == expected_ids(folder)
    recent = duckdb.sql(f"SELECT count(*) FROM read_parquet('{folder}/**') "
                        "WHERE fetch_time >= TIMESTAMPTZ '2020-01-01 00:00:00+00'").fetchall()[0][0]
    assert recent == len(expected_ids(folder))


def test_pyarrow(folder):
    import pyarrow.dataset as ds

    table = ds.dataset(folder).to_table()
    assert sorted(table.column("id").to_pylist()) == expected_ids(folder)
    assert table.schema.field("fetch_time").type == pa.timestamp("us", tz="UTC")


@pytest.fixture
def offline_hub(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    return tmp_path / "hf-cache"


def test_hugging_face_datasets(folder, offline_hub):
    from datasets import load_dataset

    for loaded in (load_dataset("parquet", data_dir=str(folder), cache_dir=str(offline_hub)),
                   load_dataset(str(folder), cache_dir=str(offline_hub))):
        assert list(loaded) == ["train"]  # one split: no crawl is taken for a split of its own
        assert sorted(loaded["train"]["id"]) == expected_ids(folder)


def test_datatrove_reader(folder):
    from datatrove.pipeline.readers import ParquetReader

    documents = list(ParquetReader(str(folder)).run())
    assert sorted(d.id for d in documents) == expected_ids(folder)


def test_datatrove_pipeline_writes_jsonl_and_parquet(folder, tmp_path):
    from datatrove.pipeline.readers import ParquetReader
    from datatrove.pipeline.writers import JsonlWriter, ParquetWriter

    def read():
        return ParquetReader(str(folder), adapter=datatrove_adapter).run()

    with JsonlWriter(str(tmp_path / "jsonl"), compression=None) as writer:
        for document in read():
            writer.write(document)
    lines = [json.loads(line) for path in (tmp_path / "jsonl").glob("*.jsonl") for line in path.open()]
    assert sorted(line["id"] for line in lines) == expected_ids(folder)
    assert all("body" not in line["metadata"] and line["metadata"]["digest"] for line in lines)
    with ParquetWriter(str(tmp_path / "parquet"), schema=datatrove_schema()) as writer:
        for document in read():
            writer.write(document)
    table = pa.concat_tables(pq.read_table(p) for p in (tmp_path / "parquet").glob("*.parquet"))
    assert sorted(table.column("id").to_pylist()) == expected_ids(folder)
    assert table.schema.field("metadata").type.field("status").type == pa.int16()
