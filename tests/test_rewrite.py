"""Rewriting published shards in place, and `scrapy upgrade`."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crawler.errors import ConfigError
from crawler.rewrite import conform, edit_shard, refresh_manifest
from crawler.shards import (
    DOCUMENT_SCHEMA,
    DOCUMENTS,
    MANIFESTS,
    ShardLock,
    ShardWriter,
    control_dir,
    document_row_bytes,
)
from tests.support import REPO
from tests.test_shards import row

VERSION_2 = pa.schema([f.with_nullable(False) if f.name == "body" else f for f in DOCUMENT_SCHEMA if f.name != "pii"])
VERSION_1 = pa.schema([f for f in VERSION_2 if f.name not in ("language", "language_score")])


def write(folder, prefix, schema, version, rows):
    w = ShardWriter(folder, prefix, schema, schema_version=version, row_bytes=document_row_bytes,
                    row_group_bytes=10**9, file_bytes=10**9, metadata={"dataset": "documents"})
    for r in rows:
        w.write(r)
    w.close()
    return folder / w.shards[-1].file


def manifest(folder, prefix):
    return json.loads((control_dir(folder) / MANIFESTS / f"{prefix}.json").read_text())


def test_conform_adds_new_columns_as_nulls():
    old = pa.Table.from_pylist([row(1)], schema=VERSION_1)
    table = conform(old, DOCUMENTS)
    assert table.schema.names == DOCUMENT_SCHEMA.names
    assert table.column("language").to_pylist() == [None]
    assert table.schema.metadata[b"schema_version"] == DOCUMENTS.schema_version.encode()


def test_a_rewrite_replaces_the_shard_and_its_manifest_entry(tmp_path):
    path = write(tmp_path, "c1", DOCUMENT_SCHEMA, "2", [row(i) for i in range(5)])
    edit_shard(path, DOCUMENTS, lambda table: table.slice(0, 2))
    assert pq.read_table(path).column("id").to_pylist() == ["<urn:uuid:0>", "<urn:uuid:1>"]
    entry = manifest(tmp_path, "c1")
    assert entry["rows"] == 2 and entry["shards"][0]["bytes"] == path.stat().st_size
    assert list((control_dir(tmp_path) / "staging").iterdir()) == []


def test_a_shard_left_empty_is_removed(tmp_path):
    path = write(tmp_path, "c1", DOCUMENT_SCHEMA, "2", [row(1)])
    edit_shard(path, DOCUMENTS, lambda table: table.slice(0, 0))
    assert not path.exists()
    assert manifest(tmp_path, "c1")["shards"] == []


def test_a_crawl_still_writing_is_not_rewritten(tmp_path):
    path = write(tmp_path, "c1", DOCUMENT_SCHEMA, "2", [row(1)])
    lock = ShardLock(tmp_path, "c1")
    with pytest.raises(ConfigError, match="crawl c1 is being written"):
        edit_shard(path, DOCUMENTS, lambda table: table)
    lock.release()
    assert path.exists()


def test_refresh_manifest_repairs_a_manifest_left_behind(tmp_path):
    path = write(tmp_path, "c1", DOCUMENT_SCHEMA, "2", [row(i) for i in range(3)])
    pq.write_table(pq.read_table(path).slice(0, 1), path)  # as if killed before the manifest was updated
    refresh_manifest(tmp_path, "c1")
    assert manifest(tmp_path, "c1")["rows"] == 1


def test_upgrade_makes_one_schema_for_every_reader(tmp_path):
    import polars as pl

    folder = tmp_path / "documents"
    write(folder, "old-crawl", VERSION_1, "1", [{k: v for k, v in row(i).items() if k in VERSION_1.names}
                                                 for i in range(3)])
    write(folder, "new-crawl", DOCUMENT_SCHEMA, DOCUMENTS.schema_version, [row(i) | {"id": f"new-{i}"} for i in range(2)])
    with pytest.raises(Exception):  # noqa: B017 - Polars refuses files of two schemas, whatever its error type
        pl.read_parquet(folder)
    result = subprocess.run([sys.executable, "-m", "scrapy", "upgrade", str(folder)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{folder}: 1 shard upgraded"
    frame = pl.read_parquet(folder)
    assert frame.height == 5 and "language" in frame.columns
    again = subprocess.run([sys.executable, "-m", "scrapy", "upgrade", str(folder)], cwd=REPO,
                           capture_output=True, text=True, timeout=120)
    assert again.stdout.strip() == f"{folder}: 0 shards upgraded"


def test_a_crawl_writing_again_after_a_shard_was_removed_overwrites_nothing(tmp_path):
    for i in range(3):
        write(tmp_path, "c1", DOCUMENT_SCHEMA, "2", [row(i)])
    edit_shard(tmp_path / "c1-00001.parquet", DOCUMENTS, lambda table: table.slice(0, 0))  # an erasure left it empty
    last = write(tmp_path, "c1", DOCUMENT_SCHEMA, "2", [row(9)])
    assert last.name == "c1-00003.parquet"
    ids = sorted(i for p in tmp_path.glob("*.parquet") for i in pq.read_table(p).column("id").to_pylist())
    assert ids == ["<urn:uuid:0>", "<urn:uuid:2>", "<urn:uuid:9>"]


def test_an_edit_reads_and_writes_one_row_group_at_a_time(tmp_path):
    w = ShardWriter(tmp_path, "c1", DOCUMENT_SCHEMA, schema_version="2", row_bytes=document_row_bytes,
                    row_group_bytes=25_000, file_bytes=10**9, metadata={"dataset": "documents"})
    for i in range(10):
        w.write(row(i))
    w.close()
    path = tmp_path / w.shards[0].file
    seen = []

    def drop_odd(table):
        seen.append(table.num_rows)
        return table.filter([int(i[len("<urn:uuid:"):-1]) % 2 == 0 for i in table.column("id").to_pylist()])

    assert edit_shard(path, DOCUMENTS, drop_odd) == 5
    assert max(seen) < 10 and sum(seen) == 10
    assert pq.read_table(path).column("id").to_pylist() == [f"<urn:uuid:{i}>" for i in range(0, 10, 2)]
    assert manifest(tmp_path, "c1")["rows"] == 5
    assert edit_shard(path, DOCUMENTS, lambda table: table.slice(0, 0)) == 0
    assert not path.exists() and manifest(tmp_path, "c1")["shards"] == []
    assert list((control_dir(tmp_path) / "staging").iterdir()) == []


def test_version_2_shards_upgrade_with_a_nullable_body_and_no_pii_counts(tmp_path):
    import polars as pl

    folder = tmp_path / "documents"
    write(folder, "old-crawl", VERSION_2, "2", [{k: v for k, v in row(i).items() if k in VERSION_2.names}
                                                 for i in range(2)])
    write(folder, "new-crawl", DOCUMENT_SCHEMA, DOCUMENTS.schema_version,
          [row(i) | {"id": f"new-{i}", "body": None} for i in range(2)])
    result = subprocess.run([sys.executable, "-m", "scrapy", "upgrade", str(folder)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == f"{folder}: 1 shard upgraded", result.stderr
    frame = pl.read_parquet(folder).sort("id")
    assert frame["pii"].to_list()[:2] == [None, None]  # counted by no one: the text was not redacted
    assert frame["body"].to_list() == [row(0)["body"], row(1)["body"], None, None]
