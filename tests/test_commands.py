"""The crawl command's handling of bad input, and the demo command."""

import subprocess
import sys

import pytest

from crawler.localweb import Site, html
from tests.support import REPO, crawl_env, run_crawl


@pytest.fixture
def web(serve):
    return serve({"www.example.com": Site({"/": html("<p>home</p>")})})


def test_invalid_seed_lines_are_warned_and_skipped(web, tmp_path):
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("http://www.example.com/\nwww.example.com/no-scheme\n")
    crawl = run_crawl(web, str(seeds), tmp_path / "out", settings={"USER_AGENT": "PoliteCrawler/0.1"})
    assert crawl.returncode == 0, crawl.log
    assert f"Seed skipped: seeds file {seeds} line 2 is not a crawlable http(s) URL" in crawl.log
    assert "has no contact" in crawl.log
    assert crawl.urls() == ["http://www.example.com/"]


def test_demo_runs_the_real_crawl_and_summarizes(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "demo", "--out", str(tmp_path)],
        cwd=REPO, env=crawl_env(None), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Documents stored:" in result.stdout
    assert "www.example.com" in result.stdout
    assert list((tmp_path / "documents").glob("*.parquet"))
    assert "scrapy crawl web" in result.stdout


def run_robots(web, *args, out=None):
    """`scrapy robots`; a live check records its robots.txt requests in the
    audit dataset, so `out` keeps them out of the repository."""
    folders = ["-s", f"AUDIT_DIR={out}/audit", "-s", f"PARQUET_DIR={out}/documents"] if out else []
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "robots", *args, *folders],
        cwd=REPO, env=crawl_env(web), capture_output=True, text=True, timeout=120,
    )


def test_robots_command_fetches_live_through_the_crawler_policy(serve, tmp_path):
    from crawler.localweb import Reply

    web = serve({
        "www.example.com": Site({"/robots.txt": Reply(
            body=b"User-agent: *\nDisallow: /private/\nCrawl-delay: 2\n\nUser-agent: PoliteCrawler\nAllow: /\nDisallow: /tmp/\n",
            content_type="text/plain")}),
        "down.example.com": Site({"/robots.txt": Reply(status=503)}),
    })
    result = run_robots(web, "http://www.example.com/tmp/a", "http://www.example.com/private/x", "http://down.example.com/",
                        out=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["disallow", "http://www.example.com/tmp/a"]
    assert "Disallow: /tmp/ (line 7) in User-agent: politecrawler (line 5)" in lines[1]
    assert "crawl-delay 2 s" in lines[1]
    assert lines[2].split() == ["allow", "http://www.example.com/private/x"]
    assert lines[4].split() == ["disallow", "http://down.example.com/"]
    assert "unreachable (503): everything disallowed" in lines[5]
    assert [s.path for s in web.log] == ["/robots.txt", "/robots.txt"]  # nothing but robots.txt
    other = run_robots(web, "http://www.example.com/private/x", "--agent", "OtherBot", out=tmp_path)
    assert other.stdout.split()[:2] == ["disallow", "http://www.example.com/private/x"]
    assert "User-agent: * (line 1)" in other.stdout


def test_robots_command_reads_a_file(tmp_path):
    path = tmp_path / "robots.txt"
    path.write_text("User-agent: *\nDisallow: /*.pdf$\n")
    result = run_robots(None, "http://example.com/a.pdf", "http://example.com/a.pdf?x", "--file", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["disallow", "http://example.com/a.pdf"]
    assert "Disallow: /*.pdf$ (line 2)" in result.stdout
    assert "allow    http://example.com/a.pdf?x" in result.stdout
    missing = run_robots(None, "http://example.com/", "--file", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and missing.stderr.startswith("error: cannot read")
