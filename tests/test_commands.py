"""The crawl command's handling of bad input, and the demo command."""

import subprocess
import sys

import pytest

from crawler.localweb import Site, html
from tests.support import REPO, crawl_env, run_crawl


@pytest.fixture
def web(serve):
    return serve({"www.example.com": Site({"/": html("<p>home</p>")})})


def error_line(crawl):
    errors = [line for line in crawl.log.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, crawl.log
    return errors[0]


@pytest.mark.parametrize(
    "seeds, settings, args, fragment",
    [
        ("{tmp}/missing.txt", {}, {}, "cannot read seeds file"),
        ("{tmp}/empty.txt", {}, {}, "no valid http(s) URL in the seeds file"),
        ("http://www.example.com/", {"PARQUET_DIR": "{tmp}/empty.txt/sub"}, {}, "PARQUET_DIR="),
        ("http://www.example.com/", {"USER_AGENT": "Mozilla/5.0"}, {}, "does not contain the product token"),
        ("http://www.example.com/", {"ROBOTSTXT_USER_AGENT": "Bot9"}, {}, "not a valid robots.txt product token"),
        ("http://www.example.com/", {}, {"scope": "planet"}, "unknown scope"),
        ("http://www.example.com/", {"TEXT_EXTRACTOR": "nowhere.extract"}, {}, "TEXT_EXTRACTOR="),
    ],
)
def test_bad_input_is_one_line_and_no_request(web, tmp_path, seeds, settings, args, fragment):
    (tmp_path / "empty.txt").write_text("# nothing\nnot a url\n")
    settings = {k: v.format(tmp=tmp_path) for k, v in settings.items()}
    crawl = run_crawl(web, seeds.format(tmp=tmp_path), tmp_path / "out", settings=settings, args=args)
    assert crawl.returncode == 2
    assert fragment in error_line(crawl)
    assert "Traceback" not in crawl.log
    assert web.log == []


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


def run_robots(web, *args):
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "robots", *args],
        cwd=REPO, env=crawl_env(web), capture_output=True, text=True, timeout=120,
    )


def test_robots_command_fetches_live_through_the_crawler_policy(serve):
    from crawler.localweb import Reply

    web = serve({
        "www.example.com": Site({"/robots.txt": Reply(
            body=b"User-agent: *\nDisallow: /private/\nCrawl-delay: 2\n\nUser-agent: PoliteCrawler\nAllow: /\nDisallow: /tmp/\n",
            content_type="text/plain")}),
        "down.example.com": Site({"/robots.txt": Reply(status=503)}),
    })
    result = run_robots(web, "http://www.example.com/tmp/a", "http://www.example.com/private/x", "http://down.example.com/")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["disallow", "http://www.example.com/tmp/a"]
    assert "Disallow: /tmp/ (line 7) in User-agent: politecrawler (line 5)" in lines[1]
    assert "crawl-delay 2 s" in lines[1]
    assert lines[2].split() == ["allow", "http://www.example.com/private/x"]
    assert lines[4].split() == ["disallow", "http://down.example.com/"]
    assert "unreachable (503): everything disallowed" in lines[5]
    assert [s.path for s in web.log] == ["/robots.txt", "/robots.txt"]  # nothing but robots.txt
    other = run_robots(web, "http://www.example.com/private/x", "--agent", "OtherBot")
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


def test_robots_cache_longer_than_a_day_is_refused(web, tmp_path):
    crawl = run_crawl(web, "http://www.example.com/", tmp_path, settings={"ROBOTS_CACHE_SECONDS": 90000})
    assert crawl.returncode == 2
    assert "ROBOTS_CACHE_SECONDS=90000 is out of range" in error_line(crawl)
    assert web.log == []
