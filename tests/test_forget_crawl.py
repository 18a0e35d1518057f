"""The privacy commands on a real crawl of a local multi-host web: lookup
finds what forget removes, the audit keeps no forgotten URL in clear yet
answers for it, and later crawls never collect it again."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from crawler.localweb import LocalWeb, Reply, Site, html
from tests.support import REPO, crawl_command, crawl_env, run_crawl

FORGOTTEN = "people.example.org"
PERSON = "Jane.Roe"  # a name: e-mail addresses never reach `text` (they are redacted)
SEEDS = "http://www.example.com/,http://people.example.org/,http://blog.example.net/"
FAST = {"DOWNLOAD_DELAY": 0, "PROGRESS_INTERVAL": 0}


def sites(extra: dict[str, Reply] | None = None) -> dict[str, Site]:
    allow = Reply(body=b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    return {
        "www.example.com": Site({
            "/robots.txt": allow,
            "/": html('<a href="/a">a</a> <a href="/b">b</a> <a href="/private/x">x</a> '
                      f'<a href="/contact/{PERSON}">contact</a> <a href="http://people.example.org/jane">jane</a>'),
            "/a": html(f"<main><p>Our editor is {PERSON}.</p></main>"),
            "/b": html('<main><p>Nothing personal.</p><a href="/old">old</a></main>'),
            "/old": Reply(status=301, headers=[("Location", "http://people.example.org/moved")], content_type=None),
            f"/contact/{PERSON}": html("<main><p>Write to us.</p></main>"),
        }),
        FORGOTTEN: Site({
            "/robots.txt": allow,
            "/": html('<a href="/jane">jane</a> <a href="/bob">bob</a> <a href="http://blog.example.net/">blog</a>'),
            "/jane": html("<main><p>Jane's own page.</p></main>"),
            "/bob": html("<main><p>Bob's own page.</p></main>"),
            "/moved": html("<main><p>Moved here.</p></main>"),
        }),
        "blog.example.net": Site({
            "/robots.txt": Reply(status=404),
            "/": html('<a href="/post">post</a> <a href="/new">new</a> <a href="http://people.example.org/bob">bob</a>'),
            "/post": html(f"<main><p>Thanks to {PERSON} for this.</p></main>"),
            **(extra or {}),
        }),
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    web = LocalWeb(sites()).start()
    out = tmp_path_factory.mktemp("privacy") / "out"
    try:
        crawl = run_crawl(web, SEEDS, out, settings=FAST)
    finally:
        web.stop()
    assert crawl.returncode == 0, crawl.log
    return out


def command(out: Path, *args: str, web: LocalWeb | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scrapy", *args, "-s", f"PARQUET_DIR={out / 'documents'}",
                           "-s", f"AUDIT_DIR={out / 'audit'}"],
                          cwd=REPO, env=crawl_env(web), capture_output=True, text=True, timeout=120)


def as_json(out: Path, *args: str) -> dict:
    result = command(out, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def documents(out: Path) -> list[dict]:
    return [dict(zip(("id", "host", "url", "requested_url", "text", "digest"), row)) for row in duckdb.sql(
        f"SELECT id, host, url, requested_url, text, digest FROM read_parquet('{out}/documents/*.parquet')"
    ).fetchall()]


def audit(out: Path) -> list[tuple]:
    return duckdb.sql(f"SELECT crawl_id, event, url, reason, detail FROM read_parquet('{out}/audit/*.parquet')").fetchall()


@pytest.fixture(scope="module")
def forgot_host(crawled, tmp_path_factory) -> tuple[Path, dict, dict, list[dict], list[tuple]]:
    """The crawl's output after `scrapy forget --host`, with what lookup
    found first and the documents and audit rows before."""
    out = tmp_path_factory.mktemp("forgot") / "out"
    shutil.copytree(crawled, out)
    before, audit_before = documents(out), audit(out)
    found = as_json(out, "lookup", "--host", FORGOTTEN)
    receipt = as_json(out, "forget", "--host", FORGOTTEN, "--reason", "the site owner asked, ticket 42")
    return out, found, receipt, before, audit_before


def test_lookup_finds_what_forget_removes_and_every_other_row_stays_once(forgot_host):
    out, found, receipt, before, _ = forgot_host
    held = [d for d in before if d["host"] == FORGOTTEN]
    assert {d["url"] for d in held} == {f"http://{FORGOTTEN}{p}" for p in ("/", "/jane", "/bob", "/moved")}
    assert sorted(d["url"] for d in found["documents"]) == sorted(d["url"] for d in held)
    assert all(d["matched"] == ["host"] and d["audit_rows"] >= 2 for d in found["documents"])
    moved = next(d for d in found["documents"] if d["url"].endswith("/moved"))
    assert moved["requested_url"] == "http://www.example.com/old"
    assert receipt["documents_removed"] == len(held)
    assert receipt["digests"] == sorted(d["digest"] for d in held)
    assert receipt["reason"] == "the site owner asked, ticket 42"
    assert receipt["denylist_entries"] == [f"host {FORGOTTEN}", "url http://www.example.com/old"]
    after = duckdb.sql(f"SELECT id, host FROM read_parquet('{out}/documents/*.parquet')").fetchall()
    assert not [row for row in after if row[1] == FORGOTTEN]
    assert sorted(i for i, _ in after) == sorted(d["id"] for d in before if d["host"] != FORGOTTEN)
    assert as_json(out, "lookup", "--host", FORGOTTEN)["documents"] == []
    log = duckdb.sql(f"SELECT erasure_id, selector, documents_removed FROM read_parquet('{out}/erasures/*.parquet')")
    assert log.fetchall() == [(receipt["erasure_id"], f"host {FORGOTTEN}", len(held))]


def test_the_audit_keeps_no_forgotten_url_in_clear_yet_answers_for_it(forgot_host):
    out, _, receipt, _, audit_before = forgot_host
    rows = audit(out)
    assert len(rows) == len(audit_before)
    for row in rows:
        assert f"://{FORGOTTEN}" not in (row[2] or "") + (row[4] or ""), row
    assert receipt["audit_rows_pseudonymised"] == sum(1 for a, b in zip(audit_before, rows) if a != b) > 0
    url = f"http://{FORGOTTEN}/jane"
    before = [r for r in audit_before if r[2] == url]
    result = command(out, "audit", str(out / "audit"), "--url", url, "--urls", "--json")
    report = json.loads(result.stdout)
    assert [u["event"] for u in report["urls"]] == [r[1] for r in before] and len(before) >= 2
    assert all(u["url"].startswith("hmac-sha256:") for u in report["urls"])
    # without the key, nobody can tell which URL a pseudonym stands for
    blind = command(out, "audit", str(out / "audit"), "--url", url, "-s", f"PRIVACY_KEY_FILE={out}/no-key")
    assert "No audit record for URL" in blind.stdout and "no key at" in blind.stdout


def test_a_new_crawl_requests_nothing_of_a_forgotten_host_not_even_robots_txt(forgot_host, serve):
    out = forgot_host[0]
    web = serve(sites())
    crawl = run_crawl(web, SEEDS, out, settings=FAST)
    assert crawl.returncode == 0, crawl.log
    assert web.requests(FORGOTTEN) == []
    assert {s.host for s in web.log} == {"www.example.com", "blog.example.net"}
    skipped = re.findall(r"Skipped \(forgotten\) (\S+): erased on request: (\w+) entry on line (\d+)", crawl.log)
    assert {url for url, _, _ in skipped} >= {f"http://{FORGOTTEN}/", f"http://{FORGOTTEN}/jane",
                                              f"http://{FORGOTTEN}/bob", "http://www.example.com/old"}
    assert len(skipped) == len({url for url, _, _ in skipped})  # once per URL
    assert not [d for d in documents(out) if d["host"] == FORGOTTEN]
    new_rows = [r for r in audit(out) if r[3] == "forgotten"]
    assert len(new_rows) == len(skipped) and all(r[2].startswith("hmac-sha256:") for r in new_rows)
    for row in audit(out):
        assert f"://{FORGOTTEN}" not in (row[2] or "") + (row[4] or ""), row
    # nor does the operator's own robots.txt check
    robots = command(out, "robots", f"http://{FORGOTTEN}/jane", "http://www.example.com/private/x", web=web)
    assert robots.returncode == 0, robots.stderr
    assert f"forgotten http://{FORGOTTEN}/jane\n" in robots.stdout and "disallow http://www.example.com/" in robots.stdout
    assert web.requests(FORGOTTEN) == []


def test_forget_match_removes_exactly_the_documents_holding_the_text(crawled, tmp_path, serve):
    out = tmp_path / "out"
    shutil.copytree(crawled, out)
    before = documents(out)
    holding = [d for d in before if PERSON in d["url"] or PERSON in d["text"]]
    assert {d["url"] for d in holding} == {"http://www.example.com/a", f"http://www.example.com/contact/{PERSON}",
                                           "http://blog.example.net/post"}
    found = as_json(out, "lookup", "--match", PERSON)
    assert sorted((d["url"], tuple(d["matched"])) for d in found["documents"]) == sorted(
        (d["url"], ("url",) if PERSON in d["url"] else ("text",)) for d in holding)
    receipt = as_json(out, "forget", "--match", PERSON)
    assert receipt["documents_removed"] == len(holding)
    assert sorted(d["id"] for d in documents(out)) == sorted(d["id"] for d in before if d not in holding)
    for row in audit(out):
        assert PERSON not in (row[2] or "") + (row[4] or ""), row
    # a later crawl requests none of those URLs, and stores no new page holding the text
    web = serve(sites({"/new": html(f"<main><p>A new post by {PERSON}.</p></main>")}))
    crawl = run_crawl(web, SEEDS, out, settings=FAST)
    assert crawl.returncode == 0, crawl.log
    requested = {s.url for s in web.log}
    assert not requested & {d["url"] for d in holding}
    assert "http://blog.example.net/new" in requested
    assert re.search(r"Skipped \(forgotten\) http://blog\.example\.net/new: erased on request: match entry", crawl.log)
    assert not [d for d in documents(out) if PERSON in d["url"] or PERSON in d["text"]]


def test_a_crawl_resumed_from_jobdir_drops_what_was_forgotten_meanwhile(tmp_path, serve):
    pages = {f"/p{i}": html(f"<main><p>page {i}</p></main>") for i in range(30)}
    index = html(" ".join(f'<a href="/p{i}">{i}</a>' for i in range(30)))
    web = serve({host: Site({"/robots.txt": Reply(status=404), "/": index, **pages})
                 for host in ("www.example.com", FORGOTTEN)})
    out = tmp_path / "out"
    settings = {"DOWNLOAD_DELAY": 0.4, "PROGRESS_INTERVAL": 0, "JOBDIR": str(tmp_path / "job"),
                "PARQUET_FILE_SECONDS": 1, "AUDIT_FILE_SECONDS": 1}
    seeds = f"http://www.example.com/,http://{FORGOTTEN}/"
    process = subprocess.Popen(crawl_command(seeds, out, settings), cwd=REPO, env=crawl_env(web),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while len(web.requests(FORGOTTEN)) < 5 and time.time() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-2000:]
    seen = len(web.requests(FORGOTTEN))
    assert seen < 31, "the crawl had finished the host before it was stopped"
    assert command(out, "forget", "--host", FORGOTTEN).returncode == 0
    crawl = run_crawl(web, seeds, out, settings=settings)
    assert crawl.returncode == 0, crawl.log
    assert len(web.requests(FORGOTTEN)) == seen  # nothing more asked of it
    dropped = int(re.search(r"Resuming crawl .*, (\d+) dropped as forgotten", crawl.log).group(1))
    assert dropped > 0 and crawl.log.count(f"Skipped (forgotten) http://{FORGOTTEN}/") >= dropped
    hosts = {d["host"] for d in documents(out)}
    assert hosts == {"www.example.com"}
    assert len(documents(out)) == 31  # the other host crawled to the end
