"""End to end: `scrapy crawl web` against a local multi-host web."""

import collections

import duckdb
import pyarrow.dataset as ds

from crawler.headers import sha1_digest
from crawler.localweb import Reply, Site, html
from tests.support import run_crawl

CP1252_PAGE = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
    "</head><body><p>Caf\u00e9 cr\u00e8me \u2013 \u201cmerci\u201d \u20ac5</p></body></html>"
).encode("cp1252")
SJIS_PAGE = (
    '<html><head><meta charset="Shift_JIS"></head><body><p>\u65e5\u672c\u8a9e\u306e\u30da\u30fc\u30b8</p></body></html>'
).encode("shift_jis")
HOME = """<html><body><main><h1>Home</h1>
<a href="/a">a</a> <a href="/a#section">a again</a> <a href="./a">a, relative</a>
<a href="HTTP://WWW.EXAMPLE.CO.UK:80/a">a, shouting</a> <a href="/b?y=2&x=1">b</a>
<a href="/b?x=1&y=2">b, reordered</a> <a href="/notes.txt">notes</a> <a href="/logo.png">logo</a>
<a href="/cafe">cafe</a> <a href="/ja">ja</a> <a href="ftp://www.example.co.uk/file">ftp</a>
<a href="http://blog.example.co.uk/">blog</a> <a href="http://www.other-example.com/">other</a>
</main></body></html>"""


def example_web():
    return {
        "www.example.co.uk": Site({
            "/": html(HOME),
            "/a": html("<p>Page a</p>"),
            "/b": html("<p>Page b</p>"),
            "/notes.txt": Reply(body=b"plain notes\n", content_type="text/plain; charset=utf-8"),
            "/logo.png": Reply(body=b"\x89PNG\r\n\x1a\n", content_type="image/png"),
            "/cafe": Reply(body=CP1252_PAGE, content_type="text/html"),
            "/ja": Reply(body=SJIS_PAGE, content_type="text/html"),
        }),
        "blog.example.co.uk": Site({"/": html('<p>Blog</p><a href="http://www.example.co.uk/a">a</a>')}),
        "www.other-example.com": Site({"/": html("<p>Not in scope</p>")}),
    }


def test_crawl_stores_each_in_scope_page_once(serve, tmp_path):
    sites = example_web()
    web = serve(sites)
    crawl = run_crawl(web, "http://www.example.co.uk/", tmp_path)
    assert crawl.returncode == 0, crawl.log
    docs = {d["url"]: d for d in crawl.documents()}
    assert sorted(docs) == [
        "http://blog.example.co.uk/",
        "http://www.example.co.uk/",
        "http://www.example.co.uk/a",
        "http://www.example.co.uk/b?y=2&x=1",
        "http://www.example.co.uk/cafe",
        "http://www.example.co.uk/ja",
        "http://www.example.co.uk/notes.txt",
    ]
    # the digest of the bytes received (the body itself is kept for an archive
    # only), and text decoded with the page's real charset
    assert docs["http://www.example.co.uk/cafe"]["digest"] == sha1_digest(CP1252_PAGE)
    assert docs["http://www.example.co.uk/cafe"]["text"] == "Caf\u00e9 cr\u00e8me \u2013 \u201cmerci\u201d \u20ac5"
    assert docs["http://www.example.co.uk/ja"]["digest"] == sha1_digest(SJIS_PAGE)
    assert docs["http://www.example.co.uk/ja"]["text"] == "\u65e5\u672c\u8a9e\u306e\u30da\u30fc\u30b8"
    assert docs["http://www.example.co.uk/"]["digest"] == sha1_digest(HOME.encode())
    assert all(d["body"] is None for d in docs.values())
    assert docs["http://www.example.co.uk/notes.txt"]["text"] == "plain notes\n"
    home = docs["http://www.example.co.uk/"]
    assert home["registered_domain"] == "example.co.uk" and home["status"] == 200
    assert home["digest"].startswith("sha1:") and home["extractor"] == "lxml-main"
    assert {"name": "Content-Type", "value": "text/html; charset=utf-8"} in home["headers"]
    # link hops from the seed, counted by the spider itself
    assert home["depth"] == 0 and docs["http://www.example.co.uk/a"]["depth"] == 1
    assert docs["http://blog.example.co.uk/"]["depth"] == 1
    # no request tells a site which page linked to it
    assert web.log and not any("referer" in s.headers for s in web.log)
    # the server saw each document requested once, and nothing out of scope
    seen = collections.Counter(s.url for s in web.log if s.path != "/robots.txt")
    assert all(n == 1 for n in seen.values()), seen
    assert not web.requests("www.other-example.com")
    assert "Skipped (scope) http://www.other-example.com/" in crawl.log
    assert "Skipped (type) http://www.example.co.uk/logo.png" in crawl.log


def test_one_request_at_a_time_and_one_second_apart_per_host(serve, tmp_path):
    pages = {f"/p{i}": html(f"<p>{i}</p>", delay=0.3) for i in range(6)}
    links = "".join(f'<a href="/p{i}">{i}</a>' for i in range(6))
    sites = {
        host: Site({"/": html(links), **pages}) for host in ("a.example.com", "b.example.com")
    }
    web = serve(sites)
    crawl = run_crawl(web, "http://a.example.com/,http://b.example.com/", tmp_path)
    assert crawl.returncode == 0, crawl.log
    for host in sites:
        seen = sorted(web.requests(host), key=lambda s: s.start)
        assert len(seen) == 9  # robots.txt, tdmrep.json, the home page and six pages
        for before, after in zip(seen, seen[1:]):
            assert after.start >= before.end, "two requests in flight to one host"
            assert after.start - before.start >= 1.0, (before.url, after.url)
    # both hosts proceed in parallel: one after the other would take over 20 s
    starts = [s.start for s in web.log]
    assert max(starts) - min(starts) < 15


def test_shards_read_as_one_dataset(serve, tmp_path):
    links = "".join(f'<a href="/p{i}">{i}</a>' for i in range(40))
    pages = {f"/p{i}": html(f"<p>{'x' * 3000} {i}</p>") for i in range(40)}
    web = serve({"www.example.com": Site({"/": html(links), **pages})})
    settings = {"DOWNLOAD_DELAY": 0, "PARQUET_ROW_GROUP_BYTES": 20000, "PARQUET_FILE_BYTES": 4000}
    first = run_crawl(web, "http://www.example.com/", tmp_path, settings=settings)
    second = run_crawl(web, "http://www.example.com/", tmp_path, settings=settings | {"CRAWL_ID": "again"})
    assert first.returncode == 0 and second.returncode == 0, first.log + second.log
    assert "DOWNLOAD_DELAY=0 is below the polite default" in first.log
    files = list(first.documents_dir.glob("*.parquet"))
    assert len(files) > 4
    assert any(f.name.startswith("again-") for f in files)
    rows = duckdb.sql(
        f"SELECT crawl_id, count(*) FROM read_parquet('{first.documents_dir}/**/*.parquet') GROUP BY 1"
    ).fetchall()
    assert sorted(n for _, n in rows) == [41, 41]
    assert ds.dataset(first.documents_dir, format="parquet").count_rows() == 82
