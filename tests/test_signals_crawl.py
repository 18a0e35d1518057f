"""End to end: page-level opt-out signals and sitemaps against a local web."""

import gzip

import pytest

from crawler.localweb import LocalWeb, Reply, Site, html
from tests.support import page_paths, run_crawl

PAGES = {
    "/meta-noindex": '<head><meta name="robots" content="noindex"></head><a href="/via-noindex">x</a>',
    "/header-noindex": "",
    "/token-noindex": '<head><meta name="POLITECRAWLER" content="noindex"></head>',
    "/meta-none": '<head><meta name="robots" content="none"></head><a href="/via-none">x</a>',
    "/meta-nofollow": '<head><meta name="robots" content="nofollow"></head><a href="/via-nofollow">x</a>',
    "/other-bot": "<p>kept</p>",
    "/noai": '<head><meta name="robots" content="noai, noimageai"></head>',
    "/tdm-header": "<p>reserved by header</p>",
    "/tdm-meta": '<head><meta name="tdm-reservation" content="1"></head>',
    "/usage-header": "<p>no training</p>",
    "/reserved/by-file": "<p>reserved by tdmrep.json</p>",
    "/usage-robots/x": "<p>no training per robots.txt</p>",
    "/rel": '<a rel="nofollow" href="/via-rel">x</a>',
    "/via-noindex": "<p>reached through a noindex page</p>",
    "/via-none": "<p>never</p>",
    "/via-nofollow": "<p>never</p>",
    "/via-rel": "<p>never</p>",
    "/only-in-sitemap": "<p>listed only in the sitemap</p>",
    "/only-in-nested-sitemap": "<p>listed only in a gzipped nested sitemap</p>",
}
HEADERS = {
    "/header-noindex": [("X-Robots-Tag", "noindex")],
    "/other-bot": [("X-Robots-Tag", "otherbot: noindex, nofollow")],
    "/tdm-header": [("tdm-reservation", "1"), ("tdm-policy", "https://www.example.com/policy.json")],
    "/usage-header": [("Content-Usage", "train-ai=n")],
}
LINKED = [p for p in PAGES if not p.startswith(("/via-", "/only-"))]
ROBOTS = """User-agent: *
Content-Usage: /usage-robots/ train-ai=n
Allow: /

Sitemap: http://www.example.com/sitemap.xml
Sitemap: http://www.example.com/sitemap-index.xml
"""
TDMREP = b'[{"location": "/reserved/*", "tdm-reservation": 1}]'


def sites():
    urlset = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
              b"<url><loc>http://www.example.com/only-in-sitemap</loc></url></urlset>")
    nested = gzip.compress(urlset.replace(b"only-in-sitemap", b"only-in-nested-sitemap"))
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             b"<sitemap><loc>http://www.example.com/nested.xml.gz</loc></sitemap></sitemapindex>")
    site = Site({
        "/robots.txt": Reply(body=ROBOTS.encode(), content_type="text/plain"),
        "/.well-known/tdmrep.json": Reply(body=TDMREP, content_type="application/json"),
        "/sitemap.xml": Reply(body=urlset, content_type="application/xml"),
        "/sitemap-index.xml": Reply(body=index, content_type="application/xml"),
        "/nested.xml.gz": Reply(body=nested, content_type="application/x-gzip"),
        "/": html("".join(f'<a href="{p}">{p}</a>' for p in LINKED)),
    })
    for path, body in PAGES.items():
        site[path] = Reply(body=f"<html>{body}<body><p>{path}</p></body></html>".encode(), headers=HEADERS.get(path, []))
    return {"www.example.com": site}


def crawl(tmp_path_factory, purpose):
    web = LocalWeb(sites()).start()
    result = run_crawl(web, "http://www.example.com/", tmp_path_factory.mktemp(purpose),
                       settings={"CRAWL_PURPOSE": purpose, "DOWNLOAD_DELAY": 0.2})
    web.stop()
    assert result.returncode == 0, result.log
    return web, result, {u.removeprefix("http://www.example.com") for u in result.urls()}


@pytest.fixture(scope="module")
def ai(tmp_path_factory):
    return crawl(tmp_path_factory, "ai-training")


@pytest.fixture(scope="module")
def search(tmp_path_factory):
    return crawl(tmp_path_factory, "search")


@pytest.mark.parametrize("path", ["/meta-noindex", "/header-noindex", "/token-noindex", "/meta-none"])
def test_noindex_pages_are_not_stored(ai, search, path):
    for _, crawl, stored in (ai, search):
        assert path not in stored
        assert f"Skipped (noindex) http://www.example.com{path}" in crawl.log


def test_a_scoped_header_for_another_bot_does_not_apply(ai):
    _, _, stored = ai
    assert "/other-bot" in stored


def test_links_of_nofollow_none_and_rel_nofollow_are_never_requested(ai):
    web, crawl, stored = ai
    requested = page_paths(web, "www.example.com")
    for path in ("/via-none", "/via-nofollow", "/via-rel"):
        assert path not in requested
    assert "/meta-nofollow" in stored  # nofollow alone still stores the page
    assert "Skipped (nofollow) http://www.example.com/meta-nofollow: <meta name=\"robots\"> nofollow" in crawl.log
    assert "Skipped (nofollow) http://www.example.com/via-rel: rel=\"nofollow\"" in crawl.log


def test_links_of_a_noindex_page_are_followed_and_stored(ai):
    web, _, stored = ai
    assert "/via-noindex" in page_paths(web, "www.example.com")
    assert "/via-noindex" in stored


@pytest.mark.parametrize(
    "path, reason",
    [
        ("/noai", "noai"),
        ("/tdm-header", "tdm"),
        ("/tdm-meta", "tdm"),
        ("/reserved/by-file", "tdm"),
        ("/usage-header", "content-usage"),
        ("/usage-robots/x", "content-usage"),
    ],
)
def test_ai_opt_outs_depend_on_the_purpose(ai, search, path, reason):
    _, ai_crawl, ai_stored = ai
    _, _, search_stored = search
    assert path not in ai_stored
    assert f"Skipped ({reason}) http://www.example.com{path}" in ai_crawl.log
    assert path in search_stored


def test_stored_documents_carry_their_signals(search):
    _, crawl, _ = search
    docs = {d["url"].removeprefix("http://www.example.com"): d for d in crawl.documents()}
    assert docs["/noai"]["robots_directives"] == ["noai", "noimageai"]
    assert docs["/tdm-header"]["tdm_reservation"] == 1
    assert docs["/tdm-header"]["tdm_policy"] == "https://www.example.com/policy.json"
    assert docs["/tdm-header"]["tdm_source"] == "header"
    assert docs["/usage-header"]["content_usage"] == "train-ai=n"
    assert docs["/usage-robots/x"]["content_usage"] == "train-ai=n"
    assert docs["/other-bot"]["robots_directives"] == []
    assert {d["purpose"] for d in docs.values()} == {"search"}


def test_tdmrep_is_fetched_only_when_the_purpose_calls_for_it(ai, search):
    assert "/.well-known/tdmrep.json" in [s.path for s in ai[0].log]
    assert "/.well-known/tdmrep.json" not in [s.path for s in search[0].log]


def test_pages_listed_only_in_sitemaps_are_crawled(ai):
    web, _, stored = ai
    assert {"/only-in-sitemap", "/only-in-nested-sitemap"} <= stored
    assert [s.path for s in web.log].count("/sitemap.xml") == 1
