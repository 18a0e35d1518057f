"""Parquet shards: one fixed schema per dataset, row groups bounded by bytes,
files rotated by size and published atomically.

A dataset folder holds nothing but finished `*.parquet` shards, so that every
reader's most natural call (`pl.read_parquet(folder)`, datatrove's
`ParquetReader(folder)`, `load_dataset("parquet", data_dir=folder)`) reads
it, during a crawl too. The writer's own files live in a hidden sibling
folder on the same file system, `.<name>.crawler/` beside `<name>/`: a shard
is written in its `staging/`, closed, fsynced and renamed into the dataset
folder, so a reader never sees a half-written file, even after `kill -9`;
each publish rewrites the crawl's manifest (`manifests/<prefix>.json`)
atomically; `locks/<prefix>.lock` keeps a second writer of the same crawl
out. No Scrapy here: the item pipelines feed it rows.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

import crawler
from crawler.errors import ConfigError
from crawler.privacy import KINDS
from crawler.values import row_preparer

STAGING = "staging"
MANIFESTS = "manifests"
LOCKS = "locks"
# Where versions before 0.2 kept them, inside the dataset folder.
OLD_STAGING, OLD_MANIFESTS = ".staging", "_manifests"
_HEADER = pa.struct([("name", pa.string()), ("value", pa.string())])
# What redaction replaced in `text`: a count per built-in type, and one per
# operator pattern (PRIVACY_PATTERNS). Never the values. (Its fields are
# nullable so that a null `pii`, as older shards get, can be written.)
_PII = pa.struct(
    [(kind, pa.int32()) for kind in KINDS]
    + [("patterns", pa.list_(pa.struct([("name", pa.string()), ("count", pa.int32())])))]
)

DOCUMENT_SCHEMA_VERSION = "3"
DOCUMENT_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("crawl_id", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=False),
        pa.field("requested_url", pa.string(), nullable=False),
        pa.field("status", pa.int16(), nullable=False),
        pa.field("fetch_time", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("host", pa.string(), nullable=False),
        pa.field("registered_domain", pa.string(), nullable=False),
        pa.field("depth", pa.int32(), nullable=False),
        pa.field("content_type", pa.string()),
        pa.field("charset", pa.string()),
        pa.field("headers", pa.list_(_HEADER), nullable=False),
        pa.field("body", pa.binary()),
        pa.field("digest", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("extractor", pa.string(), nullable=False),
        pa.field("purpose", pa.string(), nullable=False),
        pa.field("robots_directives", pa.list_(pa.string()), nullable=False),
        pa.field("tdm_reservation", pa.int8()),
        pa.field("tdm_policy", pa.string()),
        pa.field("tdm_source", pa.string()),
        pa.field("content_usage", pa.string()),
        pa.field("language", pa.string()),
        pa.field("language_score", pa.float32()),
        pa.field("pii", _PII),
    ]
)

AUDIT_SCHEMA_VERSION = "1"
AUDIT_SCHEMA = pa.schema(
    [
        pa.field("crawl_id", pa.string(), nullable=False),
        pa.field("time", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("event", pa.string(), nullable=False),
        pa.field("host", pa.string(), nullable=False),
        pa.field("registered_domain", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("detail", pa.string()),
        pa.field("status", pa.int16()),
        pa.field("bytes", pa.int64()),
        pa.field("latency", pa.float64()),
        pa.field("gap", pa.float64()),
        pa.field("digest", pa.string()),
    ]
)
AUDIT_DICTIONARY_COLUMNS = ["crawl_id", "event", "host", "registered_domain", "reason"]

# One row per erasure (`scrapy forget`) or expiry (`scrapy expire`) carried
# out: the receipt, kept so that the operator can prove it later.
ERASURE_SCHEMA_VERSION = "1"
ERASURE_SCHEMA = pa.schema(
    [
        pa.field("erasure_id", pa.string(), nullable=False),
        pa.field("action", pa.string(), nullable=False),
        pa.field("selector", pa.string(), nullable=False),
        pa.field("reason", pa.string()),
        pa.field("requested", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("completed", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("documents_removed", pa.int64(), nullable=False),
        pa.field("documents_per_crawl",
                 pa.list_(pa.struct([("crawl_id", pa.string()), ("documents", pa.int64())])), nullable=False),
        pa.field("audit_rows_pseudonymised", pa.int64(), nullable=False),
        pa.field("files_rewritten", pa.list_(pa.string()), nullable=False),
        pa.field("digests", pa.list_(pa.string()), nullable=False),
        pa.field("denylist_entries", pa.list_(pa.string()), nullable=False),
    ]
)


def audit_row_bytes(row: Mapping[str, Any]) -> int:
    return len(row.get("url") or "") + len(row.get("detail") or "") + 128


# Columns worth dictionary-encoding; bodies and texts are not (the attempt costs
# CPU and falls back to plain encoding anyway).
DOCUMENT_DICTIONARY_COLUMNS = [
    "crawl_id", "host", "registered_domain", "content_type", "charset", "extractor",
    "headers.list.element.name", "purpose", "robots_directives.list.element", "tdm_source",
    "language",
]


BATCH_BYTES = 1024 * 1024  # rows gathered as Python objects before they become Arrow data
# glibc malloc hands a written row group's memory back at once; pyarrow's
# default (jemalloc) pool kept 20-30 MB more at peak in the scale benchmark.
POOL = pa.system_memory_pool()


def document_row_bytes(row: Mapping[str, Any]) -> int:
    """Rough in-memory size of a document row, for row-group bounds."""
    return len(row["body"] or b"") + len(row["text"]) + 64 * len(row["headers"]) + 512


class ShardWriteError(Exception):
    """Shards can no longer be written (full or unwritable disk)."""


class ShardKept(ShardWriteError):
    """Raised by a `before_rename` hook that cannot tell whether its commit
    took effect (the answer was lost on the way back): the whole file stays
    in staging, where the next run of the same prefix publishes it if it was
    committed or removes it if not, and the writer takes nothing more."""


@dataclass(frozen=True)
class ShardInfo:
    """A published shard, as recorded in the manifest."""

    file: str
    rows: int
    bytes: int
    sha256: str
    published: str


@dataclass(frozen=True)
class Dataset:
    """What a family of shards holds: its fixed schema and how to size rows."""

    name: str
    schema: pa.Schema
    schema_version: str
    row_bytes: Callable[[Mapping[str, Any]], int]
    dictionary_columns: list[str]
    metadata: Mapping[str, str]


DOCUMENTS = Dataset(
    "documents", DOCUMENT_SCHEMA, DOCUMENT_SCHEMA_VERSION, document_row_bytes, DOCUMENT_DICTIONARY_COLUMNS,
    {"body": "decoded (content-coding removed)"},
)
AUDIT = Dataset("audit", AUDIT_SCHEMA, AUDIT_SCHEMA_VERSION, audit_row_bytes, AUDIT_DICTIONARY_COLUMNS, {})
ERASURES = Dataset("erasures", ERASURE_SCHEMA, ERASURE_SCHEMA_VERSION, lambda row: 64 * len(row["digests"]) + 1024,
                   ["action"], {})


class ShardWriter:
    """Writes rows of one schema to `<directory>/<prefix>-NNNNN.parquet` files.

    Holds at most one row group in memory, as Arrow data: rows are gathered
    column by column and turned into a record batch every `BATCH_BYTES`, so a
    row group is never held twice (as Python objects and as Arrow); once the
    batches' estimated size reaches `row_group_bytes` they are written as one
    row group; a file is published once it reaches `file_bytes`, or once its
    oldest row is `max_age` seconds old (0: no age limit).
    """

    def __init__(
        self,
        directory: Path,
        prefix: str,
        schema: pa.Schema,
        *,
        schema_version: str,
        row_bytes: Callable[[Mapping[str, Any]], int],
        row_group_bytes: int,
        file_bytes: int,
        compression: str = "zstd",
        compression_level: int | None = 3,
        dictionary_columns: list[str] | None = None,
        metadata: Mapping[str, str] | None = None,
        max_age: float = 0.0,
        before_publish: Callable[[], None] | None = None,
        before_rename: Callable[[Path, Path], None] | None = None,
        after_publish: Callable[[ShardInfo], None] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self._schema = schema.with_metadata(
            {
                "schema_version": schema_version,
                "crawler_version": crawler.__version__,
                **(metadata or {}),
            }
        )
        self._names = schema.names
        self._prepare = row_preparer(schema)
        self._row_bytes = row_bytes
        self._row_group_bytes = row_group_bytes
        self._file_bytes = file_bytes
        self._compression = compression
        self._compression_level = compression_level
        self._dictionary = dictionary_columns if dictionary_columns is not None else True
        self._columns: dict[str, list[Any]] = {name: [] for name in self._names}
        self._batches: list[pa.RecordBatch] = []
        self._pending_bytes = 0  # of the rows not yet in a batch
        self._buffered_rows = 0
        self._buffered_bytes = 0
        self._file_rows = 0
        self._max_age = max_age
        self._started: float | None = None  # monotonic time of the oldest unpublished row
        self._writer: pq.ParquetWriter | None = None
        self._file: Any = None
        self._staging_path: Path | None = None
        self._before_publish = before_publish
        self._before_rename = before_rename
        self._after_publish = after_publish
        self.failure: str | None = None
        control = control_dir(self.directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        for name in (STAGING, MANIFESTS):
            (control / name).mkdir(parents=True, exist_ok=True)
        _migrate(self.directory)
        self._staging = control / STAGING
        self._manifest_path = control / MANIFESTS / f"{prefix}.json"
        self.shards: list[ShardInfo] = self._load_manifest()
        for stale in self._staging.glob(f"{prefix}-*.inprogress"):
            stale.unlink()  # a file this crawl was writing when it died

    @property
    def rows_published(self) -> int:
        return sum(s.rows for s in self.shards)

    @property
    def bytes_published(self) -> int:
        return sum(s.bytes for s in self.shards)

    def prepare(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The row's values checked and normalised for the schema; raises
        RowRejected (the writer untouched) for a row that cannot be stored."""
        return self._prepare(row)

    def write(self, row: Mapping[str, Any]) -> None:
        """Prepare and buffer one row: a rejected row (RowRejected) leaves
        every other row as it was."""
        self.append(self._prepare(row))

    def append(self, row: dict[str, Any]) -> None:
        """Buffer a row that `prepare` returned."""
        with self._guard():
            self._write(row)

    def flush(self) -> None:
        """Write the buffered rows as one row group; publish the file if full."""
        with self._guard():
            self._flush()

    def close(self) -> None:
        """Flush and publish everything written so far."""
        with self._guard():
            self._flush()
            if self._writer is not None:
                self._publish()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """A write that fails (a full or unwritable disk) drops the file being
        written, publishes nothing partial and refuses every later write;
        published shards stay as they are."""
        if self.failure is not None:
            raise ShardWriteError(self.failure)
        try:
            yield
        except (OSError, ShardWriteError, pa.ArrowException) as exc:
            self.abort(keep_staged=isinstance(exc, ShardKept))
            cause = exc.strerror if isinstance(exc, OSError) else str(exc)
            dataset = self._schema.metadata.get(b"dataset", b"shards").decode()
            self.failure = f"cannot write {dataset} shards in {self.directory} ({cause or exc})"
            raise ShardWriteError(self.failure) from exc

    def _write(self, row: Mapping[str, Any]) -> None:
        for name in self._names:
            self._columns[name].append(row.get(name))
        size = self._row_bytes(row)
        self._buffered_rows += 1
        self._buffered_bytes += size
        self._pending_bytes += size
        if self._pending_bytes >= BATCH_BYTES:
            self._batch()
        if self._started is None:
            self._started = time.monotonic()
        if self._buffered_bytes >= self._row_group_bytes:
            self._flush()
        if self._max_age and self._started is not None and time.monotonic() - self._started >= self._max_age:
            self._flush()
            if self._writer is not None:
                self._publish()

    def _batch(self) -> None:
        arrays = [pa.array(self._columns[f.name], f.type, memory_pool=POOL) for f in self._schema]
        self._batches.append(pa.RecordBatch.from_arrays(arrays, schema=self._schema))
        self._columns = {name: [] for name in self._names}
        self._pending_bytes = 0

    def _flush(self) -> None:
        if not self._buffered_rows:
            return
        if self._pending_bytes:
            self._batch()
        table = pa.Table.from_batches(self._batches, schema=self._schema)
        if self._writer is None:
            self._open()
        assert self._writer is not None
        self._writer.write_table(table, row_group_size=table.num_rows)
        self._file_rows += self._buffered_rows
        self._batches = []
        self._buffered_rows = 0
        self._buffered_bytes = 0
        if self._file.tell() >= self._file_bytes:
            self._publish()

    def abort(self, keep_staged: bool = False) -> None:
        """Drop the unpublished file (`keep_staged`: leave it in staging) and
        the buffered rows; published shards stay."""
        self._columns = {name: [] for name in self._names}
        self._batches = []
        self._buffered_rows = self._buffered_bytes = self._pending_bytes = 0
        self._started = None
        for closable in (self._writer, self._file):
            if closable is not None:
                try:
                    closable.close()
                except (OSError, ValueError, pa.ArrowException):
                    pass
        if self._staging_path is not None and not keep_staged:
            self._staging_path.unlink(missing_ok=True)
        self._writer = self._file = self._staging_path = None

    def _next_name(self) -> str:
        """One past the highest number published: an erasure may have removed
        a shard left empty, so the count of shards can name a file that exists."""
        numbers = [int(s.file.rsplit("-", 1)[1].split(".", 1)[0]) for s in self.shards]
        return f"{self.prefix}-{max(numbers, default=-1) + 1:05d}.parquet"

    def _open(self) -> None:
        self._staging_path = self._staging / (self._next_name() + ".inprogress")
        self._file = open(self._staging_path, "wb")  # noqa: SIM115 - closed in _publish
        self._writer = pq.ParquetWriter(
            self._file,
            self._schema,
            compression=self._compression,
            compression_level=self._compression_level,
            use_dictionary=self._dictionary,
            memory_pool=POOL,
        )
        self._file_rows = 0

    def _publish(self) -> None:
        assert self._writer is not None and self._staging_path is not None
        if self._before_publish is not None:
            self._before_publish()
        self._writer.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        name = self._next_name()
        final = self.directory / name
        with open(self._staging_path, "rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
        size = self._staging_path.stat().st_size
        if self._before_rename is not None:
            self._before_rename(self._staging_path, final)  # the file is whole on disk: its commit point
        os.replace(self._staging_path, final)
        fsync_dir(self.directory)
        self.shards.append(
            ShardInfo(
                file=name,
                rows=self._file_rows,
                bytes=size,
                sha256=digest,
                published=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            )
        )
        self._writer = self._file = self._staging_path = None
        self._file_rows = 0
        self._started = None
        self._save_manifest()
        if self._after_publish is not None:
            self._after_publish(self.shards[-1])

    def _load_manifest(self) -> list[ShardInfo]:
        """The manifest, completed with any shard of this prefix published
        just before a crash left the manifest behind."""
        try:
            shards = [ShardInfo(**s) for s in json.loads(self._manifest_path.read_text())["shards"]]
        except FileNotFoundError:
            shards = []
        listed = {s.file for s in shards}
        for path in published_files(self.directory, self.prefix):
            if path.name not in listed:
                shards.append(shard_info(path, published=path.stat().st_mtime))
        return sorted(shards, key=lambda s: s.file)

    def _save_manifest(self) -> None:
        data = {
            "prefix": self.prefix,
            "schema_version": self._schema.metadata[b"schema_version"].decode(),
            "crawler_version": crawler.__version__,
            "rows": self.rows_published,
            "bytes": self.bytes_published,
            "shards": [asdict(s) for s in self.shards],
        }
        write_atomically(self._manifest_path, json.dumps(data, indent=1).encode())


def shard_info(path: Path, published: float | None = None) -> ShardInfo:
    """A published shard's manifest entry, read from the file itself;
    `published` is a Unix time (None: now)."""
    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    return ShardInfo(file=path.name, rows=pq.read_metadata(path).num_rows, bytes=path.stat().st_size,
                     sha256=digest, published=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(published)))


def control_dir(directory: Path) -> Path:
    """The writer's own folder for a dataset folder: a hidden sibling, on the
    same file system, so a rename from it into the dataset is atomic."""
    directory = directory.absolute()
    return directory.parent / f".{directory.name or 'root'}.crawler"


class ShardLock:
    """An exclusive lock on a crawl's shards in a dataset folder, or a
    ConfigError: two processes writing the same crawl would publish shards
    of the same names over each other. The lock file is removed on release;
    a process killed while holding it leaves a file that locks nothing."""

    def __init__(self, directory: Path, prefix: str) -> None:
        self.path = control_dir(directory) / LOCKS / f"{prefix}.lock"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            handle = open(self.path, "a+")  # noqa: SIM115 - held until release()
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                handle.close()
                raise ConfigError(
                    f"crawl {prefix} is being written by {holder} in {directory}: "
                    "wait for it to finish, or give this crawl another CRAWL_ID"
                ) from None
            try:
                same = os.fstat(handle.fileno()).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:  # not a file its previous holder removed while we opened it
                break
            handle.close()
        handle.truncate(0)
        handle.write(f"process {os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if not self._handle.closed:
            self.path.unlink(missing_ok=True)
            self._handle.close()


def lock_holders(directory: Path) -> list[str]:
    """Who holds a lock on a dataset folder now, one `<prefix> (process N)`
    each: a lock file left by a killed process locks nothing and is not named."""
    held = []
    for path in sorted((control_dir(directory) / LOCKS).glob("*.lock")):
        try:
            handle = open(path)  # noqa: SIM115 - closed below
        except FileNotFoundError:
            continue  # released meanwhile
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                held.append(f"{path.stem} ({handle.read().strip() or 'another process'})")
    return held


def _migrate(directory: Path) -> None:
    """Move what versions before 0.2 kept inside a dataset folder out of it:
    manifests into the control folder, unfinished staging files (never
    published, never resumed) removed."""
    old_manifests, old_staging = directory / OLD_MANIFESTS, directory / OLD_STAGING
    control = control_dir(directory)
    if old_manifests.is_dir():
        for path in old_manifests.glob("*.json"):
            target = control / MANIFESTS / path.name
            if target.exists():
                path.unlink()
            else:
                os.replace(path, target)
        _remove_if_empty(old_manifests)
    if old_staging.is_dir():
        for path in old_staging.glob("*.inprogress"):
            path.unlink()
        _remove_if_empty(old_staging)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # something else is in it: left as it is


def writable_directory(setting: str, value: str) -> Path:
    """Create the folder a setting names and its control folder, prove both
    writable and on one file system (a shard is renamed from one into the
    other), or raise a ConfigError that names the setting and the fix."""
    path = Path(value)
    control = control_dir(path)
    try:
        for folder in (path, control):
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"{setting}={value!r} is not a writable folder ({exc.strerror or exc}): "
            f"set {setting} to a folder the crawler can write, in a folder it can write"
        ) from None
    if path.stat().st_dev != control.stat().st_dev:
        raise ConfigError(
            f"{setting}={value!r} is a mount point: the crawler stages shards in {control}, which must be "
            f"on the same file system; set {setting} to a folder inside the mount"
        )
    return path


def published_files(directory: Path, prefix: str) -> list[Path]:
    """Every shard a crawl has published: a file under its final name is
    complete, whatever the manifest says."""
    return sorted(directory.glob(f"{prefix}-[0-9][0-9][0-9][0-9][0-9].parquet"))


def published_columns(directory: Path, prefix: str, columns: list[str]) -> list[dict[str, Any]]:
    """The given columns of every shard a crawl has published."""
    rows: list[dict[str, Any]] = []
    for path in published_files(directory, prefix):
        rows += pq.read_table(path, columns=columns).to_pylist()
    return rows


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that readers see the old or the new file,
    never a mix."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
