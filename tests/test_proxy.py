"""The proxy middleware decides as Scrapy's own does, with the environment
read once: a differential test against Scrapy's HttpProxyMiddleware."""

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.httpproxy import HttpProxyMiddleware

from crawler.localweb import Site, html
from crawler.middlewares.proxy import ProxyMiddleware
from tests.support import run_crawl

ENVIRONMENTS = [
    {},
    {"http_proxy": "http://127.0.0.1:8080"},
    {"http_proxy": "http://127.0.0.1:8080", "https_proxy": "http://user:secret@127.0.0.1:8443"},
    {"http_proxy": "http://127.0.0.1:8080", "no_proxy": "internal.example,.corp.example:80,10.0.0.1"},
    {"https_proxy": "http://127.0.0.1:8443", "no_proxy": "*"},
    {"HTTP_PROXY": "http://u:p@127.0.0.1:3128", "NO_PROXY": "Mixed.Example"},
    {"http_proxy": "http://127.0.0.1:8080", "ftp_proxy": "http://127.0.0.1:2121", "no_proxy": "a.example"},
]
URLS = [
    "http://a.example/", "https://a.example/x", "http://internal.example/", "http://www.internal.example/",
    "http://x.corp.example/", "http://10.0.0.1/", "http://10.0.0.2/", "http://mixed.example/",
    "https://MIXED.example/", "ftp://a.example/file", "http://[::1]/",
]
METAS = [{}, {"proxy": "http://127.0.0.1:9999"}, {"proxy": None}, {"proxy": "http://who:pw@127.0.0.1:7777"}]


def outcome(middleware, url, meta, headers):
    request = Request(url, meta=dict(meta), headers=dict(headers))
    middleware.process_request(request)
    return request.meta, dict(request.headers)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_same_decision_as_scrapy(monkeypatch, environment):
    for name in ("http_proxy", "https_proxy", "ftp_proxy", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    theirs, ours = HttpProxyMiddleware(), ProxyMiddleware()
    for url in URLS:
        for meta in METAS:
            for headers in ({}, {"Proxy-Authorization": "Basic old"}):
                assert outcome(ours, url, meta, headers) == outcome(theirs, url, meta, headers), (url, meta)
                # asked again (the answer now kept), still the same
                assert outcome(ours, url, meta, headers) == outcome(theirs, url, meta, headers), (url, meta)


def test_environment_is_read_once(monkeypatch):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:8080")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    ours = ProxyMiddleware()
    monkeypatch.setenv("no_proxy", "a.example")  # too late: the crawl has started
    meta, _ = outcome(ours, "http://a.example/", {}, {})
    assert meta["proxy"] == "http://127.0.0.1:8080"


def test_connections_to_the_proxy_are_kept_for_reuse(serve, tmp_path):
    """Behind a proxy every site is one (scheme, host, port) to Twisted's
    connection pool: the crawl reuses its connections to the proxy instead of
    opening one per request (Scrapy's pool keeps CONCURRENT_REQUESTS_PER_DOMAIN
    of them, 1 here)."""
    hosts = [f"h{i}.example.com" for i in range(8)]
    pages = 10
    links = "".join(f'<a href="/p{i}">{i}</a>' for i in range(pages))
    web = serve({host: Site({"/": html(links), **{f"/p{i}": html(f"<p>{i}</p>") for i in range(pages)}})
                 for host in hosts})
    crawl = run_crawl(web, ",".join(f"http://{host}/" for host in hosts), tmp_path,
                      settings={"DOWNLOAD_DELAY": 0})
    assert crawl.returncode == 0, crawl.log
    assert len(crawl.documents()) == len(hosts) * (pages + 1)
    requests = len(web.requests())
    assert requests >= len(hosts) * (pages + 3)  # robots.txt and tdmrep.json too
    # about one connection for each request that can be in flight at once (one
    # per host; 5 or 6 seen), with room for a connection given back to the pool
    # a moment after the next request asked for one; 55 before they were kept
    assert web.connections <= 2 * len(hosts), (web.connections, requests)
