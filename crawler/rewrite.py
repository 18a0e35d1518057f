"""Rewriting published shards in place: the one way the project changes a
finished shard (a schema upgrade, an erasure), atomically.

The new file is written in the dataset's control folder, fsynced and renamed
over the old one, so a reader sees the old shard or the new one, never both
and never neither; a shard left with no rows is removed. The crawl's
manifest then describes the file on disk again. A rewrite takes the crawl's
lock: a crawl still writing its shards is never rewritten under it. Killed
at any moment, the folder holds readable shards only, and running the same
rewrite again finishes it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

import crawler
from crawler.shards import (
    MANIFESTS,
    STAGING,
    Dataset,
    ShardLock,
    control_dir,
    fsync_dir,
    published_files,
    shard_info,
    write_atomically,
)

# Parquet buffers a column's values this many rows at a time before it cuts
# pages: at its default of 1024 rows, a row group of 24 KB pages took another
# ~50 MB while it was written; at 64 rows, ~1.5 MB, for the same speed.
WRITE_BATCH_ROWS = 64


def shard_prefix(path: Path) -> str:
    """The crawl (writer prefix) a shard belongs to: `<prefix>-NNNNN.parquet`."""
    return path.name.rsplit("-", 1)[0]


def conform(table: pa.Table, dataset: Dataset) -> pa.Table:
    """`table` with the dataset's current schema: columns an older version
    did not have are added as nulls, the others cast to their current type."""
    schema = dataset.schema
    columns = [
        table.column(field.name).cast(field.type) if field.name in table.column_names
        else pa.nulls(table.num_rows, field.type)
        for field in schema
    ]
    return pa.Table.from_arrays(columns, schema=_with_metadata(dataset))


def _with_metadata(dataset: Dataset) -> pa.Schema:
    return dataset.schema.with_metadata({
        "schema_version": dataset.schema_version,
        "crawler_version": crawler.__version__,
        "dataset": dataset.name,
        **dataset.metadata,
    })


def edit_shard(path: Path, dataset: Dataset, edit: Callable[[pa.Table], pa.Table]) -> int:
    """Rewrite the published shard `path` with `edit` applied to each of its
    row groups (in the current schema), atomically: the shard is read under
    its crawl's lock, so no other rewrite comes between the read and the
    write, and one row group at a time, so memory holds one row group
    whatever the shard's size. A shard left with no rows is removed.
    Returns the rows left."""

    def tables() -> Iterator[pa.Table]:
        with pq.ParquetFile(path) as source:
            for group in range(source.num_row_groups):
                yield edit(conform(source.read_row_group(group), dataset))

    return _replace(path, dataset, tables)


def _replace(path: Path, dataset: Dataset, tables: Callable[[], Iterable[pa.Table]]) -> int:
    """Under the crawl's lock, write `tables()` as the new `path` in the
    control folder, fsync it and rename it over the old file (no rows:
    remove the old file); then update the manifest. Returns the rows written."""
    directory = path.parent
    prefix = shard_prefix(path)
    lock = ShardLock(directory, prefix)
    try:
        staging = control_dir(directory) / STAGING / f"{path.name}.rewrite.inprogress"
        staging.parent.mkdir(parents=True, exist_ok=True)
        rows = 0
        with open(staging, "wb") as f:
            writer = None
            for table in tables():
                if table.num_rows == 0:
                    continue
                if writer is None:
                    writer = pq.ParquetWriter(f, _with_metadata(dataset), compression="zstd", compression_level=3,
                                              use_dictionary=dataset.dictionary_columns,
                                              write_batch_size=WRITE_BATCH_ROWS)
                writer.write_table(conform(table, dataset), row_group_size=table.num_rows)
                rows += table.num_rows
                del table  # before the next row group is read: one in memory at a time
            if writer is not None:
                writer.close()
            f.flush()
            os.fsync(f.fileno())
        if rows:
            os.replace(staging, path)
        else:
            path.unlink(missing_ok=True)
            staging.unlink()
        fsync_dir(directory)
        refresh_manifest(directory, prefix, [path.name])
    finally:
        lock.release()
    return rows


def refresh_manifest(directory: Path, prefix: str, files: list[str] | None = None) -> None:
    """Make a crawl's manifest describe its shards on disk again: the entries
    of `files` (None: every shard of the crawl) are recomputed from the
    files, or dropped where the file is gone; other entries are kept."""
    path = control_dir(directory) / MANIFESTS / f"{prefix}.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        data = {"prefix": prefix, "shards": []}
    on_disk = {p.name for p in published_files(directory, prefix)}
    stale = on_disk if files is None else set(files)
    entries = {s["file"]: s for s in data["shards"] if s["file"] in on_disk and s["file"] not in stale}
    for name in sorted(stale & on_disk):
        entries[name] = asdict(shard_info(directory / name))
    shards = [entries[name] for name in sorted(entries)]
    data.update(shards=shards, rows=sum(s["rows"] for s in shards), bytes=sum(s["bytes"] for s in shards))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(data, indent=1).encode())
