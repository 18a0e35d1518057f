"""Opening a dataset folder (documents or audit) for the project's own
commands: find its shards, prove each is a readable shard of the expected
dataset, and say in one sentence what is wrong when it is not.

Only finished shards count: files under their final `*.parquet` name,
outside hidden (`.staging`) and underscore (`_manifests`) folders, which is
what pyarrow's own discovery skips too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from crawler.errors import ConfigError
from crawler.shards import AUDIT, DOCUMENTS, ERASURES, Dataset

DATASETS = {dataset.name: dataset for dataset in (DOCUMENTS, AUDIT, ERASURES)}

if TYPE_CHECKING:
    import pyarrow.dataset as ds


def shard_files(directory: Path) -> list[Path]:
    """Every finished shard under a dataset folder, sorted."""
    return sorted(
        path for path in directory.rglob("*.parquet")
        if path.is_file() and not any(part.startswith((".", "_")) for part in path.relative_to(directory).parts)
    )


def _schema(path: Path) -> pa.Schema:
    """A shard's schema, read from its footer, or a ConfigError naming the file."""
    try:
        return pq.read_schema(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{path} is not a readable Parquet shard ({str(exc).splitlines()[0]}): "
            "move it out of the folder or restore it from a backup"
        ) from None


def checked_shards(directory: Path, expected: Dataset, setting: str) -> list[Path]:
    """The shards of `directory`, each proved to be a readable shard of
    `expected`, or a ConfigError naming the problem and the fix."""
    give = f"give the crawl's {setting} (a folder of {expected.name} shards)"
    if not directory.exists():
        raise ConfigError(f"{directory} does not exist: {give}")
    if not directory.is_dir():
        raise ConfigError(f"{directory} is not a folder: {give}")
    files = shard_files(directory)
    if not files:
        raise ConfigError(f"no {expected.name} shards (*.parquet) under {directory}: {give}")
    wanted = set(expected.schema.names)
    for path in files:
        schema = _schema(path)
        name = (schema.metadata or {}).get(b"dataset", b"").decode(errors="replace")
        if name != expected.name or not wanted <= set(schema.names):
            what = f"a {name} shard" if name else "not a shard written by this crawler"
            raise ConfigError(f"{path} is {what}, not {expected.name}: {give}")
    return files


def existing_shards(directory: Path, expected: Dataset, setting: str) -> list[Path]:
    """Like `checked_shards`, but a folder that does not exist yet, or holds
    no shard yet, is an empty dataset: an erasure of a host never crawled
    still has its place on the deny list."""
    if not directory.exists() or (directory.is_dir() and not shard_files(directory)):
        return []
    return checked_shards(directory, expected, setting)


def older_shards(directory: Path) -> list[tuple[Path, Dataset]]:
    """The shards of a dataset folder written with an older schema version,
    each with its dataset, or a ConfigError for a folder that is not a
    dataset of this crawler."""
    if not directory.is_dir():
        raise ConfigError(f"{directory} is not a folder: give a dataset folder (PARQUET_DIR or AUDIT_DIR)")
    older = []
    for path in shard_files(directory):
        metadata = _schema(path).metadata or {}
        dataset = DATASETS.get(metadata.get(b"dataset", b"").decode(errors="replace"))
        if dataset is None:
            raise ConfigError(f"{path} is not a shard written by this crawler: move it out of the folder")
        if metadata.get(b"schema_version", b"").decode() != dataset.schema_version:
            older.append((path, dataset))
    return older


def open_dataset(files: list[Path], expected: Dataset) -> ds.Dataset:
    """A pyarrow dataset over checked shards, read with the current schema so
    that older shards (fewer columns) read beside newer ones. pyarrow.dataset
    is imported here: the import alone adds ~50 MB, and Scrapy imports every
    command module at start-up."""
    import pyarrow.dataset as ds

    return ds.dataset([str(p) for p in files], schema=expected.schema, format="parquet")
