"""Erasure (`scrapy forget`) and retention (`scrapy expire`) over the datasets.

Which rows a job removes and which audit rows it pseudonymises is decided by
pure functions over Arrow data (`document_tests`, `AuditScope`); `run` then
carries the job out one shard at a time, each shard rewritten atomically by
`crawler.rewrite.edit_shard`, so a reader sees a shard before the job or
after it, never a mix, and memory holds one row group.

A job survives SIGKILL at any moment: run again with the same arguments, it
finishes the same job. Every step is atomic and idempotent, and what a step
is about to remove is journaled first, in the documents' control folder
(`erasures/<job>/`): the job itself (id, selector, time, cutoff), then per
document shard the rows about to go (id, crawl, URLs, digest, never the
content), per audit shard the rows about to be pseudonymised. A rerun finds
the rows of a shard not yet rewritten again, and nothing in one already
rewritten; the receipt is computed from the journal, so its totals are
exact however many runs the job took. The receipt is appended to the
erasure log once (a file named after the job); then the journal goes.

This module imports pyarrow.compute and pyarrow.dataset: commands import it
when they run, never at start-up.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import secrets
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from crawler import denylist
from crawler.datasets import existing_shards
from crawler.denylist import Selector, denylist_path
from crawler.errors import ConfigError
from crawler.pseudonyms import is_pseudonym, key_path, privacy_key, pseudonym, read_key
from crawler.rewrite import edit_shard
from crawler.shards import (
    AUDIT,
    DOCUMENTS,
    ERASURES,
    ShardLock,
    ShardWriter,
    control_dir,
    lock_holders,
    published_files,
    writable_directory,
    write_atomically,
)

JOURNALS = "erasures"
ERASURE_LOCK = "_erasure"  # never a crawl id: those start with a letter or digit
REMOVED_COLUMNS = ["id", "crawl_id", "url", "requested_url", "digest"]
_URL_IN_TEXT = re.compile(r"https?://[^\s\"'<>]+")
_TRAILING = ":,;.)]}"  # what a sentence may put right after a URL


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Job:
    """An erasure (`selector`) or an expiry (`cutoff`: documents fetched and
    audit rows recorded before it)."""

    action: str  # "forget" or "expire"
    selector: Selector | None = None
    cutoff: datetime | None = None
    reason: str | None = None

    @property
    def subject(self) -> str:
        if self.selector is not None:
            return str(self.selector)
        assert self.cutoff is not None
        return f"fetched before {_iso(self.cutoff)}"

    @property
    def key(self) -> str:
        """Names the job's journal: the same arguments resume the same job
        (an expiry is one job until it is done, whatever the clock says)."""
        if self.selector is None:
            return "expire"
        return "forget-" + hashlib.sha256(str(self.selector).encode()).hexdigest()[:16]


def forget(selector: Selector, reason: str | None) -> Job:
    return Job("forget", selector=selector, reason=reason)


def expiry(days: float, now: datetime) -> Job:
    return Job("expire", cutoff=now - timedelta(days=days),
               reason=f"retention: PRIVACY_RETENTION_DAYS={days:g}")


@dataclass(frozen=True)
class Places:
    """Where a job reads and writes, from the project's settings."""

    documents: Path
    audit: Path
    denylist: Path
    key: Path
    erasures: Path

    @classmethod
    def from_settings(cls, settings: Any) -> Places:
        documents = Path(settings.get("PARQUET_DIR"))
        erasures = settings.get("PRIVACY_ERASURES_DIR")
        return cls(
            documents=documents,
            audit=Path(settings.get("AUDIT_DIR")),
            denylist=denylist_path(settings),
            key=key_path(settings),
            erasures=Path(erasures) if erasures else documents.absolute().parent / "erasures",
        )


# --- Which rows --------------------------------------------------------------


def document_tests(job: Job, column: Callable[[str], Any]) -> dict[str, Any]:
    """Per column, the test that selects a document row by it (pyarrow
    compute over `column(name)`: a dataset field, for a scan with the filter
    pushed down, or a table's column); a row is selected when any holds."""
    if job.selector is None:
        assert job.cutoff is not None
        return {"fetch_time": pc.less(column("fetch_time"), pa.scalar(job.cutoff, pa.timestamp("us", "UTC")))}
    kind, value = job.selector.kind, job.selector.value
    if kind in ("host", "domain"):
        name = "host" if kind == "host" else "registered_domain"
        return {name: pc.equal(column(name), value)}
    if kind == "url":
        return {name: pc.equal(column(name), value) for name in ("url", "requested_url")}
    if kind == "prefix":
        return {name: pc.starts_with(column(name), pattern=value) for name in ("url", "requested_url")}
    return {name: pc.match_substring(column(name), pattern=value) for name in ("url", "text")}


def selected(tests: dict[str, Any]) -> Any:
    """Any of the tests holds (a null counts as not selected)."""
    return pc.coalesce(functools.reduce(pc.or_kleene, tests.values()), False)


def kept_documents(job: Job) -> Callable[[pa.Table], pa.Table]:
    """The edit that drops the job's documents from a shard's row group."""

    def edit(table: pa.Table) -> pa.Table:
        drop = selected(document_tests(job, table.column))
        return table.filter(pc.invert(drop)) if pc.any(drop).as_py() else table  # most row groups: no copy

    return edit


@dataclass(frozen=True)
class AuditScope:
    """Which audit rows a job pseudonymises: an erasure, the rows whose URL
    it selects or is a removed document's (`url` or `requested_url`), and the
    evidence (`detail`) of those and of any row whose evidence names such a
    URL (a link from it, its robots.txt); an expiry, every row older than the
    cutoff. A URL already pseudonymised is left as it is."""

    job: Job
    urls: frozenset[str] = frozenset()

    def covers(self, url: str) -> bool:
        selector = self.job.selector
        return url in self.urls or (selector is not None and selector.matches_url(url))

    def mentioned(self, detail: str) -> bool:
        selector = self.job.selector
        if selector is not None and selector.kind == "match" and selector.value in detail:
            return True
        return any(self.covers(candidate) for token in _URL_IN_TEXT.findall(detail)
                   for candidate in (token, token.rstrip(_TRAILING)))

    def marks(self, table: pa.Table) -> list[tuple[bool, bool]]:
        """Per row of an audit table: (replace its URL by its pseudonym, clear its evidence)."""
        urls = table.column("url").to_pylist()
        details = table.column("detail").to_pylist()
        if self.job.cutoff is not None:
            old = pc.less(table.column("time"), pa.scalar(self.job.cutoff, pa.timestamp("us", "UTC"))).to_pylist()
            return [(bool(o) and u is not None and not is_pseudonym(u), bool(o) and d is not None)
                    for u, d, o in zip(urls, details, old)]
        marks = []
        for url, detail in zip(urls, details):
            hashed = url is not None and not is_pseudonym(url) and self.covers(url)
            marks.append((hashed, detail is not None and (hashed or self.mentioned(detail))))
        return marks

    def columns(self) -> list[str]:
        return ["url", "detail"] + (["time"] if self.job.cutoff is not None else [])


def pseudonymised(scope: AuditScope, key: bytes) -> Callable[[pa.Table], pa.Table]:
    """The edit that pseudonymises the scope's rows of an audit row group."""

    def edit(table: pa.Table) -> pa.Table:
        marks = scope.marks(table)
        if not any(hashed or cleared for hashed, cleared in marks):
            return table
        urls = [pseudonym(key, u) if hashed else u for u, (hashed, _) in zip(table.column("url").to_pylist(), marks)]
        details = [None if cleared else d for d, (_, cleared) in zip(table.column("detail").to_pylist(), marks)]
        table = table.set_column(table.schema.get_field_index("url"), "url", pa.array(urls, pa.string()))
        return table.set_column(table.schema.get_field_index("detail"), "detail", pa.array(details, pa.string()))

    return edit


def changed_audit_rows(path: Path, scope: AuditScope) -> int:
    """How many rows of an audit shard the scope changes, reading only the
    columns it decides on, one row group at a time."""
    with pq.ParquetFile(path) as source:
        return sum(
            sum(1 for hashed, cleared in scope.marks(source.read_row_group(group, columns=scope.columns()))
                if hashed or cleared)
            for group in range(source.num_row_groups)
        )


def selected_documents(path: Path, job: Job) -> list[dict[str, Any]]:
    """The identifying columns of a shard's documents the job selects,
    scanned with the filter pushed down (row groups whose statistics rule
    the value out are not read)."""
    shard = ds.dataset(str(path), schema=DOCUMENTS.schema, format="parquet")
    return shard.to_table(columns=REMOVED_COLUMNS, filter=selected(document_tests(job, ds.field))).to_pylist()


# --- The journal -------------------------------------------------------------


class Journal:
    """What a job has found, on disk: `job.json`, then one file per shard
    (`documents/`, `audit/`), each written atomically before the shard is
    rewritten."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def begin(cls, root: Path, job: Job, now: datetime) -> tuple[Journal, dict[str, Any]]:
        """The job's journal and its facts: those of an unfinished run of the
        same job if there is one (its id, time, cutoff and reason), else new ones."""
        for finished in root.glob("done-*"):
            shutil.rmtree(finished, ignore_errors=True)  # a journal whose removal was cut short
        journal = cls(root / job.key)
        try:
            return journal, json.loads((journal.folder / "job.json").read_text())
        except FileNotFoundError:
            pass
        facts = {
            "id": f"{job.action}-{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}",
            "action": job.action,
            "selector": job.subject,
            "reason": job.reason,
            "requested": _iso(now),
            "cutoff": None if job.cutoff is None else job.cutoff.isoformat(),
        }
        journal.folder.mkdir(parents=True, exist_ok=True)
        write_atomically(journal.folder / "job.json", json.dumps(facts, indent=1).encode())
        return journal, facts

    def _path(self, part: str, shard: Path) -> Path:
        return self.folder / part / f"{hashlib.sha1(str(shard).encode()).hexdigest()[:16]}.json"

    def _write(self, part: str, shard: Path, value: Any) -> None:
        path = self._path(part, shard)
        path.parent.mkdir(exist_ok=True)
        write_atomically(path, json.dumps({"file": str(shard), "value": value}).encode())

    def entries(self, part: str) -> dict[str, Any]:
        return {entry["file"]: entry["value"] for entry in
                (json.loads(p.read_text()) for p in sorted((self.folder / part).glob("*.json")))}

    def documents_found(self, shard: Path, rows: list[dict[str, Any]]) -> None:
        """Rows of `shard` about to be removed (with those found by an earlier run)."""
        try:
            earlier = json.loads(self._path("documents", shard).read_text())["value"]
        except FileNotFoundError:
            earlier = []
        merged = {row["id"]: row for row in earlier + rows}
        self._write("documents", shard, list(merged.values()))

    def audit_found(self, shard: Path, rows: int) -> None:
        """How many rows of `shard` are about to be pseudonymised."""
        self._write("audit", shard, rows)

    def end(self) -> None:
        """Remove the journal: renamed first, so that a kill during the removal
        leaves no journal of an unfinished job behind."""
        finished = self.folder.with_name(f"done-{self.folder.name}")
        self.folder.rename(finished)
        shutil.rmtree(finished)


# --- The job ------------------------------------------------------------------


def run(job: Job, places: Places, now: datetime | None = None) -> dict[str, Any]:
    """Carry out the job (or finish an unfinished run of it) and return its
    receipt, as recorded in the erasure log. Every check of the input comes
    first: bad input changes nothing."""
    existing_shards(places.documents, DOCUMENTS, "PARQUET_DIR")
    existing_shards(places.audit, AUDIT, "AUDIT_DIR")
    if job.selector is not None:
        denylist.load(places.denylist)
    read_key(places.key)
    writable_directory("PRIVACY_ERASURES_DIR", str(places.erasures))
    try:
        lock = ShardLock(places.documents, ERASURE_LOCK)
    except ConfigError:
        raise ConfigError(f"another erasure (scrapy forget or expire) is running on {places.documents}: "
                          "wait for it to finish, then run this one again") from None
    try:
        if job.selector is not None:
            # before looking for crawls: one that read the deny list before this holds its locks already
            denylist.add(places.denylist, [job.selector], "scrapy forget")
        _refuse_while_crawling(places)
        journal, facts = Journal.begin(control_dir(places.documents) / JOURNALS, job, now or datetime.now(UTC))
        if facts["cutoff"] is not None:
            job = replace(job, cutoff=datetime.fromisoformat(facts["cutoff"]))
        if not published_files(places.erasures, facts["id"]):
            entries = _carry_out(job, places, journal, facts["id"])
            _record(places.erasures, _receipt(journal, facts, entries))
        receipt = _logged(places.erasures, facts["id"])
        journal.end()
    finally:
        lock.release()
    return receipt


def _refuse_while_crawling(places: Places) -> None:
    """A ConfigError while a crawl writes the datasets: what it stores after
    the job has looked at its shards would escape the erasure."""
    busy = [holder for folder in (places.documents, places.audit) for holder in lock_holders(folder)
            if not holder.startswith(ERASURE_LOCK)]
    if busy:
        raise ConfigError(
            f"a crawl is writing the datasets ({', '.join(busy)}): run this again after it stops (stop it "
            "with Ctrl-C; with JOBDIR it resumes later), so that nothing it stores escapes the erasure"
            + ("; the deny list has the entry already, so no crawl started from now on collects it"
               if places.denylist.exists() else "")
        )


def _carry_out(job: Job, places: Places, journal: Journal, erasure_id: str) -> list[str]:
    """Documents, then audit (the deny list has the selector already, so a
    crawl starting meanwhile skips what is being erased); the shards are
    listed now, with no crawl writing. Returns the job's deny-list entries."""
    key = privacy_key(places.key)
    for path in existing_shards(places.documents, DOCUMENTS, "PARQUET_DIR"):
        found = selected_documents(path, job)
        if found:
            journal.documents_found(path, found)
            edit_shard(path, DOCUMENTS, kept_documents(job))
    urls = frozenset(u for rows in journal.entries("documents").values() for row in rows
                     for u in (row["url"], row["requested_url"]))
    entries: list[Selector] = []
    if job.selector is not None:
        entries = [entry for entry in map(_url_entry, sorted(urls))
                   if entry is not None and not job.selector.matches_url(entry.value)]
        denylist.add(places.denylist, entries, f"scrapy forget ({erasure_id}): URLs of the documents removed")
        entries.insert(0, job.selector)
    scope = AuditScope(job, urls)
    for path in existing_shards(places.audit, AUDIT, "AUDIT_DIR"):
        changed = changed_audit_rows(path, scope)
        if changed:
            journal.audit_found(path, changed)
            edit_shard(path, AUDIT, pseudonymised(scope, key))
    return [str(entry) for entry in entries]


def _url_entry(url: str) -> Selector | None:
    """The deny-list entry of a removed document's URL (None: a URL no
    crawl could request)."""
    try:
        return denylist.selector("url", url)
    except ValueError:
        return None


def _receipt(journal: Journal, facts: dict[str, Any], denylist_entries: list[str]) -> dict[str, Any]:
    removed = journal.entries("documents")
    pseudonymised_rows = journal.entries("audit")
    rows = [row for found in removed.values() for row in found]
    return {
        "erasure_id": facts["id"],
        "action": facts["action"],
        "selector": facts["selector"],
        "reason": facts["reason"],
        "requested": datetime.fromisoformat(facts["requested"]),
        "completed": datetime.now(UTC),
        "documents_removed": len(rows),
        "documents_per_crawl": [{"crawl_id": crawl, "documents": n}
                                for crawl, n in sorted(Counter(r["crawl_id"] for r in rows).items())],
        "audit_rows_pseudonymised": sum(pseudonymised_rows.values()),
        "files_rewritten": sorted(set(removed) | set(pseudonymised_rows)),
        "digests": sorted(r["digest"] for r in rows),
        "denylist_entries": denylist_entries,
    }


def _record(folder: Path, receipt: dict[str, Any]) -> None:
    """Append the receipt to the erasure log: a shard named after the job,
    published atomically like every shard."""
    writer = ShardWriter(folder, receipt["erasure_id"], ERASURES.schema, schema_version=ERASURES.schema_version,
                         row_bytes=ERASURES.row_bytes, row_group_bytes=1 << 20, file_bytes=1 << 30,
                         dictionary_columns=ERASURES.dictionary_columns, metadata={"dataset": ERASURES.name})
    writer.write(receipt)
    writer.close()


def _logged(folder: Path, erasure_id: str) -> dict[str, Any]:
    """The job's receipt, read back from the erasure log."""
    [path] = published_files(folder, erasure_id)
    receipt: dict[str, Any] = pq.read_table(path).to_pylist()[0]
    return receipt | {"log": str(path)}


# --- The receipt, for people and machines -------------------------------------


def render(receipt: dict[str, Any], denylist_file: Path) -> str:
    per_crawl = ", ".join(f"crawl {c['crawl_id']}: {c['documents']}" for c in receipt["documents_per_crawl"])
    lines = [
        f"Erasure {receipt['erasure_id']}: {receipt['action']} {receipt['selector']}",
        f"Reason: {receipt['reason'] or 'none given'}",
        f"Requested {_iso(receipt['requested'])}; completed {_iso(receipt['completed'])}",
        f"Documents removed: {receipt['documents_removed']}" + (f" ({per_crawl})" if per_crawl else ""),
        f"Audit rows pseudonymised: {receipt['audit_rows_pseudonymised']} "
        "(URL replaced by its keyed hash, evidence cleared)",
        f"Files rewritten: {len(receipt['files_rewritten'])}",
        *(f"  {file}" for file in receipt["files_rewritten"]),
    ]
    if receipt["denylist_entries"]:
        lines.append(f"Deny list ({denylist_file}): never requested or stored again:")
        lines += [f"  {entry}" for entry in receipt["denylist_entries"]]
    lines.append("Digests of the removed documents:")
    lines += [f"  {digest}" for digest in receipt["digests"]] or ["  none"]
    lines.append(f"Recorded in the erasure log: {receipt['log']}")
    return "\n".join(lines)


def as_json(receipt: dict[str, Any]) -> str:
    return json.dumps({k: _iso(v) if isinstance(v, datetime) else v for k, v in receipt.items()},
                      indent=1, ensure_ascii=False)

