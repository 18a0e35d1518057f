"""End to end: the robots.txt policy against a local multi-host web."""

import itertools

import pytest

from crawler.localweb import LocalWeb, Reply, Site, html, redirect
from tests.support import page_paths, run_crawl


def robots(text: str, **kwargs) -> Reply:
    return Reply(body=text.encode(), content_type="text/plain", **kwargs)


def site(robots_reply, pages=("/a", "/b")) -> Site:
    links = "".join(f'<a href="{p}">{p}</a>' for p in pages)
    return Site({"/robots.txt": robots_reply, "/": html(links), **{p: html(f"<p>{p}</p>") for p in pages}})


def flaky_robots():
    answers = itertools.chain([Reply(status=503)], itertools.repeat(robots("User-agent: *\nDisallow: /b\n")))
    return lambda seen: next(answers)


RULES = """User-agent: *
Disallow: /

User-agent: PoliteCrawler
Allow: /
Disallow: /*.pdf$
Disallow: /private
Allow: /private/public
"""


def web_sites():
    return {
        "down.example.com": site(Reply(status=503)),
        "timeout.example.com": site(robots("User-agent: *\nAllow: /\n", delay=5)),
        "missing.example.com": site(Reply(status=404)),
        "gone.example.com": site(Reply(status=410)),
        "moved.example.com": Site({
            "/robots.txt": redirect("/robots-real.txt", 301),
            "/robots-real.txt": robots("User-agent: *\nDisallow: /b\n"),
            "/": html('<a href="/a">a</a><a href="/b">b</a>'), "/a": html("a"), "/b": html("b"),
        }),
        "away.example.com": site(redirect("http://rules.example.net/robots.txt")),
        "rules.example.net": Site({"/robots.txt": robots("User-agent: *\nDisallow: /b\n")}),
        "rules.example.com": site(
            robots(RULES),
            pages=("/page", "/doc.pdf", "/doc.pdf?v=2", "/private/x", "/private/public/y"),
        ),
        "delay.example.com": site(robots("User-agent: *\nCrawl-delay: 2\n"), pages=("/1", "/2", "/3")),
        "fast.example.com": site(robots("User-agent: *\nAllow: /\n"), pages=tuple(f"/{i}" for i in range(6))),
        "flaky.example.com": site(flaky_robots()),
        "tooslow.example.com": site(robots("User-agent: *\nCrawl-delay: 600\n")),
    }


SETTINGS = {"ROBOTS_RETRY_DELAY": 1, "ROBOTS_RETRY_TIMES": 1, "DOWNLOAD_TIMEOUT": 2}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    web = LocalWeb(web_sites()).start()
    seeds = ",".join(f"http://{h}/" for h in web.sites if h != "rules.example.net")
    crawl = run_crawl(web, seeds, tmp_path_factory.mktemp("robots"), settings=SETTINGS)
    web.stop()
    assert crawl.returncode == 0, crawl.log
    return web, crawl


@pytest.mark.parametrize("host", ["down.example.com", "timeout.example.com"])
def test_unreachable_robots_means_no_page_request(crawled, host):
    web, crawl = crawled
    assert page_paths(web, host) == []
    assert [s.path for s in web.requests(host)] == ["/robots.txt", "/robots.txt"]  # one retry, nothing else
    assert f"Skipped (robots-unreachable) http://{host}/" in crawl.log
    assert f"robots.txt http://{host}/robots.txt: unreachable" in crawl.log


def test_robots_fetched_again_after_a_failure_then_honoured(crawled):
    web, crawl = crawled
    assert [s.path for s in web.requests("flaky.example.com")][:2] == ["/robots.txt", "/robots.txt"]
    assert page_paths(web, "flaky.example.com") == ["/", "/a"]


@pytest.mark.parametrize("host", ["missing.example.com", "gone.example.com"])
def test_missing_robots_means_a_normal_crawl(crawled, host):
    web, crawl = crawled
    assert page_paths(web, host) == ["/", "/a", "/b"]
    assert f"robots.txt http://{host}/robots.txt: unavailable" in crawl.log


def test_redirected_robots_is_honoured_on_the_original_origin(crawled):
    web, crawl = crawled
    assert page_paths(web, "moved.example.com") == ["/", "/a", "/robots-real.txt"]
    assert page_paths(web, "away.example.com") == ["/", "/a"]
    assert [s.path for s in web.requests("rules.example.net")] == ["/robots.txt"]
    assert "Skipped (robots) http://away.example.com/b" in crawl.log


def test_own_group_wildcards_anchors_and_longest_match(crawled):
    web, crawl = crawled
    assert page_paths(web, "rules.example.com") == ["/", "/doc.pdf?v=2", "/page", "/private/public/y"]
    line = next(line for line in crawl.log.splitlines() if "Skipped (robots) http://rules.example.com/private/x" in line)
    assert "Disallow: /private (line 7) in User-agent: politecrawler (line 4)" in line


def test_crawl_delay_spaces_one_host_while_others_proceed(crawled):
    web, _ = crawled
    delayed = sorted(s.start for s in web.requests("delay.example.com"))
    assert len(delayed) == 6  # robots.txt, tdmrep.json and four pages
    assert min(b - a for a, b in zip(delayed, delayed[1:])) >= 2.0
    fast = [s.start for s in web.requests("fast.example.com")]
    during = [t for t in fast if delayed[0] < t < delayed[-1]]
    assert len(during) >= 5  # the other host did not wait for the slow one


def test_crawl_delay_above_the_cap_skips_the_host(crawled):
    web, crawl = crawled
    assert page_paths(web, "tooslow.example.com") == []
    assert "Skipped (crawl-delay) http://tooslow.example.com/" in crawl.log


def test_robots_txt_requested_once_per_origin(crawled):
    web, _ = crawled
    for host in ("missing.example.com", "rules.example.com", "delay.example.com", "fast.example.com"):
        assert [s.path for s in web.requests(host)].count("/robots.txt") == 1, host
    for host in web.sites:
        assert all(s.path.startswith("/robots") for s in web.requests(host)[:1]), host


def test_stale_robots_is_fetched_again_and_jitter_or_autothrottle_never_shorten_the_delay(serve, tmp_path):
    pages = tuple(f"/{i}" for i in range(5))
    web = serve({"www.example.com": site(robots("User-agent: *\nCrawl-delay: 1.5\n"), pages=pages)})
    settings = {
        "ROBOTS_CACHE_SECONDS": 3,
        "DOWNLOAD_DELAY_JITTER": 0.5,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 0.1,
    }
    crawl = run_crawl(web, "http://www.example.com/", tmp_path, settings=settings)
    assert crawl.returncode == 0, crawl.log
    seen = web.requests("www.example.com")
    assert [s.path for s in seen].count("/robots.txt") >= 2
    starts = sorted(s.start for s in seen)
    assert len(starts) >= 7
    assert min(b - a for a, b in zip(starts, starts[1:])) >= 1.5
