"""Hostile responses end to end: one bad answer never wipes a crawl's output,
is skipped as `error` with its evidence, and a page costly to parse is
skipped before it is parsed, with memory bounded."""

from __future__ import annotations

import os

from crawler.localweb import Reply, Site, html
from tests.support import run_crawl

POISON = ["big", "zero", "neg", "short", "long", "surrogate", "random"]
FINE = ["ok1", "ok2"]


def raw(status_line: bytes, body: bytes, content_type: bytes = b"text/html", length: int | None = None) -> Reply:
    length = len(body) if length is None else length
    return Reply(raw=b"HTTP/1.1 " + status_line + b"\r\nContent-Type: " + content_type + b"\r\nContent-Length: "
                 + str(length).encode() + b"\r\nConnection: close\r\n\r\n" + body)


def test_bad_responses_are_errors_and_every_other_row_is_published(serve, tmp_path):
    web = serve({"www.example.com": Site({
        "/": html("".join(f'<a href="/{p}">x</a>' for p in POISON + FINE)),
        "/big": raw(b"99999 Big", b"<p>big</p>"),
        "/zero": raw(b"0 Zero", b"<p>zero</p>"),
        "/neg": raw(b"-5 Neg", b"<p>neg</p>"),
        "/short": raw(b"200 OK", b"<p>short</p>" * 10, length=10_000),
        "/long": raw(b"200 OK", b"<p>long</p>" * 1000, length=20),
        "/surrogate": raw(b"200 OK", b"abc \\ud800 def", content_type=b"text/plain; charset=unicode_escape"),
        "/random": raw(b"200 OK", os.urandom(200_000)),
        "/ok1": html("<p>fine one</p>"),
        "/ok2": html("<p>fine two</p>"),
    })})
    crawl = run_crawl(web, "http://www.example.com/", tmp_path, settings={"DOWNLOAD_DELAY": 0})
    assert crawl.returncode == 0, crawl.log
    assert "Traceback" not in crawl.log
    assert crawl.urls() == ["http://www.example.com/", *(f"http://www.example.com/{p}" for p in FINE)]
    evidence = {
        "big": "invalid HTTP status 99999 (a status is 100 to 599)",
        "zero": "invalid HTTP status 0",
        "neg": "invalid HTTP status -5",
        "short": "the body does not match its declared length (it ended early)",
        "long": "the body does not match its declared length (10980 bytes beyond the declared end of the body)",
        "surrogate": "charset unicode-escape is not an encoding of the web",
        "random": "binary content announced as text",
    }
    for path, text in evidence.items():
        assert f"Skipped (error) http://www.example.com/{path}: " in crawl.log
        assert text in crawl.log, path
    audit = crawl.audit()
    requested = {r["url"] for r in audit if r["event"] == "request"}
    assert requested >= {f"http://www.example.com/{p}" for p in POISON + FINE}
    invalid = [r for r in audit if r["event"] == "request" and r["url"].endswith(("/big", "/zero", "/neg"))]
    assert invalid and all(r["status"] is None and r["reason"] == "error" for r in invalid)
    skipped = {r["url"].rsplit("/", 1)[1] for r in audit if r["event"] == "skip" and r["reason"] == "error"}
    assert skipped == set(POISON)
    stored = sorted(r["url"] for r in audit if r["event"] == "stored")
    assert stored == crawl.urls()


def test_documents_name_their_encoding_as_the_web_does(serve, tmp_path):
    web = serve({"www.example.com": Site({
        "/": html('<a href="/latin">l</a><a href="/sjis">s</a><a href="/meta">m</a>'),
        "/latin": Reply(body="<p>café</p>".encode("cp1252"), content_type="text/html; charset=latin-1"),
        "/sjis": Reply(body="<p>日本語</p>".encode("cp932"), content_type="text/html; charset=Shift_JIS"),
        "/meta": Reply(body='<meta charset="koi8-r"><p>привет</p>'.encode("koi8-r"), content_type="text/html"),
    })})
    crawl = run_crawl(web, "http://www.example.com/", tmp_path, settings={"DOWNLOAD_DELAY": 0})
    assert crawl.returncode == 0, crawl.log
    charsets = {d["url"].rsplit("/", 1)[1]: (d["charset"], d["text"]) for d in crawl.documents(["url", "charset", "text"])}
    assert charsets["latin"] == ("windows-1252", "café")
    assert charsets["sjis"] == ("shift_jis", "日本語")
    assert charsets["meta"] == ("koi8-r", "привет")
    assert charsets[""][0] == "utf-8"


def element_page(tags: int, filler: int) -> bytes:
    """About 10 MB of HTML with `tags` markup tags."""
    paragraph = b"<p>" + b"x" * filler + b"</p>"
    return b"<html><body><main>" + paragraph * (tags // 2) + b"</main></body></html>"


def test_pages_costly_to_parse_are_skipped_and_memory_stays_bounded(serve, tmp_path):
    huge = element_page(1_600_000, 2)  # ~10 MB, about a million elements
    large = element_page(240_000, 80)  # ~10 MB, under LIMITS_HTML_TAGS: parsed and stored
    sites = {}
    for i in range(6):
        sites[f"huge{i}.example.com"] = Site({"/": Reply(body=huge)})
        sites[f"large{i}.example.com"] = Site({"/": Reply(body=large)})
    web = serve(sites)
    seeds = ",".join(f"http://{host}/" for host in sites)
    crawl = run_crawl(web, seeds, tmp_path, settings={"DOWNLOAD_DELAY": 0, "DOWNLOAD_MAXSIZE": 11 * 2**20},
                      args={"scope": "host"}, counted=True, timeout=300)
    assert crawl.returncode == 0, crawl.log
    for i in range(6):
        assert (f"Skipped (size) http://huge{i}.example.com/: 1600006 markup tags, more than "
                "LIMITS_HTML_TAGS=250000: not parsed") in crawl.log
    assert crawl.urls() == sorted(f"http://large{i}.example.com/" for i in range(6))
    peak = crawl.peak_memory()
    print(f"peak RSS {peak / 2**20:.0f} MiB")
    assert peak < 500 * 2**20
