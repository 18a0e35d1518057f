"""Erasure and expiry jobs on synthetic datasets: which rows, the receipt, and
what a crash at any moment leaves (the rerun finishes the same job)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from crawler import erasure
from crawler.datasets import shard_files
from crawler.denylist import Selector, load
from crawler.erasure import AuditScope, Job, Places, document_tests, expiry, forget, kept_documents
from crawler.errors import ConfigError
from crawler.pseudonyms import is_pseudonym, privacy_key, pseudonym
from crawler.shards import DOCUMENT_SCHEMA, MANIFESTS, STAGING, ShardLock, control_dir
from tests.erasure_data import PERSON, START, document, make
from tests.support import REPO, crawl_env

HOST = "www.a.example"


def places(out: Path, key: Path | None = None) -> Places:
    return Places(documents=out / "documents", audit=out / "audit", denylist=out / "forgotten.txt",
                  key=key or out / ".privacy" / "key", erasures=out / "erasures")


def rows(folder: Path) -> list[dict]:
    return [r for path in shard_files(folder) for r in pq.read_table(path).to_pylist()] if folder.exists() else []


def table_of(docs: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(docs, schema=DOCUMENT_SCHEMA)


def selects(job: Job, doc: dict) -> bool:
    """The rule `forget` and `expire` apply, spelled out row by row."""
    if job.selector is None:
        return doc["fetch_time"] < job.cutoff
    kind, value = job.selector.kind, job.selector.value
    return {
        "url": value in (doc["url"], doc["requested_url"]),
        "prefix": doc["url"].startswith(value) or doc["requested_url"].startswith(value),
        "host": doc["host"] == value,
        "domain": doc["registered_domain"] == value,
        "match": value in doc["url"] or value in doc["text"],
    }[kind]


DOCS = [document("c1", i, b"x") for i in range(40)]


class Crash(Exception):
    """Stands for a kill: the process stops between two steps."""


@pytest.mark.parametrize("job", [
    forget(Selector("url", "http://c.example/p2"), None),
    forget(Selector("url", "http://people.b.example/old/p10"), None),  # by the URL it was requested at
    forget(Selector("prefix", "http://www.a.example/contact/"), None),
    forget(Selector("host", HOST), None),
    forget(Selector("domain", "b.example"), None),
    forget(Selector("match", PERSON), None),
    expiry(1, datetime.fromtimestamp(START / 1e6, UTC) + timedelta(days=2)),
], ids=lambda job: job.subject)
def test_documents_a_job_removes(job):
    table = table_of(DOCS)
    for row, doc in zip(table.to_pylist(), DOCS):
        doc["fetch_time"] = row["fetch_time"]
    kept = kept_documents(job)(table).column("id").to_pylist()
    expected = [d["id"] for d in DOCS if not selects(job, d)]
    assert kept == expected and 0 < len(kept) < len(DOCS)


def test_which_columns_a_selector_tests():
    columns = lambda job: sorted(document_tests(job, ds.field))  # noqa: E731
    assert columns(forget(Selector("match", PERSON), None)) == ["text", "url"]
    assert columns(forget(Selector("host", HOST), None)) == ["host"]
    assert columns(expiry(30, datetime.now(UTC))) == ["fetch_time"]


def audit_table(values: list[tuple[str | None, str | None]], when: int = START) -> pa.Table:
    return pa.table({"url": pa.array([u for u, _ in values], pa.string()),
                     "detail": pa.array([d for _, d in values], pa.string()),
                     "time": pa.array([when] * len(values), pa.timestamp("us", "UTC"))})


def test_audit_rows_an_erasure_pseudonymises():
    scope = AuditScope(forget(Selector("host", HOST), None), frozenset({"http://elsewhere.example/redirected"}))
    table = audit_table([
        (f"http://{HOST}/p1", "HTTP 404: not stored"),                       # its URL: hashed, evidence cleared
        (f"http://{HOST}/robots.txt", None),                                 # its robots.txt too
        ("http://elsewhere.example/redirected", None),                       # a removed document's other URL
        ("http://d.example/x", f'rel="nofollow" on its link from http://{HOST}/p1'),  # named in evidence
        ("http://d.example/y", f"http://{HOST}/robots.txt: disallowed by Disallow: /"),
        (None, f"challenge at http://{HOST}/p3"),                             # a host event's evidence
        ("http://d.example/z", f"link from http://{HOST}.evil.example/"),     # another host: kept
        (pseudonym(b"k" * 32, f"http://{HOST}/p2"), None),                   # already pseudonymised
        ("http://d.example/w", None),
    ])
    assert scope.marks(table) == [(True, True), (True, False), (True, False), (False, True), (False, True),
                                  (False, True), (False, False), (False, False), (False, False)]


def test_a_match_erasure_clears_evidence_that_holds_the_text():
    scope = AuditScope(forget(Selector("match", PERSON), None))
    table = audit_table([(f"http://c.example/contact/{PERSON}", None), ("http://c.example/a", f"mailto:{PERSON}"),
                         ("http://c.example/b", "nothing")])
    assert scope.marks(table) == [(True, False), (False, True), (False, False)]


def test_audit_rows_an_expiry_pseudonymises():
    cutoff = datetime.fromtimestamp(START / 1e6, UTC)
    scope = AuditScope(Job("expire", cutoff=cutoff))
    old = audit_table([("http://c.example/a", "why"), (None, "pause"), (None, None)], START - 1)
    new = audit_table([("http://c.example/a", "why")], START)
    assert scope.marks(old) == [(True, True), (False, True), (False, False)]
    assert scope.marks(new) == [(False, False)]


def check_readable_and_tidy(out: Path) -> None:
    """Every shard whole, nothing but shards in a dataset folder."""
    for name in ("documents", "audit", "erasures"):
        folder = out / name
        if folder.exists():
            assert all(p.suffix == ".parquet" for p in folder.iterdir()), list(folder.iterdir())
            for path in folder.glob("*.parquet"):
                pq.read_table(path)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small")
    make(out, crawls=3, documents=60, body_bytes=2000, file_bytes=40_000, row_group_bytes=15_000)
    return out


def copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def test_forget_a_host_removes_its_documents_and_pseudonymises_its_audit_rows(small, tmp_path):
    out = copy(small, tmp_path / "out")
    documents, audit = rows(out / "documents"), rows(out / "audit")
    receipt = erasure.run(forget(Selector("host", HOST), "the owner asked"), places(out))
    gone = [d for d in documents if d["host"] == HOST]
    after = rows(out / "documents")
    assert sorted(d["id"] for d in after) == sorted(d["id"] for d in documents if d["host"] != HOST)
    assert receipt["documents_removed"] == len(gone) > 0
    assert receipt["digests"] == sorted(d["digest"] for d in gone)
    assert {c["crawl_id"]: c["documents"] for c in receipt["documents_per_crawl"]} == {
        f"crawl{c}": sum(1 for d in gone if d["crawl_id"] == f"crawl{c}") for c in range(3)}
    assert receipt["reason"] == "the owner asked" and receipt["denylist_entries"][0] == f"host {HOST}"
    removed_urls = {u for d in gone for u in (d["url"], d["requested_url"])}
    assert [e for e in receipt["denylist_entries"][1:]] == [f"url {u}" for u in sorted(removed_urls)
                                                            if not u.startswith(f"http://{HOST}/")]
    after_audit = rows(out / "audit")
    assert len(after_audit) == len(audit)
    for row in after_audit:
        assert f"://{HOST}" not in (row["url"] or "") + (row["detail"] or "")
    key = privacy_key(out / ".privacy" / "key")
    hashed = {pseudonym(key, u) for u in removed_urls}
    assert {r["url"] for r in after_audit if is_pseudonym(r["url"])} == hashed
    assert receipt["audit_rows_pseudonymised"] == sum(
        1 for before, now in zip(audit, after_audit) if before != now)
    assert [e for _, e in load(out / "forgotten.txt").entries][0] == Selector("host", HOST)
    check_readable_and_tidy(out)
    assert list((control_dir(out / "documents") / "erasures").iterdir()) == []  # the journal is gone
    for crawl in range(3):  # every manifest describes the files on disk
        manifest = json.loads((control_dir(out / "documents") / MANIFESTS / f"crawl{crawl}.json").read_text())
        assert manifest["rows"] == sum(1 for d in after if d["crawl_id"] == f"crawl{crawl}")
    log = rows(out / "erasures")
    assert len(log) == 1 and log[0]["erasure_id"] == receipt["erasure_id"]
    again = erasure.run(forget(Selector("host", HOST), None), places(out))
    assert again["erasure_id"] != receipt["erasure_id"]
    assert again["documents_removed"] == again["audit_rows_pseudonymised"] == 0 and again["files_rewritten"] == []


def test_expire_removes_exactly_the_old_documents_and_pseudonymises_old_audit_rows(small, tmp_path):
    out = copy(small, tmp_path / "out")
    documents, audit = rows(out / "documents"), rows(out / "audit")
    now = datetime.fromtimestamp(START / 1e6, UTC) + timedelta(days=5)
    job = expiry(2.5, now)
    receipt = erasure.run(job, places(out))
    assert sorted(d["id"] for d in rows(out / "documents")) == sorted(
        d["id"] for d in documents if d["fetch_time"] >= job.cutoff)
    assert receipt["documents_removed"] == sum(1 for d in documents if d["fetch_time"] < job.cutoff) > 0
    assert receipt["selector"] == "fetched before 2026-01-03T12:00:00Z"
    for before, row in zip(audit, rows(out / "audit")):
        if before["time"] < job.cutoff:
            assert is_pseudonym(row["url"]) and row["detail"] is None
        else:
            assert row == before
    assert not (out / "forgotten.txt").exists()  # an expiry keeps nothing from being collected again


def test_an_expiry_run_again_later_finishes_with_the_cutoff_it_began_with(tiny, tmp_path, monkeypatch):
    out = copy(tiny, tmp_path / "out")
    first = datetime.fromtimestamp(START / 1e6, UTC) + timedelta(days=2)
    replace = os.replace

    def crash_after_the_journal(*args):
        replace(*args)
        raise Crash

    monkeypatch.setattr(os, "replace", crash_after_the_journal)
    with pytest.raises(Crash):
        erasure.run(expiry(1, first), places(out))
    monkeypatch.setattr(os, "replace", replace)
    receipt = erasure.run(expiry(1, first + timedelta(days=30)), places(out))
    assert receipt["selector"] == "fetched before 2026-01-02T00:00:00Z"
    assert receipt["documents_removed"] == 2 * 10  # fetch_time < START + 1 day, in each crawl


def test_a_crawl_writing_the_datasets_stops_an_erasure_before_it_changes_a_shard(small, tmp_path):
    """The deny-list entry is added first: a crawl that read the deny list
    before it holds its locks already, and is found; any later one skips."""
    out = copy(small, tmp_path / "out")
    before = sorted(str(p) for p in out.rglob("*.parquet"))
    lock = ShardLock(out / "documents", "crawl1")
    try:
        with pytest.raises(ConfigError, match=r"a crawl is writing the datasets \(crawl1 \(process \d+\)\).*"
                                              r"the deny list has the entry already"):
            erasure.run(forget(Selector("host", HOST), None), places(out))
        second = ShardLock(out / "documents", erasure.ERASURE_LOCK)
        try:
            lock.release()
            with pytest.raises(ConfigError, match="another erasure .* is running"):
                erasure.run(forget(Selector("host", HOST), None), places(out))
        finally:
            second.release()
    finally:
        lock.release()
    assert sorted(str(p) for p in out.rglob("*.parquet")) == before
    assert [e for _, e in load(out / "forgotten.txt").entries] == [Selector("host", HOST)]


def outcome(out: Path, receipt: dict) -> tuple:
    """What a finished job leaves, up to its id and times."""
    documents = sorted(d["id"] for d in rows(out / "documents"))
    audit = sorted((r["crawl_id"], r["time"], r["event"], r["url"] or "", r["detail"] or "") for r in rows(out / "audit"))
    kept = {k: v for k, v in receipt.items() if k not in ("erasure_id", "requested", "completed", "log")}
    kept["files_rewritten"] = sorted(str(Path(f).relative_to(out)) for f in kept["files_rewritten"])
    listed = (out / "forgotten.txt").read_text().count("\nurl ") if (out / "forgotten.txt").exists() else None
    return documents, audit, kept, listed


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    make(out, crawls=2, documents=24, body_bytes=2000, file_bytes=30_000, row_group_bytes=10_000)
    return out


@pytest.mark.parametrize("job", [
    forget(Selector("match", PERSON), "asked"),
    expiry(1, datetime.fromtimestamp(START / 1e6, UTC) + timedelta(days=2)),
], ids=["forget", "expire"])
def test_a_crash_between_any_two_steps_then_a_rerun_finishes_the_same_job(tiny, tmp_path, monkeypatch, job):
    """Every step that changes a file ends in a rename: stopping the job just
    before or just after each of them, then running it again, ends exactly
    as a run never stopped."""
    key = tmp_path / "key"
    reference = copy(tiny, tmp_path / "reference")
    steps = []
    replace = os.replace

    def counting(*args):
        steps.append(args)
        return replace(*args)

    monkeypatch.setattr(os, "replace", counting)
    expected = outcome(reference, erasure.run(job, places(reference, key)))
    total = len(steps)
    assert total > 10
    for step in range(total):
        for after in (False, True):  # killed just before the step, or just after it
            out = copy(tiny, tmp_path / f"crash-{step}-{after}")
            calls = 0

            def crashing(*args, step=step, after=after):
                nonlocal calls
                calls += 1
                if calls == step + 1 and not after:
                    raise Crash
                replace(*args)
                if calls == step + 1:
                    raise Crash

            monkeypatch.setattr(os, "replace", crashing)
            with pytest.raises(Crash):
                erasure.run(job, places(out, key))
            check_readable_and_tidy(out)
            monkeypatch.setattr(os, "replace", replace)
            assert outcome(out, erasure.run(job, places(out, key))) == expected, (step, after)
            assert len(rows(out / "erasures")) == 1
            shutil.rmtree(out)


# --- SIGKILL ------------------------------------------------------------------


def forget_command(out: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "scrapy", "forget", *args, "-s", f"PARQUET_DIR={out / 'documents'}",
            "-s", f"AUDIT_DIR={out / 'audit'}"]


def working(process: subprocess.Popen, out: Path) -> bool:
    """Whether the process is past start-up: it holds the erasure lock."""
    lock = control_dir(out / "documents") / "locks" / f"{erasure.ERASURE_LOCK}.lock"
    while process.poll() is None:
        try:
            if lock.read_text().strip() == f"process {process.pid}":
                return True
        except FileNotFoundError:
            pass
        time.sleep(0.005)
    return False


def test_forget_killed_with_sigkill_at_random_moments_then_run_again_finishes_the_job(tmp_path):
    base = tmp_path / "base"
    make(base, crawls=16, documents=600, body_bytes=20_000, file_bytes=2_000_000, row_group_bytes=500_000)
    reference = copy(base, tmp_path / "reference")
    started = time.monotonic()
    done = subprocess.run(forget_command(reference, "--host", HOST, "--json"), cwd=REPO, env=crawl_env(None),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    work = time.monotonic() - started - 1.0  # start-up (imports) takes about a second
    expected = json.loads(done.stdout)
    out = copy(base, tmp_path / "out")
    others = duckdb.sql(f"SELECT id FROM read_parquet('{out}/documents/*.parquet') WHERE host <> '{HOST}'").fetchall()
    rng = random.Random(20261129)
    journal = control_dir(out / "documents") / "erasures"
    for _ in range(3):
        process = subprocess.Popen(forget_command(out, "--host", HOST), cwd=REPO, env=crawl_env(None),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert working(process, out), process.stderr.read() if process.stderr else ""
        time.sleep(rng.uniform(0, max(work, 0.4) / 4))  # a random moment of the job
        process.send_signal(signal.SIGKILL)
        process.wait()
        check_readable_and_tidy(out)
        assert any(journal.iterdir()), "the kill landed after the job had finished"
    final = subprocess.run(forget_command(out, "--host", HOST, "--json"), cwd=REPO, env=crawl_env(None),
                           capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    receipt = json.loads(final.stdout)
    for field in ("documents_removed", "documents_per_crawl", "audit_rows_pseudonymised", "digests"):
        assert receipt[field] == expected[field], field
    check_readable_and_tidy(out)
    left = duckdb.sql(f"SELECT id FROM read_parquet('{out}/documents/*.parquet')").fetchall()
    assert sorted(left) == sorted(others)  # no row of the host, every other row exactly once
    clear = duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/audit/*.parquet') "
                       f"WHERE url LIKE '%://{HOST}%' OR detail LIKE '%://{HOST}%'").fetchall()
    assert clear == [(0,)]
    assert list((control_dir(out / "documents") / STAGING).iterdir()) == []
    assert list((control_dir(out / "audit") / STAGING).iterdir()) == []
    assert [r["erasure_id"] for r in rows(out / "erasures")] == [receipt["erasure_id"]]
    assert not any(journal.iterdir())
