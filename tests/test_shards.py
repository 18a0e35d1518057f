import hashlib
import json
import os
import random

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from crawler.errors import ConfigError
from crawler.shards import (
    BATCH_BYTES,
    DOCUMENT_SCHEMA,
    MANIFESTS,
    STAGING,
    ShardKept,
    ShardLock,
    ShardWriteError,
    ShardWriter,
    control_dir,
    document_row_bytes,
    writable_directory,
    write_atomically,
)
from crawler.values import RowRejected


def row(i: int, body_size: int = 10_000) -> dict:
    body = random.Random(i).randbytes(body_size)  # incompressible: files grow as written
    return {
        "id": f"<urn:uuid:{i}>",
        "crawl_id": "c1",
        "url": f"http://example.com/{i}",
        "requested_url": f"http://example.com/{i}",
        "status": 200,
        "fetch_time": 1_700_000_000_000_000 + i,
        "host": "example.com",
        "registered_domain": "example.com",
        "depth": 1,
        "content_type": "text/html",
        "charset": None,
        "headers": [{"name": "Content-Type", "value": "text/html"}],
        "body": body,
        "digest": "sha1:X",
        "text": str(i),
        "extractor": "lxml-main",
        "purpose": "ai-training",
        "robots_directives": ["noarchive"],
        "tdm_reservation": None,
        "tdm_policy": None,
        "tdm_source": None,
        "content_usage": None,
        "language": "en",
        "language_score": 0.98,
        "pii": {"email": 1, "phone": 0, "ip": 0, "card": 0, "iban": 0, "ssn": 0, "patterns": []},
    }


def writer(tmp_path, prefix="c1", **kwargs):
    options = dict(row_group_bytes=100_000, file_bytes=300_000)
    options.update(kwargs)
    return ShardWriter(
        tmp_path, prefix, DOCUMENT_SCHEMA, schema_version="1", row_bytes=document_row_bytes, **options
    )


def test_row_groups_bounded_by_bytes_and_files_rotated_by_size(tmp_path):
    w = writer(tmp_path)
    for i in range(100):
        w.write(row(i))
    w.close()
    files = sorted(tmp_path.glob("*.parquet"))
    assert len(files) > 1
    total = 0
    for path in files:
        meta = pq.ParquetFile(path).metadata
        total += meta.num_rows
        for g in range(meta.num_row_groups):
            # 100 kB bound over ~10.5 kB rows: at most 10 rows per group
            assert meta.row_group(g).num_rows <= 10
    assert total == 100
    assert list((control_dir(tmp_path) / STAGING).iterdir()) == []


def test_a_file_published_for_its_size_restarts_the_age_clock(tmp_path):
    """A row whose row group fills the file publishes it; the file age limit
    (on by default in a crawl) then starts again with the next row."""
    w = writer(tmp_path, max_age=600)
    for i in range(100):
        w.write(row(i))
    w.close()
    assert len(w.shards) > 1 and sum(s.rows for s in w.shards) == 100


def test_manifest_lists_every_shard_with_digest(tmp_path):
    w = writer(tmp_path)
    for i in range(60):
        w.write(row(i))
    w.close()
    manifest = json.loads((control_dir(tmp_path) / MANIFESTS / "c1.json").read_text())
    assert manifest["rows"] == 60
    assert {s["file"] for s in manifest["shards"]} == {p.name for p in tmp_path.glob("*.parquet")}
    for shard in manifest["shards"]:
        data = (tmp_path / shard["file"]).read_bytes()
        assert shard["bytes"] == len(data)
        assert shard["sha256"] == hashlib.sha256(data).hexdigest()
        assert shard["rows"] == pq.ParquetFile(tmp_path / shard["file"]).metadata.num_rows


def test_fixed_schema_and_metadata(tmp_path):
    w = writer(tmp_path)
    w.write(row(1))
    w.close()
    [path] = tmp_path.glob("*.parquet")
    schema = pq.read_schema(path)
    assert schema.field("charset").type == pa.string()  # all-null column keeps its type
    assert schema.field("fetch_time").type == pa.timestamp("us", tz="UTC")
    assert schema.metadata[b"schema_version"] == b"1"
    assert b"crawler_version" in schema.metadata
    assert pq.ParquetFile(path).metadata.row_group(0).column(12).compression == "ZSTD"


def test_many_shards_of_many_crawls_read_as_one_dataset(tmp_path):
    for prefix in ("crawl-a", "crawl-b"):
        w = writer(tmp_path, prefix)
        for i in range(50):
            w.write(row(i))
        w.close()
    assert len(list(tmp_path.glob("*.parquet"))) >= 4
    # a file being written never matches the readers' globs
    (control_dir(tmp_path) / STAGING / "crawl-c-00000.parquet.inprogress").write_bytes(b"PAR1 half")
    count = duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp_path}/**/*.parquet')").fetchall()[0][0]
    assert count == 100
    assert ds.dataset(tmp_path, format="parquet").count_rows() == 100


def test_resumed_writer_continues_numbering(tmp_path):
    w = writer(tmp_path)
    w.write(row(1))
    w.close()
    w = writer(tmp_path)
    w.write(row(2))
    w.close()
    assert sorted(p.name for p in tmp_path.glob("*.parquet")) == ["c1-00000.parquet", "c1-00001.parquet"]
    assert json.loads((control_dir(tmp_path) / MANIFESTS / "c1.json").read_text())["rows"] == 2


def test_abort_publishes_nothing(tmp_path):
    w = writer(tmp_path, row_group_bytes=1)
    w.write(row(1))
    w.abort()
    assert list(tmp_path.glob("*.parquet")) == []
    assert list((control_dir(tmp_path) / STAGING).iterdir()) == []


def test_a_commit_of_unknown_outcome_leaves_the_whole_file_staged(tmp_path):
    """A `before_rename` hook that cannot tell whether its commit took effect
    (ShardKept): nothing is published, the whole file stays staged for the
    next run to publish or drop, and the writer takes nothing more."""

    def unknown(staging, final):
        raise ShardKept("the shared frontier cannot be reached")

    w = writer(tmp_path / "documents", before_rename=unknown)
    w.write(row(1))
    with pytest.raises(ShardWriteError):
        w.close()
    assert list((tmp_path / "documents").iterdir()) == []
    staged = list((tmp_path / ".documents.crawler" / STAGING).iterdir())
    assert [p.name for p in staged] == ["c1-00000.parquet.inprogress"]
    assert pq.read_table(staged[0]).num_rows == 1  # whole, fsynced: publishable as it is
    with pytest.raises(ShardWriteError):
        w.write(row(2))
    assert staged[0].exists()


def test_memory_holds_one_row_group(tmp_path):
    w = writer(tmp_path, row_group_bytes=50_000, file_bytes=10**9)
    for i in range(30):
        w.write(row(i))
        assert w._buffered_bytes < 50_000 + document_row_bytes(row(i))
    w.close()


def test_a_row_group_is_gathered_as_arrow_batches_and_written_whole(tmp_path):
    w = writer(tmp_path, row_group_bytes=3_000_000, file_bytes=10**9)
    for i in range(60):
        w.write(row(i, body_size=300_000))
        assert len(w._columns["body"]) <= BATCH_BYTES // 300_000 + 1  # the rest is Arrow data
    w.close()
    (path,) = tmp_path.glob("*.parquet")
    meta = pq.ParquetFile(path).metadata
    assert [meta.row_group(g).num_rows for g in range(meta.num_row_groups)] == [10] * 6
    assert pq.read_table(path, columns=["url"]).column("url").to_pylist() == [f"http://example.com/{i}" for i in range(60)]


def test_write_atomically_replaces(tmp_path):
    target = tmp_path / "m.json"
    write_atomically(target, b"one")
    write_atomically(target, b"two")
    assert target.read_bytes() == b"two"
    assert os.listdir(tmp_path) == ["m.json"]


def test_invalid_row_is_refused_alone(tmp_path):
    w = writer(tmp_path, row_group_bytes=10**9)
    w.write(row(0))
    bad = row(1) | {"status": "not a number"}
    with pytest.raises(RowRejected, match="column status"):
        w.write(bad)
    w.write(row(2))
    w.close()
    assert pq.read_table(tmp_path / w.shards[0].file).column("id").to_pylist() == ["<urn:uuid:0>", "<urn:uuid:2>"]


def test_a_file_is_published_once_its_oldest_row_is_old_enough(tmp_path, monkeypatch):
    import crawler.shards as shards

    clock = [1000.0]
    monkeypatch.setattr(shards.time, "monotonic", lambda: clock[0])
    w = writer(tmp_path, row_group_bytes=10**9, file_bytes=10**12, max_age=60)
    w.write(row(1))
    clock[0] += 30
    w.write(row(2))
    assert list(tmp_path.glob("*.parquet")) == []
    clock[0] += 31
    w.write(row(3))
    assert [s.rows for s in w.shards] == [3]
    w.write(row(4))
    w.close()
    assert [s.rows for s in w.shards] == [3, 1]


def test_the_dataset_folder_holds_only_finished_shards_while_writing(tmp_path):
    w = writer(tmp_path / "documents", row_group_bytes=1, file_bytes=10**9)
    w.write(row(1))  # a row group is written: the file is open in the control folder
    assert list((tmp_path / "documents").iterdir()) == []
    assert [p.name for p in (tmp_path / ".documents.crawler" / STAGING).iterdir()] == ["c1-00000.parquet.inprogress"]
    w.close()
    assert [p.name for p in (tmp_path / "documents").iterdir()] == ["c1-00000.parquet"]


def test_folders_of_earlier_versions_are_moved_out(tmp_path):
    documents = tmp_path / "documents"
    (documents / "_manifests").mkdir(parents=True)
    (documents / ".staging").mkdir()
    old = {"prefix": "old", "rows": 1, "bytes": 1, "shards": []}
    (documents / "_manifests" / "old.json").write_text(json.dumps(old))
    (documents / ".staging" / "old-00001.parquet.inprogress").write_bytes(b"PAR1 half")
    writer(documents).close()
    assert list(documents.iterdir()) == []
    assert json.loads((control_dir(documents) / MANIFESTS / "old.json").read_text()) == old


def test_one_writer_per_crawl_and_folder(tmp_path):
    first = ShardLock(tmp_path, "c1")
    with pytest.raises(ConfigError, match=f"crawl c1 is being written by process {os.getpid()} in {tmp_path}"):
        ShardLock(tmp_path, "c1")
    other = ShardLock(tmp_path, "c2")  # another crawl may share the folder
    first.release()
    assert not (control_dir(tmp_path) / "locks" / "c1.lock").exists()
    ShardLock(tmp_path, "c1").release()
    other.release()


def test_a_mount_point_cannot_hold_a_dataset(tmp_path, monkeypatch):
    import crawler.shards as shards

    real_stat = shards.Path.stat

    def stat(path, *args, **kwargs):
        result = real_stat(path, *args, **kwargs)
        if path.name.endswith(".crawler"):
            return os.stat_result((*result[:2], result.st_dev + 1, *result[3:]))
        return result

    monkeypatch.setattr(shards.Path, "stat", stat)
    with pytest.raises(ConfigError, match="is a mount point"):
        writable_directory("PARQUET_DIR", str(tmp_path / "documents"))
