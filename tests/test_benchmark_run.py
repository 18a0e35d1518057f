"""The benchmark's control crawls: independent processes must split the web
so that together they do the single process's work, no more; the floor must
fetch the pages stock fetches, through the benchmark's proxy, and store
nothing."""

import importlib.util
from urllib.parse import urlsplit

from scrapy.settings import Settings

from benchmarks.run import ROOT, Web, _domain_share, run_crawl
from benchmarks.web import page_links, seeds
from crawler.urls import registered_domain


def _domain(url: str) -> str:
    """The registered domain the crawl's scope is judged by."""
    return registered_domain(urlsplit(url).hostname or "")


def test_the_shares_split_the_seeds_once_each():
    shares = [_domain_share(200, i, 4) for i in range(4)]
    assert sorted(u for share in shares for u in share) == sorted(seeds(200))
    assert all(shares)


def test_no_share_links_within_its_domain_into_another_share():
    hosts, pages = 200, 15
    for i in range(4):
        share = _domain_share(hosts, i, 4)
        mine = {urlsplit(u).hostname for u in share}
        domains = {_domain(u) for u in share}
        for h, seed in enumerate(seeds(hosts)):
            if seed not in share:
                continue
            for page in range(pages):
                for link in page_links(h, page, hosts, pages):
                    if link.startswith("http") and _domain(link) in domains:
                        assert urlsplit(link).hostname in mine


def test_the_floor_fetches_every_page_through_the_proxy_and_stores_nothing(tmp_path):
    web = Web(2, 3, light=True)
    try:
        result = run_crawl(web.proxy, 2, web.served, "floor", tmp_path)
        served = web.served()
    finally:
        web.stop()
    # each host: its three pages, and its seed twice (Scrapy does not record a
    # start request in its duplicate filter), as stock fetches them
    assert result["pages"] == served == 2 * 4
    assert result["shard_bytes"] == 0 and not list(tmp_path.glob("*.parquet"))


def test_the_floor_runs_on_this_crawlers_engine_settings():
    spec = importlib.util.spec_from_file_location("floor", ROOT / "benchmarks/stock/stock/spiders/floor.py")
    floor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(floor)
    ours, theirs = Settings(), floor.FloorSpider.custom_settings
    ours.setmodule("settings")
    for name in ("CONCURRENT_REQUESTS", "CONCURRENT_ITEMS", "COOKIES_ENABLED", "TELNETCONSOLE_ENABLED",
                 "WARN_ON_GENERATOR_RETURN_VALUE", "REFERRER_POLICY"):
        assert theirs[name] == ours[name], name
    assert theirs["SPIDER_MIDDLEWARES"] == ours.getdict("SPIDER_MIDDLEWARES")
    proxies = {k: v for k, v in ours.getdict("DOWNLOADER_MIDDLEWARES").items() if "proxy" in k.lower()}
    assert theirs["DOWNLOADER_MIDDLEWARES"] == proxies
