"""End to end: a hostile site per case, on the local web (127.0.0.1 only).
Each case is one an attacker tried: URLs that a redirect, a meta refresh,
a robots.txt redirect or a sitemap brings must be checked like links, and
nothing a site sends may flood or forge the log."""

import re

from crawler.localweb import Reply, Site, html, redirect
from tests.support import page_paths, run_crawl

FAST = {"DOWNLOAD_DELAY": 0.1}


def refresh(url):
    return html(f'<html><head><meta http-equiv="refresh" content="0; url={url}"></head><body>moved</body></html>')


def links(*targets):
    return html("".join(f'<a href="{t}">{i}</a>' for i, t in enumerate(targets)))


def test_percent_encoded_hosts_are_decoded_before_the_network_guard(serve, tmp_path):
    port = 9
    sites = {
        "www.example.com": Site({
            "/": links("/jump", "/jump-dot", "/refresh", f"http://%31%32%37.0.0.1:{port}/link"),
            "/jump": redirect(f"http://%31%32%37.0.0.1:{port}/redirected"),
            "/jump-dot": redirect(f"http://127.0.0.1%2e:{port}/dot"),
            "/refresh": refresh(f"http://%6c%6f%63%61%6c%68%6f%73%74:{port}/refreshed"),
        }),
        "robots.example.com": Site({
            "/robots.txt": redirect(f"http://%31%32%37.0.0.1:{port}/robots.txt"),
        }, fallback=html("<p>page</p>")),
    }
    web = serve(sites)
    crawl = run_crawl(web, f"http://www.example.com/,http://robots.example.com/,http://%31%32%37.1:{port}/seed",
                      tmp_path, settings={**FAST, "ROBOTS_RETRY_TIMES": 0}, args={"scope": "any"})
    assert crawl.returncode == 0, crawl.log
    assert {s.host for s in web.log} == set(sites), [s.url for s in web.log]
    for url in (f"http://127.0.0.1:{port}/link", f"http://127.0.0.1:{port}/redirected",
                f"http://127.0.0.1:{port}/dot", f"http://localhost:{port}/refreshed",
                f"http://127.0.0.1:{port}/seed", f"http://127.0.0.1:{port}/robots.txt"):
        assert f"Skipped (private-address) {url}: loopback address 127.0.0.1" in crawl.log, url


def test_credentials_in_redirects_and_refreshes_are_never_sent_logged_or_stored(serve, tmp_path):
    sites = {
        "www.example.com": Site({
            "/": links("/jump", "/refresh", "http://robots.example.com/"),
            "/jump": redirect("http://user:SECRET1@cred.example.com/x"),
            "/refresh": refresh("http://user:SECRET2@cred.example.com/y"),
        }),
        "cred.example.com": Site(fallback=html("<p>credentialed page</p>")),
        "robots.example.com": Site({
            "/robots.txt": redirect("http://user:SECRET3@robots.example.com/real-robots.txt"),
            "/real-robots.txt": Reply(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"),
        }, fallback=html("<p>page</p>")),
    }
    web = serve(sites)
    crawl = run_crawl(web, "http://www.example.com/", tmp_path,  # DEBUG: Scrapy logs each redirect
                      settings={**FAST, "ROBOTS_RETRY_TIMES": 0, "LOG_LEVEL": "DEBUG"}, args={"scope": "any"})
    assert crawl.returncode == 0, crawl.log
    assert not [s.url for s in web.log if "@" in s.url or "SECRET" in str(s.headers) or "authorization" in s.headers]
    assert "Redirecting (302) to <GET http://***@cred.example.com/x>" in crawl.log
    assert "SECRET" not in crawl.log
    assert "Skipped (credentials) http://***@cred.example.com/x" in crawl.log
    assert "Skipped (credentials) http://***@cred.example.com/y" in crawl.log
    assert "Skipped (credentials) http://***@robots.example.com/real-robots.txt" in crawl.log
    stored = [str(row) for row in crawl.documents(["url", "requested_url"])]
    audited = [str(row) for row in crawl.audit()]
    assert not [row for row in stored + audited if "SECRET" in row or "user:" in row]


def test_every_url_is_held_to_the_length_limit(serve, tmp_path):
    # the refresh is short (1,396 characters) until its non-ASCII characters are percent-encoded
    long_redirect, long_refresh = "/r" + "x" * 10_000, "/m" + "\u00e9" * 1372
    web = serve({"www.example.com": Site({
        "/": links("/jump", "/refresh"),
        "/jump": redirect(long_redirect),
        "/refresh": refresh(long_refresh),
    }, fallback=html("<p>page</p>")), "robots.example.com": Site({
        "/robots.txt": redirect("/robots-" + "z" * 5_000),
    }, fallback=html("<p>page</p>"))})
    crawl = run_crawl(web, "http://www.example.com/,http://robots.example.com/", tmp_path,
                      settings={**FAST, "ROBOTS_RETRY_TIMES": 0})
    assert crawl.returncode == 0, crawl.log
    assert max(len(s.url) for s in web.log) <= 2083, [s.url[:80] for s in web.log]
    assert re.search(r"Skipped \(trap\) http://www\.example\.com/rx+: URL of 10024 characters", crawl.log)
    assert re.search(r"Skipped \(trap\) http://www\.example\.com/m(%C3%A9)+: URL of 8256 characters", crawl.log)
    assert re.search(r"Skipped \(trap\) http://robots\.example\.com/robots-z+: URL of 5033 characters", crawl.log)


def test_control_characters_in_scrapy_own_log_lines_are_escaped(serve, tmp_path):
    web = serve({"www.example.com": Site({
        "/": links("/encoded"),
        "/encoded": Reply(body=b"<p>x</p>", headers=[("Content-Encoding", "x-\x1b[31mred\rforged\x07")]),
    })})
    crawl = run_crawl(web, "http://www.example.com/", tmp_path, settings=FAST)
    assert crawl.returncode == 0, crawl.log
    assert "unsupported encoding" in crawl.log  # Scrapy's own warning, with the header in it
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", crawl.log), repr(crawl.log[-2000:])
    assert "x-\\x1b[31mred" in crawl.log and "forged\\x07" in crawl.log


def calendar(seen):
    """Every month page links to the next and previous month, like a calendar widget."""
    match = re.match(r"/cal/(\d+)/(\d+)/", seen.target)
    if not match:
        return html("<p>page</p>")
    year, month = int(match[1]), int(match[2])
    after = (year + month // 12, month % 12 + 1)
    before = (year - (month == 1), (month - 2) % 12 + 1)
    return links(*(f"/cal/{y}/{m:02d}/" for y, m in (after, before)))


def test_implausible_dates_anywhere_in_a_url_are_traps(serve, tmp_path):
    traps = ["/cal/9999/12/", "/cal/10000/01/", "/cal?year=1900&month=1", "/archive/1850/", "/cal?ym=299901",
             "/events?tribe-bar-date=3000-01", "/blog/1969/12/31/"]
    ordinary = ["/product/1850", "/item/4711/", "/p/299901", "/article/123456789", "/book?isbn=9780306406157",
                "/archive/12345/", "/shop?page=2999"]
    web = serve({"www.example.com": Site({"/": links(*traps, *ordinary)}, fallback=calendar)})
    crawl = run_crawl(web, "http://www.example.com/", tmp_path, settings=FAST)
    assert crawl.returncode == 0, crawl.log
    requested = page_paths(web, "www.example.com")
    for path in traps:
        assert path not in requested, path
        assert f"Skipped (trap) http://www.example.com{path}: calendar date in" in crawl.log, path
    assert set(ordinary) <= set(requested)
    assert len(requested) == 1 + len(ordinary)


def test_link_caps_are_one_line_per_page(serve, tmp_path):
    many = links(*(f"/p{i}" for i in range(5_000)))
    web = serve({"www.example.com": Site({"/": many}, fallback=links(*(f"/deeper{i}" for i in range(300))))})
    crawl = run_crawl(web, "http://www.example.com/", tmp_path,
                      settings={**FAST, "LIMITS_LINKS_PER_PAGE": 10, "DEPTH_LIMIT": 1})
    assert crawl.returncode == 0, crawl.log
    caps = [line.split("INFO: ", 1)[1] for line in crawl.log.splitlines() if "Skipped (cap)" in line]
    assert caps[0] == ("Skipped (cap) http://www.example.com/: 4990 links on the page not followed: "
                       "beyond the LIMITS_LINKS_PER_PAGE=10 taken"), caps[0]
    depth = [line for line in caps if "DEPTH_LIMIT" in line]
    assert len(depth) == 10 and len(caps) == 11, caps
    assert depth[0].endswith(": 300 links on the page not followed: depth 2 is beyond DEPTH_LIMIT=1")
    assert sum(1 for row in crawl.audit() if row["reason"] == "cap") == 11


def test_a_failed_document_is_logged_with_its_url_not_its_body(serve, tmp_path):
    web = serve({"www.example.com": Site({"/": links("/fail"), "/fail": html("<p>" + "BODY-TEXT " * 500 + "</p>")})})
    pipelines = '{"tests.support.FailingPipeline": 100, "crawler.pipelines.shards.ParquetPipeline": 800}'
    crawl = run_crawl(web, "http://www.example.com/", tmp_path, settings={**FAST, "ITEM_PIPELINES": pipelines})
    assert crawl.returncode == 0, crawl.log
    assert "ERROR: Error processing the document of http://www.example.com/fail" in crawl.log
    assert "BODY-TEXT" not in crawl.log


def test_a_silent_url_is_not_retried(serve, tmp_path):
    web = serve({"www.example.com": Site({"/": links("/silent", "/fine"), "/silent": html("<p>late</p>", delay=4),
                                          "/fine": html("<p>fine</p>")})})
    crawl = run_crawl(web, "http://www.example.com/", tmp_path, settings={**FAST, "DOWNLOAD_TIMEOUT": 1})
    assert crawl.returncode == 0, crawl.log
    assert page_paths(web, "www.example.com").count("/silent") == 1
    assert "Skipped (error) http://www.example.com/silent: DownloadTimeoutError" in crawl.log
    assert "http://www.example.com/fine" in crawl.urls()


def test_urls_after_refused_entity_declarations_in_a_sitemap_are_kept(serve, tmp_path):
    laughs = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    sitemap = (f'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY lol0 "lol">{laughs}]>'
               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
               "<url><loc>http://www.example.com/before</loc></url><url><loc>&lol9;</loc></url>"
               "<url><loc>http://www.example.com/after</loc></url></urlset>")
    web = serve({"www.example.com": Site({
        "/robots.txt": Reply(body=b"User-agent: *\nAllow: /\nSitemap: http://www.example.com/sitemap.xml\n",
                             content_type="text/plain"),
        "/sitemap.xml": Reply(body=sitemap.encode(), content_type="application/xml"),
    }, fallback=html("<p>page</p>"))})
    crawl = run_crawl(web, "http://www.example.com/", tmp_path, settings=FAST)
    assert crawl.returncode == 0, crawl.log
    assert {"/before", "/after"} <= set(page_paths(web, "www.example.com"))
