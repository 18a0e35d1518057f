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
