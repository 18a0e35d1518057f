"""The benchmark's control crawls: independent processes must split the web
so that together they do the single process's work, no more."""

from urllib.parse import urlsplit

from benchmarks.run import _domain_share
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
