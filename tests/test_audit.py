"""The audit trail, `scrapy audit`, progress lines and log hygiene, end to end."""

import collections
import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from crawler.auditreport import summarize
from crawler.localweb import LocalWeb, Reply, Site, html
from tests.browser import loads_nothing, open_report
from tests.support import REPO, crawl_env, run_crawl

HOME = """<a href="/a">a</a> <a href="/b">b</a> <a href="/private/x">private</a>
<a href="/hidden">hidden</a> <a href="/gone">gone</a> <a href="http://elsewhere.example.net/">out</a>
<a href="/evil%0AINJECTED-PERCENT">percent</a> <a href="/evil
INJECTED-RAW">raw</a> <a href="http://elsewhere.example.net/x%0AINJECTED-SCOPE">scope</a>"""


def sites():
    return {
        "www.example.com": Site({
            "/robots.txt": Reply(body=b"User-agent: *\nCrawl-delay: 1.5\nDisallow: /private/\n", content_type="text/plain"),
            "/": html(HOME),
            "/a": html("<p>a</p>"), "/b": html("<p>b</p>"),
            "/hidden": html('<head><meta name="robots" content="noindex"></head><p>h</p>'),
        }),
        "blog.example.com": Site({"/": html('<a href="http://www.example.com/a">a</a>')}),
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    web = LocalWeb(sites()).start()
    crawl = run_crawl(web, "http://www.example.com/,http://blog.example.com/", tmp_path_factory.mktemp("audit"),
                      settings={"PROGRESS_INTERVAL": 2})
    web.stop()
    assert crawl.returncode == 0, crawl.log
    return web, crawl


def audit_command(crawl, *args):
    result = subprocess.run([sys.executable, "-m", "scrapy", "audit", str(crawl.out / "audit"), *args],
                            cwd=REPO, env=crawl_env(None), capture_output=True, text=True, timeout=120)
    return result


def audit_json(crawl, *args):
    result = audit_command(crawl, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_request_matches_the_server_log_one_for_one(crawled):
    web, crawl = crawled
    report = audit_json(crawl, "--host", "www.example.com", "--urls")
    audited = [u for u in report["urls"] if u["event"] == "request"]
    served = web.requests("www.example.com")
    assert len(audited) == len(served) == report["requests"]
    by_url = collections.defaultdict(list)
    for u in audited:
        by_url[u["url"]].append(datetime.fromisoformat(u["time"].replace("Z", "+00:00")).timestamp())
    for seen in served:
        sent = by_url[seen.url].pop(0)
        assert abs(seen.start - sent) < 0.1, seen.url


def test_every_skipped_url_is_listed_with_its_reason(crawled):
    _, crawl = crawled
    report = audit_json(crawl, "--host", "www.example.com", "--urls")
    skipped = {(u["url"], u["reason"]) for u in report["urls"] if u["event"] == "skip"}
    assert ("http://www.example.com/private/x", "robots") in skipped
    assert ("http://www.example.com/hidden", "noindex") in skipped
    assert ("http://www.example.com/gone", "status") in skipped
    logged = set(re.findall(r"Skipped \(([a-z-]+)\) (http://www\.example\.com/\S*?):? ", crawl.log))
    assert {(url, reason) for reason, url in logged} == skipped
    assert report["skipped"]["robots"] == 1 and report["stored"] == 3


def test_highest_request_rate_never_exceeds_the_crawl_delay(crawled):
    _, crawl = crawled
    report = audit_json(crawl, "--host", "www.example.com")
    assert report["shortest_gap_seconds"] >= 1.5
    assert report["crawl_delays"] == {"www.example.com": 1.5}  # read back from the robots row
    assert report["most_requests_in_60s"] <= 60 / 1.5 + 1
    [robots, tdmrep] = report["policy_files"]
    assert robots["outcome"] == "parsed" and "crawl-delay 1.5 s" in robots["detail"]
    assert robots["digest"].startswith("sha1:")


def test_text_report_domain_and_time_filters(crawled):
    _, crawl = crawled
    text = audit_command(crawl, "--domain", "example.com")
    assert text.returncode == 0
    assert "Hosts: blog.example.com, www.example.com" in text.stdout
    assert "Highest request rate: shortest gap between request starts to one host" in text.stdout
    long_ago = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert "No audit record" in audit_command(crawl, "--host", "www.example.com", "--until", long_ago).stdout
    assert audit_command(crawl, "--host", "x", "--domain", "y").returncode != 0


def test_one_info_line_per_skipped_url_and_no_forged_line(crawled):
    _, crawl = crawled
    lines = crawl.log.splitlines()
    skips = [line for line in lines if "INFO: Skipped (" in line]
    assert len(skips) == len({line.split("INFO: ", 1)[1] for line in skips})
    assert sum(1 for row in crawl.audit() if row["event"] == "skip") == len(skips)
    for marker in ("INJECTED-PERCENT", "INJECTED-RAW", "INJECTED-SCOPE"):
        carrying = [line for line in lines if marker in line]
        assert carrying, marker
        for line in carrying:
            assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[", line), line
    assert not any(line.lstrip().startswith("INJECTED") for line in lines)


def test_progress_lines_and_per_host_summary(crawled):
    _, crawl = crawled
    assert re.search(r"INFO: Progress: \d+ requests \(\d+/min\), \d+ documents stored, \d+ bytes written; "
                     r"skipped: .*; hosts: \d+ active, \d+ paused, \d+ given up", crawl.log)
    assert "Per-host summary (3 hosts" in crawl.log
    assert re.search(r"Host www\.example\.com: \d+ requests, 3 stored, \d+ skipped, 0 pauses", crawl.log)


AUDIT_CHARTS = {"chart-per-hour", "chart-gaps", "chart-skips", "chart-robots"}
AUDIT_NUMBERS = ("requests", "pages_fetched", "stored", "failed_requests", "shortest_gap_seconds",
                 "most_requests_in_60s")


def test_html_report_draws_its_charts_and_shows_the_json_numbers(crawled, tmp_path):
    _, crawl = crawled
    page = tmp_path / "report.html"
    result = audit_command(crawl, "--domain", "example.com", "--html", str(page))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Audit of domain example.com")  # the text report still printed
    report = audit_json(crawl, "--domain", "example.com", "--urls")
    text = page.read_text(encoding="utf-8")
    assert loads_nothing(text) and "Content-Security-Policy" in text
    shown = open_report(page, tmp_path / "browser")
    assert set(shown.boxes) == AUDIT_CHARTS
    assert all(shown.charts_drawn().values()), shown.charts_drawn()
    assert not shown.drawn([0, 0, 100, 1000])  # the check can fail: the page's margin is blank
    for key in AUDIT_NUMBERS:
        assert shown.numbers[key] and all(value == report[key] for value in shown.numbers[key]), key
    for url in report["urls"]:
        assert url["url"] in shown.dom
    assert "\nINJECTED" not in text and "<td>INJECTED" not in text
    assert "crawl-delay 1.5 s" in shown.dom and "sha1:" in shown.dom


def test_html_report_without_matplotlib_is_one_error_line_naming_the_extra(crawled, tmp_path):
    _, crawl = crawled
    without = "import sys; sys.modules['matplotlib'] = None; sys.argv[0] = 'scrapy'; import scrapy.cmdline as c; c.execute()"
    page = tmp_path / "report.html"
    result = subprocess.run([sys.executable, "-c", without, "audit", str(crawl.out / "audit"), "--host",
                             "www.example.com", "--html", str(page)], cwd=REPO, env=crawl_env(None),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("error: scrapy audit --html draws its charts with matplotlib") and "'.[report]'" in line
    assert list(tmp_path.iterdir()) == []


def test_audit_needs_a_folder_with_shards(tmp_path):
    result = subprocess.run([sys.executable, "-m", "scrapy", "audit", str(tmp_path), "--host", "x"],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stderr.startswith("error: no audit shards")


def test_summary_rate_window():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [{"time": start + timedelta(seconds=s), "event": "request", "host": "h", "crawl_id": "c",
             "url": f"http://h/{s}", "status": 200, "reason": None, "detail": None, "digest": None, "gap": None}
            for s in (0, 2, 4, 61, 61.5, 200)]
    summary = summarize(rows)
    assert summary["shortest_gap_seconds"] == 0.5
    assert summary["most_requests_in_60s"] == 4  # 2, 4, 61 and 61.5 lie within 60 s
    assert summary["requests_per_hour"] == {"2026-01-01T00:00Z": 6}
