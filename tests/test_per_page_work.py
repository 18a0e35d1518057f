"""A cheap guard on per-page cost (not a timing): count the steps a crawl
takes and fail if one of them is repeated per page."""

from benchmarks.web import seeds, web
from tests.support import POLICY_FILES, run_crawl

HOSTS, PAGES = 4, 12  # every page links to 30 pages of its host and 10 of others


def test_each_page_is_parsed_once_and_repeated_links_build_no_requests(serve, tmp_path):
    site = serve(web(HOSTS, PAGES))
    seed_file = tmp_path / "seeds.txt"
    seed_file.write_text("\n".join(seeds(HOSTS)))
    crawl = run_crawl(site, str(seed_file), tmp_path / "out",
                      settings={"DOWNLOAD_DELAY": 0, "SITEMAPS_ENABLED": False}, counted=True)
    assert crawl.returncode == 0, crawl.log[-3000:]
    counts = crawl.counts()
    targets = [(s.host, s.target) for s in site.log if s.path not in POLICY_FILES]
    policy = len(site.log) - len(targets)
    assert len(targets) == len(set(targets)) > HOSTS * PAGES  # pages, and the 404s they link to
    assert counts["html_parses"] == HOSTS * PAGES  # the 404s are not parsed
    # A Request per URL from the spider and one from its frontier row, one
    # per policy file; the 40 links on each page, mostly repeats, build none.
    assert counts["requests"] <= 2 * len(targets) + policy
    # Scrapy imports every command module at start-up: the commands that read
    # datasets must not make each crawl load pyarrow.dataset; and redis-py is
    # for the workers of a shared crawl only.
    assert counts["heavy_imports"] == []
