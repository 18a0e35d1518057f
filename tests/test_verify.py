"""`scrapy verify`: access logs in every supported format, built from a real
local crawl's server-side request log, plus requests that carry the
crawler's User-Agent from another client and at another time."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import settings
from crawler.localweb import LocalWeb, Reply, Site, html
from crawler.verify import summary_line
from tests import accesslogs
from tests.browser import loads_nothing, open_report
from tests.support import REPO, crawl_env, run_crawl

WWW, BLOG = "www.example.com", "blog.example.com"
ROBOTS = b"User-agent: *\nCrawl-delay: 1\nDisallow: /private/\n"
UA = settings.USER_AGENT
IMPOSTOR = "198.51.100.23"
HOSTILE_AGENT = "PoliteCrawler/0.1 \x1b[31mEVIL\nverified: 999 requests by this crawler"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def sites():
    answered = []

    def slow_down(seen):
        answered.append(seen)
        if len(answered) == 1:
            return Reply(status=429, headers=[("Retry-After", "1")], body=b"slow down")
        return html("<p>patience rewarded</p>")

    return {
        WWW: Site({
            "/robots.txt": Reply(body=ROBOTS, content_type="text/plain"),
            "/": html('<a href="/a">a</a> <a href="/b">b</a> <a href="/private/x">p</a> '
                      '<a href="/busy">busy</a> <a href="/members">members</a>'),
            "/a": html("<p>a</p>"), "/b": html("<p>b</p>"),
            "/busy": slow_down,
            "/members": Reply(status=401, headers=[("WWW-Authenticate", 'Basic realm="x"')], body=b"no"),
        }),
        BLOG: Site({"/robots.txt": Reply(status=404), "/": html('<a href="/post">post</a>'),
                    "/post": html("<p>post</p>")}),
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    out = tmp_path_factory.mktemp("verify")
    with LocalWeb(sites()) as web:
        crawl = run_crawl(web, f"http://{WWW}/,http://{BLOG}/", out, settings={"CRAWL_PURPOSE": "search"})
    assert crawl.returncode == 0, crawl.log
    seen = [s for s in web.requests() if s.end is not None]
    assert {s.status for s in seen} >= {200, 401, 429}
    (out / "robots.txt").write_bytes(ROBOTS)
    return out, seen


def injected(seen):
    """Requests carrying the crawler's name that it did not make: another
    client, two hours after the crawl, on URLs it did and did not fetch."""
    later = max(s.start for s in seen) + 7200
    return [(later + i * 0.5, host, target, agent) for i, (host, target, agent) in enumerate([
        (WWW, "/a", UA), (WWW, "/private/x", UA), (WWW, "/robots.txt", UA), (BLOG, "/", UA),
        (WWW, "/wp-login.php?x=\x1b]0;owned\x07", HOSTILE_AGENT),
    ])]


def others(seen):
    """Another visitor on the same pages at the same time: not the crawler's name."""
    return [(s.start + 0.2, s.host, s.target, BROWSER) for s in seen[:3]]


def shortest_gap(times_by_host):
    gaps = [b - a for times in times_by_host.values() for a, b in zip(sorted(times), sorted(times)[1:])]
    return min(gaps)


def by_host(seen, moment, hosts=(WWW, BLOG)):
    found = {}
    for s in seen:
        if s.host in hosts:
            found.setdefault(s.host, []).append(moment(s))
    return found


GARBAGE = ["", "not an access log line", '127.0.0.1 - - [31/Foo/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1',
           "\x00\x01\x02 binary \udcff"]


def build(fmt, seen, folder: Path) -> tuple[list[Path], list[str], dict]:
    """The log files of one format, extra command arguments, and what verify must find."""
    lines: list[tuple[float, str]] = []
    extra: list[str] = []
    hosts = (WWW, BLOG)
    if fmt == "nginx":  # no virtual host: one host's log, --host needed
        hosts, extra = (WWW,), ["--host", WWW]
        for s in seen:
            if s.host == WWW:
                lines.append((s.end, accesslogs.nginx(s.end, s.target, s.status, s.headers["user-agent"])))
        for at, host, target, agent in injected(seen) + others(seen):
            if host == WWW:
                lines.append((at, accesslogs.nginx(at, target, 200, agent, client=IMPOSTOR if agent != BROWSER
                                                   else "192.0.2.8")))
        expected_times = by_host(seen, lambda s: int(s.end), hosts)
    elif fmt == "nginx-vhost":
        for s in seen:
            lines.append((s.end, accesslogs.nginx(s.end, s.target, s.status, s.headers["user-agent"], vhost=s.host)))
        for at, host, target, agent in injected(seen) + others(seen):
            lines.append((at, accesslogs.nginx(at, target, 200, agent, vhost=host, client=IMPOSTOR)))
        expected_times = by_host(seen, lambda s: int(s.end))
    elif fmt in ("apache-vhost", "apache-common"):
        common = fmt == "apache-common"
        for s in seen:
            lines.append((s.start, accesslogs.apache(s.start, s.target, s.status,
                                                     None if common else s.headers["user-agent"], vhost=s.host)))
        for at, host, target, agent in injected(seen) + others(seen):
            lines.append((at, accesslogs.apache(at, target, 200, None if common else agent, vhost=host,
                                                client=IMPOSTOR)))
        expected_times = by_host(seen, lambda s: int(s.start))
    else:
        assert fmt == "caddy"
        for s in seen:
            lines.append((s.end, accesslogs.caddy(s.end, s.end - s.start, s.host, s.target, s.status,
                                                  s.headers["user-agent"])))
        for at, host, target, agent in injected(seen) + others(seen):
            lines.append((at, accesslogs.caddy(at, 0.001, host, target, 200, agent, client=IMPOSTOR)))
        expected_times = by_host(seen, lambda s: s.start)
    lines.sort(key=lambda pair: pair[0])
    text = [line for _, line in lines]
    half = len(text) // 2
    first, second = folder / f"{fmt}.log.1.gz", folder / f"{fmt}.log"
    with gzip.open(first, "wt", encoding="utf-8", newline="\n") as out:
        out.write("\n".join(text[:half] + GARBAGE[:2]) + "\n")
    second.write_bytes("\n".join(text[half:] + GARBAGE[2:]).encode("utf-8", "surrogateescape") + b"\n")
    crawler_lines = sum(1 for s in seen if s.host in hosts)
    impostor_lines = sum(1 for _, host, _, _ in injected(seen) if host in hosts)
    expected = {
        "matched": crawler_lines,
        "unmatched": 0 if fmt == "apache-common" else impostor_lines,
        "min_gap_seconds": shortest_gap(expected_times),
        "invalid_lines": len(GARBAGE) - 1,  # a blank line is not invalid
    }
    return [first, second], extra, expected


def verify(*args, web=None):
    return subprocess.run([sys.executable, "-m", "scrapy", "verify", *map(str, args)], cwd=REPO,
                          env=crawl_env(web), capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("fmt", ["nginx", "nginx-vhost", "apache-vhost", "apache-common", "caddy"])
def test_verify_matches_the_crawl_and_reports_exactly_the_injected_requests(fmt, crawled, tmp_path):
    out, seen = crawled
    logs, extra, expected = build(fmt, seen, tmp_path)
    result = verify(*logs, "--audit", out / "audit", "--robots", out / "robots.txt", *extra, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["matched"] == expected["matched"]
    assert report["unmatched"] == expected["unmatched"]
    assert report["min_gap_seconds"] == pytest.approx(expected["min_gap_seconds"], abs=0.002)
    assert report["disallowed_fetched"] == 0 and report["disallowed_urls"] == []
    assert report["invalid_lines"] == expected["invalid_lines"]
    assert report["audit"]["not_in_log"] == 0
    if expected["unmatched"]:
        [impostor] = report["unmatched_clients"]
        assert impostor["client"] == IMPOSTOR and impostor["requests"] == expected["unmatched"]
    else:
        assert report["without_user_agent"] == expected["matched"] + len(injected(seen)) + len(others(seen))
    assert report["max_requests_per_minute"] >= 3
    statuses = report["statuses"]
    assert statuses["429"] == 1 and statuses["401"] == 1
    refusals = {f["status"]: f["retried_after_seconds"] for f in report["refusals"]}
    assert refusals[401] is None  # a login wall is not asked again
    assert refusals[429] >= 1 - report["time_precision_seconds"]  # asked again after Retry-After: 1
    hosts = report["hosts"]
    assert hosts[WWW]["crawl_delay"] == 1 and hosts[WWW]["gaps_below_crawl_delay"] == 0


def test_text_report_starts_with_the_summary_line_and_escapes_hostile_bytes(crawled, tmp_path):
    out, seen = crawled
    logs, _, expected = build("nginx-vhost", seen, tmp_path)
    result = verify(*logs, "--audit", out / "audit", "--robots", out / "robots.txt")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (f"verified: {expected['matched']} requests by this crawler, {expected['unmatched']} not by "
                        f"this crawler, shortest gap {expected['min_gap_seconds']:g} s, 0 disallowed URLs fetched")
    assert sum(line.startswith("verified:") for line in lines) == 1  # the hostile User-Agent forged none
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b[31mEVIL\\x0averified: 999" in result.stdout
    assert f"{IMPOSTOR}  {expected['unmatched']} requests" in result.stdout
    assert "the version the crawler read at" in result.stdout


def test_without_robots_disallowed_urls_are_not_judged_and_it_says_why(crawled, tmp_path):
    out, seen = crawled
    logs, _, _ = build("caddy", seen, tmp_path)
    report = json.loads(verify(*logs, "--audit", out / "audit", "--json").stdout)
    assert report["disallowed_fetched"] is None
    assert report["hosts"][WWW]["crawl_delay"] == 1  # read back from the audit's robots.txt rows
    text = verify(*logs, "--audit", out / "audit").stdout
    assert "disallowed URLs not judged (give --robots)" in text.splitlines()[0]
    assert "digests), not their text; give --robots FILE" in text


def test_robots_disallowing_what_was_fetched_is_reported(crawled, tmp_path):
    out, seen = crawled
    logs, _, _ = build("caddy", seen, tmp_path)
    stricter = tmp_path / "robots.txt"
    stricter.write_text("User-agent: PoliteCrawler\nDisallow: /a\nCrawl-delay: 5\n")
    report = json.loads(verify(*logs, "--audit", out / "audit", "--robots", stricter, "--json").stdout)
    assert report["disallowed_fetched"] == 1
    [disallowed] = report["disallowed_urls"]
    assert disallowed["url"] == f"http://{WWW}/a" and "Disallow: /a (line 2)" in disallowed["rule"]
    assert report["robots"]["same_as_read_at"] == []
    assert report["hosts"][WWW]["gaps_below_crawl_delay"] > 0


def test_robots_from_a_url_is_fetched_once_through_a_plain_get(crawled, tmp_path, serve):
    out, seen = crawled
    logs, _, _ = build("caddy", seen, tmp_path)
    web = serve({WWW: Site({"/robots.txt": Reply(body=ROBOTS, content_type="text/plain")})})
    result = verify(*logs, "--audit", out / "audit", "--robots", f"http://{WWW}/robots.txt", "--json", web=web)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["disallowed_fetched"] == 0 and report["robots"]["same_as_read_at"]
    [request] = web.requests()
    assert request.target == "/robots.txt" and request.headers["user-agent"] == UA


def test_a_clock_off_by_more_than_the_tolerance_matches_nothing_until_widened(crawled, tmp_path):
    out, seen = crawled
    skewed = [(s.end + 30, accesslogs.nginx(s.end + 30, s.target, s.status, UA, vhost=s.host)) for s in seen]
    log = tmp_path / "skewed.log"
    log.write_text("\n".join(line for _, line in skewed) + "\n")
    report = json.loads(verify(log, "--audit", out / "audit", "--json").stdout)
    assert report["matched"] == 0 and report["unmatched"] == len(seen)
    widened = json.loads(verify(log, "--audit", out / "audit", "--tolerance", "40", "--json").stdout)
    assert widened["matched"] == len(seen) and widened["unmatched"] == 0


def test_a_log_naming_no_host_needs_host_when_the_audit_has_several(crawled, tmp_path):
    out, seen = crawled
    logs, _, _ = build("nginx", seen, tmp_path)
    result = verify(*logs, "--audit", out / "audit", "--json")
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and line.endswith("names no host (a log without a virtual host field) "
                                                       "and the audit does not cover exactly one host: give --host HOST")


def test_requests_missing_from_the_log_and_a_truncated_gzip_are_reported(crawled, tmp_path):
    out, seen = crawled
    www = sorted((s for s in seen if s.host == WWW), key=lambda s: s.start)
    kept = [www[0], *www[3:]]  # two of the crawler's requests missing, inside the log's time span
    lines = [accesslogs.caddy(s.end, s.end - s.start, s.host, s.target, s.status, UA) for s in kept]
    lines += [accesslogs.caddy(kept[-1].end, 0.01, WWW, f"/{i}", 200, BROWSER) for i in range(300)]
    whole = gzip.compress(("\n".join(lines) + "\n").encode())
    cut = tmp_path / "cut.log.gz"
    cut.write_bytes(whole[: len(whole) - 12])  # the gzip trailer and a little data lost
    result = verify(cut, "--audit", out / "audit", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    [log] = report["logs"]
    assert log["note"].startswith("unreadable after line ") and len(kept) < log["lines"] < len(lines)
    assert report["matched"] == len(kept)
    assert report["audit"]["not_in_log"] == 2  # not blog.example.com's requests: the log names www only


VERIFY_NUMBERS = ("matched", "unmatched", "min_gap_seconds", "max_requests_per_minute", "disallowed_fetched",
                  "lines", "invalid_lines", "time_precision_seconds", "tolerance_seconds")


def test_html_report_draws_its_charts_and_shows_the_json_numbers(crawled, tmp_path):
    out, seen = crawled
    logs, _, expected = build("apache-vhost", seen, tmp_path)
    page = tmp_path / "verify.html"
    result = verify(*logs, "--audit", out / "audit", "--robots", out / "robots.txt", "--html", page, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    text = page.read_text(encoding="utf-8")
    assert loads_nothing(text) and "\x1b" not in text and "\x07" not in text
    shown = open_report(page, tmp_path / "browser")
    assert set(shown.boxes) == {"chart-per-hour", "chart-gaps", "chart-statuses"}
    assert all(shown.charts_drawn().values()), shown.charts_drawn()
    for key in VERIFY_NUMBERS:
        assert shown.numbers[key] == [report[key]], key
    assert shown.numbers["not_in_log"] == [report["audit"]["not_in_log"]]
    assert report["matched"] == expected["matched"] and report["unmatched"] == expected["unmatched"]
    assert f">{summary_line(report)}<" in shown.dom
    assert IMPOSTOR in shown.dom and "\\x1b[31mEVIL" in shown.dom


def big_log(path: Path, seen, total: int, impostors: int) -> None:
    """A gzipped combined log of `total` lines over the day before the crawl:
    the crawl's own requests, `impostors` lines carrying the crawler's name
    from 200 other addresses, and other visitors for the rest."""
    crawl = [accesslogs.nginx(s.end, s.target, s.status, s.headers["user-agent"], vhost=s.host) for s in seen]
    start = min(s.start for s in seen) - 86400
    step = 86400 / total
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
        chunk, stamp, second = [], "", -1
        for i in range(total - len(crawl)):
            moment = start + i * step
            if int(moment) != second:
                second, stamp = int(moment), accesslogs.clf_time(moment, 1)
            host = WWW if i % 3 else BLOG
            impostor, other = divmod(i, total // impostors)
            if other == 0 and impostor < impostors:
                client, agent = f"198.51.{impostor % 200 // 100}.{impostor % 100}", UA
            else:
                client, agent = f"192.0.2.{i % 250}", BROWSER
            chunk.append(f'{host} {client} - - [{stamp}] "GET /articles/{i % 5000}?page={i % 7} HTTP/1.1" '
                         f'200 {1000 + i % 9000} "https://{host}/" "{agent}"\n')
            if len(chunk) == 10_000:
                out.writelines(chunk)
                chunk = []
        out.writelines(chunk + [line + "\n" for line in crawl])


def timed_verify(log: Path, out: Path, folder: Path) -> tuple[dict, float, int]:
    """verify's report, wall time and own peak RSS (VmHWM, via tests/counting.py)."""
    counts = folder / f"{log.stem}.counts.json"
    env = {**crawl_env(None), "COUNTS_FILE": str(counts)}
    began = time.monotonic()
    result = subprocess.run([sys.executable, "tests/counting.py", "verify", str(log), "--audit", str(out / "audit"),
                             "--json"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - began
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), elapsed, json.loads(counts.read_text())["peak_rss"]


def test_a_million_line_log_is_verified_in_bounded_memory(crawled, tmp_path):
    out, seen = crawled
    small, big = tmp_path / "small.log.gz", tmp_path / "big.log.gz"
    began = time.monotonic()
    big_log(small, seen, 100_000, 5_000)
    big_log(big, seen, 1_000_000, 50_000)
    made = time.monotonic() - began
    small_report, small_time, small_peak = timed_verify(small, out, tmp_path)
    report, elapsed, peak = timed_verify(big, out, tmp_path)
    print(f"\n1,000,000 lines ({big.stat().st_size / 1e6:.1f} MB gzipped, made in {made:.1f} s): verified in "
          f"{elapsed:.1f} s, peak RSS {peak / 2**20:.0f} MB; 100,000 lines: {small_time:.1f} s, "
          f"{small_peak / 2**20:.0f} MB")
    assert report["lines"] == 1_000_000 and report["invalid_lines"] == 0
    assert report["matched"] == len(seen) and report["unmatched"] == 50_000
    assert len(report["unmatched_clients"]) == 200
    assert small_report["matched"] == len(seen) and small_report["unmatched"] == 5_000
    assert peak < 300 * 2**20
    assert peak - small_peak < 30 * 2**20  # ten times the lines, about the same memory
    assert elapsed < 60
