"""`scrapy lookup`: every stored document a selector selects, the columns
that selected it and how many audit rows name it, for a person or a site
owner who asks what is held (right of access), and the rows themselves as
one Parquet file (portability). The documents are scanned with pyarrow's
dataset scanner, the selector's filter pushed down, batch by batch: the
dataset is never loaded whole. Selects exactly what `scrapy forget` removes.

Imports pyarrow.dataset: commands import it when they run.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from crawler.datasets import checked_shards, existing_shards, open_dataset
from crawler.denylist import Selector
from crawler.erasure import Places, document_tests, forget, selected
from crawler.errors import ConfigError
from crawler.pseudonyms import pseudonym, read_key
from crawler.rewrite import WRITE_BATCH_ROWS, conform
from crawler.shards import AUDIT, DOCUMENTS

LISTED = ["crawl_id", "url", "requested_url", "fetch_time", "digest"]
MATCHED = "matched "


def lookup(selector: Selector, places: Places, export: Path | None = None) -> dict[str, Any]:
    """The documents `selector` selects, oldest first, each with the columns
    that matched and its count of audit rows (by clear URL or pseudonym);
    with `export`, every column of them written to that Parquet file."""
    files = checked_shards(places.documents, DOCUMENTS, "PARQUET_DIR")
    if export is not None and not export.parent.is_dir():
        raise ConfigError(f"--export {export}: {export.parent} is not a folder: give a file in an existing folder")
    tests = document_tests(forget(selector, None), ds.field)
    columns = DOCUMENTS.schema.names if export is not None else LISTED
    projection = {name: ds.field(name) for name in columns} | {MATCHED + name: test for name, test in tests.items()}
    scanner = open_dataset(files, DOCUMENTS).scanner(columns=projection, filter=selected(tests))
    documents: list[dict[str, Any]] = []
    with _Export(export) as out:
        for batch in scanner.to_batches():
            out.write(batch)
            for row in batch.select(LISTED + [MATCHED + name for name in tests]).to_pylist():
                row["matched"] = [name for name in tests if row.pop(MATCHED + name)]
                documents.append(row)
    documents.sort(key=lambda d: (d["fetch_time"], d["url"]))
    _count_audit_rows(documents, places)
    return {"selector": str(selector), "documents_dir": str(places.documents), "documents": documents,
            "export": None if export is None else str(export)}


class _Export:
    """The export file: written beside its final name, fsynced and renamed,
    so that a reader never sees half of it; nothing is left on failure."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.writer: pq.ParquetWriter | None = None

    def __enter__(self) -> _Export:
        if self.path is not None:
            self.staging = self.path.with_name(f".{self.path.name}.inprogress")
            try:
                self.file = open(self.staging, "wb")  # noqa: SIM115 - closed in __exit__
            except OSError as exc:
                raise ConfigError(f"--export {self.path} cannot be written ({exc.strerror}): "
                                  "give a file in a writable folder") from None
            schema = conform(DOCUMENTS.schema.empty_table(), DOCUMENTS).schema
            self.writer = pq.ParquetWriter(self.file, schema, compression="zstd", write_batch_size=WRITE_BATCH_ROWS)
        return self

    def write(self, batch: pa.RecordBatch) -> None:
        if self.writer is not None and batch.num_rows:
            rows = pa.Table.from_batches([batch]).select(DOCUMENTS.schema.names)
            self.writer.write_table(conform(rows, DOCUMENTS))

    def __exit__(self, kind: Any, *rest: Any) -> None:
        if self.writer is None or self.path is None:
            return
        self.writer.close()
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        if kind is None:
            os.replace(self.staging, self.path)
        else:
            self.staging.unlink()


def _count_audit_rows(documents: list[dict[str, Any]], places: Places) -> None:
    """Set each document's `audit_rows`: rows naming its URL or the URL it
    was requested at, in clear or pseudonymised by an erasure."""
    audit = existing_shards(places.audit, AUDIT, "AUDIT_DIR")
    key = read_key(places.key)
    names: dict[str, str] = {}  # a value of the audit's url column -> the URL it stands for
    for doc in documents:
        for url in (doc["url"], doc["requested_url"]):
            names[url] = url
            if key is not None:
                names[pseudonym(key, url)] = url
    counts: Counter[str] = Counter()
    if audit and names:
        table = open_dataset(audit, AUDIT).to_table(columns=["url"], filter=ds.field("url").isin(list(names)))
        for value, n in Counter(table.column("url").to_pylist()).items():
            counts[names[value]] += n
    for doc in documents:
        doc["audit_rows"] = sum(counts[url] for url in {doc["url"], doc["requested_url"]})


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def render(found: dict[str, Any]) -> str:
    documents = found["documents"]
    if not documents:
        lines = [f"No stored document matches {found['selector']} in {found['documents_dir']}."]
    else:
        lines = [f"{len(documents)} stored document{'s' * (len(documents) != 1)} match{'es' * (len(documents) == 1)} "
                 f"{found['selector']} in {found['documents_dir']}:"]
        for doc in documents:
            requested = f" (requested as {doc['requested_url']})" if doc["requested_url"] != doc["url"] else ""
            lines.append(f"  {_iso(doc['fetch_time'])}  crawl {doc['crawl_id']}  {doc['url']}{requested}  "
                         f"{doc['digest']}  matched {', '.join(doc['matched'])}; {doc['audit_rows']} audit rows")
    if found["export"] is not None:
        lines.append(f"Exported to {found['export']}: {len(documents)} rows, every column.")
    return "\n".join(lines)


def as_json(found: dict[str, Any]) -> str:
    documents = [doc | {"fetch_time": _iso(doc["fetch_time"])} for doc in found["documents"]]
    return json.dumps(found | {"count": len(documents), "documents": documents}, indent=1, ensure_ascii=False)
