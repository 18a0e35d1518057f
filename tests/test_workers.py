"""Many workers, one polite crawl: `scrapy crawl web` processes sharing a
frontier in a real Redis server, against a local multi-host web whose
robots.txt asks for Crawl-delay: 1. Everything is judged from what the
web's own log saw and from the shards on disk."""

import collections
import json
import signal
import subprocess
import sys
import time

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from crawler.localweb import LocalWeb, Reply, Site, html
from crawler.shards import MANIFESTS, STAGING, control_dir
from crawler.sharedfrontier import SharedFrontier
from tests.redisserver import RedisServer
from tests.support import REPO, crawl_command, crawl_env

HOSTS = [f"site{i}.example.com" for i in range(4)]
PAGES = 20
DELAY = 1.0
POLICY = {"/robots.txt", "/.well-known/tdmrep.json"}


def site(host: str, pages: int = PAGES) -> Site:
    """Page i links to pages 3i+1..3i+3: every page reachable from the home page
    (on the walled host, but through the challenge it serves for /p2)."""
    found = Site({"/robots.txt": Reply(body=f"User-agent: *\nCrawl-delay: {DELAY:g}\n".encode(),
                                       content_type="text/plain"),
                  "/.well-known/tdmrep.json": Reply(status=404)})
    for i in range(pages):
        links = "".join(f'<a href="/p{j}">{j}</a>' for j in range(3 * i + 1, min(3 * i + 4, pages)))
        found["/" if i == 0 else f"/p{i}"] = html(f"<main><h1>{host} page {i}</h1>{links}</main>")
    if host == WALLED:
        found["/p2"] = Reply(status=403, headers=[("cf-mitigated", "challenge")], body=b"<p>Just a moment</p>")
    return found


def expected(pages: int = PAGES) -> set[str]:
    return {f"http://{h}/" if i == 0 else f"http://{h}/p{i}" for h in HOSTS for i in range(pages)}


WALLED = "walled.example.com"
PAUSE = 4.0  # BACKOFF_CHALLENGE_PAUSE for the walled host
EXPECTED = expected()
BEHIND_THE_WALL = {2, 7, 8, 9}  # the challenged page and the pages only it links to
EXPECTED_WITH_WALL = EXPECTED | {f"http://{WALLED}/" if i == 0 else f"http://{WALLED}/p{i}"
                                 for i in range(PAGES) if i not in BEHIND_THE_WALL}


@pytest.fixture
def web():
    served = LocalWeb({h: site(h) for h in HOSTS}).start()
    yield served
    served.stop()


def start_worker(web, out, redis_url, worker, seeds, **settings):
    settings = {"FRONTIER_REDIS_URL": redis_url, "CRAWL_ID": "shared", "WORKER_ID": worker,
                "PARQUET_FILE_SECONDS": 1, "AUDIT_FILE_SECONDS": 1, "PROGRESS_INTERVAL": 0,
                "FRONTIER_WORKER_TIMEOUT": 3, **settings}
    seed_list = ",".join(f"http://{h}/" for h in seeds)
    return subprocess.Popen(crawl_command(seed_list, out, settings), cwd=REPO, env=crawl_env(web),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish(process, timeout=240):
    _, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    assert "Traceback" not in err and " ERROR: " not in err, err[-3000:]
    return err


def stopped_with_one_error(process, timeout=120):
    """The worker exited with code 1 and one `error:` line, no traceback; that line."""
    _, err = process.communicate(timeout=timeout)
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert process.returncode == 1 and len(errors) == 1, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    return errors[0]


def shards_of(out, worker):
    return sorted(path.name for path in (out / "documents").glob(f"shared-{worker}-*.parquet"))


def assert_whole_shards_only(folder):
    """Nothing half-written in a dataset folder: only published shards, each readable."""
    files = list(folder.iterdir())
    assert files and all(path.name.endswith(".parquet") for path in files), [path.name for path in files]
    for path in files:
        pq.read_table(path)


def together(*webs):
    """What several servers of the same sites saw, as one log (for assert_polite)."""
    seen = LocalWeb({})
    seen.log = [s for web in webs for s in web.log]
    return seen


def stored(out):
    table = ds.dataset(out / "documents", format="parquet").to_table(columns=["url"])
    return collections.Counter(table.column("url").to_pylist())


def published_rows(out):
    manifests = (control_dir(out / "documents") / MANIFESTS).glob("*.json")
    return sum(json.loads(path.read_text())["rows"] for path in manifests)


def assert_polite(web, hosts=HOSTS):
    """Server-side: per host, starts at least the Crawl-delay apart, never two
    requests open at once, robots.txt and tdmrep.json fetched once, first."""
    for host in hosts:
        seen = sorted(web.requests(host), key=lambda s: s.start)
        gaps = [b.start - a.start for a, b in zip(seen, seen[1:])]
        assert min(gaps) >= DELAY, (host, min(gaps))
        assert all(b.start >= a.end for a, b in zip(seen, seen[1:])), host
        paths = [s.path for s in seen]
        assert paths.count("/robots.txt") == 1 and paths.count("/.well-known/tdmrep.json") == 1, (host, paths)
        assert paths[0] == "/robots.txt"


def status(redis_url):
    result = subprocess.run([sys.executable, "-m", "scrapy", "frontier", "status", "--json",
                             "-s", f"FRONTIER_REDIS_URL={redis_url}", "-s", "CRAWL_ID=shared"],
                            cwd=REPO, env=crawl_env(None), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_three_workers_crawl_once_politely_with_their_seeds_merged(serve, redis_url, tmp_path):
    web = serve({h: site(h) for h in [*HOSTS, WALLED]})
    out = tmp_path / "out"
    pause = {"BACKOFF_CHALLENGE_PAUSE": PAUSE}
    workers = [start_worker(web, out, redis_url, "w1", HOSTS[:2], **pause),
               start_worker(web, out, redis_url, "w2", [*HOSTS[2:], WALLED], **pause),
               start_worker(web, out, redis_url, "w3", [HOSTS[1], WALLED], **pause)]
    logs = [finish(worker) for worker in workers]
    counts = stored(out)
    assert set(counts) == EXPECTED_WITH_WALL and max(counts.values()) == 1
    assert_polite(web, [*HOSTS, WALLED])
    pages = [s for s in web.log if s.path not in POLICY]
    assert len(pages) == len(EXPECTED_WITH_WALL) + 1  # nothing fetched twice; the challenge once
    walled = sorted(web.requests(WALLED), key=lambda s: s.start)
    challenge = next(i for i, s in enumerate(walled) if s.path == "/p2")
    assert walled[challenge + 1].start - walled[challenge].start >= PAUSE  # the pause held for every worker
    names = {path.name.rsplit("-", 1)[0] for path in (out / "documents").glob("*.parquet")}
    assert names == {"shared-w1", "shared-w2", "shared-w3"}, names  # every worker did its share
    assert any("robots/shared" in log for log in logs)  # a policy fetched by one worker, used by another
    audit = ds.dataset(out / "audit", format="parquet").to_table(columns=["event", "host", "url", "gap"]).to_pylist()
    assert {r["url"] for r in audit if r["event"] == "stored"} == EXPECTED_WITH_WALL
    assert [r["event"] for r in audit if r["host"] == WALLED and r["event"] in ("pause", "resume")] in (
        ["pause", "resume"], ["resume", "pause"])  # once each, whichever workers saw them
    requests = [r for r in audit if r["event"] == "request"]
    assert len(requests) == len(web.log)
    assert min(r["gap"] for r in requests if r["gap"] is not None) >= DELAY  # the gap across workers
    report = status(redis_url)
    assert report["workers_alive"] == [] and report["urls_pending"] == 0
    assert report["urls_seen"] == len(EXPECTED_WITH_WALL) + 1
    trail = subprocess.run([sys.executable, "-m", "scrapy", "audit", str(out / "audit"), "--host", HOSTS[0], "--json"],
                           cwd=REPO, env=crawl_env(None), capture_output=True, text=True, timeout=60)
    summary = json.loads(trail.stdout)  # every worker's audit shards, read as one trail
    assert summary["requests"] == len(web.requests(HOSTS[0])) and len(summary["policy_files"]) == 2
    shown = subprocess.run([sys.executable, "-m", "scrapy", "frontier", "status", "-s", f"FRONTIER_REDIS_URL={redis_url}",
                            "-s", "CRAWL_ID=shared"], cwd=REPO, env=crawl_env(None), capture_output=True, text=True)
    assert "workers alive: 0" in shown.stdout and f"{len(EXPECTED_WITH_WALL) + 1} seen, 0 pending" in shown.stdout


def test_a_worker_killed_mid_crawl_leaves_its_work_to_the_others(web, redis_url, tmp_path):
    out = tmp_path / "out"
    workers = [start_worker(web, out, redis_url, f"w{i}", HOSTS) for i in (1, 2, 3)]
    deadline = time.monotonic() + 120
    while published_rows(out) < len(EXPECTED) // 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    victim = workers[1]
    running = status(redis_url)
    assert sorted(running["workers_alive"]) == ["w1", "w2", "w3"] and running["urls_pending"] > 0
    victim.send_signal(signal.SIGKILL)  # mid-crawl, and never started again
    victim.wait()
    logs = [finish(worker) for worker in (workers[0], workers[2])]
    assert any("Worker w2 presumed dead" in log for log in logs)
    counts = stored(out)
    assert set(counts) == EXPECTED
    assert max(counts.values()) == 1, [url for url, n in counts.items() if n > 1]
    assert_polite(web)
    staging = control_dir(out / "documents") / STAGING
    assert {p.name.split("-")[1] for p in staging.iterdir()} <= {"w2"}  # only the dead worker's unfinished file
    assert status(redis_url)["urls_pending"] == 0


def test_without_redis_a_second_process_of_the_same_crawl_stops_with_one_error(serve, tmp_path):
    slow = serve({"www.example.com": Site({"/robots.txt": Reply(status=404), "/": html("<p>home</p>", delay=4)})})
    out = tmp_path / "out"
    settings = {"CRAWL_ID": "same", "DOWNLOAD_DELAY": 0}
    first = subprocess.Popen(crawl_command("http://www.example.com/", out, settings), cwd=REPO,
                             env=crawl_env(slow), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(s.path == "/" for s in slow.log) and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.run(crawl_command("http://www.example.com/", out, settings), cwd=REPO,
                            env=crawl_env(slow), capture_output=True, text=True, timeout=120)
    errors = [line for line in second.stderr.splitlines() if line.startswith("error: ")]
    assert second.returncode == 2 and len(errors) == 1 and "crawl same is being written" in errors[0]
    finish(first)
    assert stored(out) == {"http://www.example.com/": 1}


def test_a_worker_admits_requests_as_the_single_process_frontier_does(web, redis_url, tmp_path):
    """The shared frontier lets in what the single-process one does: a host
    erased on request is never asked for anything, robots.txt included."""
    out = tmp_path / "out"
    out.mkdir()
    denylist = out / "forgotten.txt"
    denylist.write_text(f"host {HOSTS[1]}\n")
    worker = start_worker(web, out, redis_url, "w1", HOSTS[:2], PRIVACY_DENYLIST=denylist)
    err = finish(worker)
    assert web.requests(HOSTS[1]) == []
    assert f"Skipped (forgotten) http://{HOSTS[1]}/: erased on request: host entry on line 1" in err
    assert {url for url in stored(out)} == {u for u in EXPECTED if f"//{HOSTS[0]}/" in u}


def test_a_redirect_to_a_url_already_queued_settles_the_url_that_redirected(serve, redis_url, tmp_path):
    """As in the single-process frontier: the target of a redirect that this
    worker had queued already is not queued again, and the URL that
    redirected needs nothing more, so the crawl ends with nothing pending."""
    web = serve({"www.example.com": Site({
        "/robots.txt": Reply(status=404),
        "/": html('<main><h1>home</h1><a href="/target">target</a> <a href="/moved">moved</a></main>'),
        "/moved": Reply(status=301, headers=[("Location", "http://www.example.com/target")]),
        "/target": html("<main><h1>the target page</h1></main>"),
    })})
    out = tmp_path / "out"
    worker = start_worker(web, out, redis_url, "w1", ["www.example.com"], CLOSESPIDER_TIMEOUT=30)
    err = finish(worker)
    assert "closespider_timeout" not in err
    assert stored(out) == {"http://www.example.com/": 1, "http://www.example.com/target": 1}
    assert [s.path for s in web.requests("www.example.com")].count("/target") == 1
    assert status(redis_url)["urls_pending"] == 0


def test_a_worker_frozen_past_the_timeout_is_fenced_and_stops_with_one_error(serve, redis_url, tmp_path):
    """A worker stopped (SIGSTOP) for longer than FRONTIER_WORKER_TIMEOUT is
    reaped by the others; woken, it finds itself fenced: it sends and
    publishes nothing more and stops with one error line. It goes through
    a server of its own (the same sites), so that its requests are told apart."""
    pages = 12  # a crawl of about 12 s, long enough to freeze a worker for 3 s and more
    sites = {h: site(h, pages) for h in HOSTS}
    web, own = serve(sites), serve(sites)
    out = tmp_path / "out"
    victim = start_worker(own, out, redis_url, "w2", HOSTS)  # first: surely mid-crawl when it is stopped
    workers = [victim]
    try:
        deadline = time.monotonic() + 60
        while not any(s.path not in POLICY for s in own.log) and time.monotonic() < deadline:
            time.sleep(0.05)
        workers += [start_worker(web, out, redis_url, w, HOSTS) for w in ("w1", "w3")]
        while not (shards_of(out, "w2") and any(s.path not in POLICY for s in web.log)):
            assert time.monotonic() < deadline, (shards_of(out, "w2"), len(own.log), len(web.log))
            time.sleep(0.05)
        victim.send_signal(signal.SIGSTOP)  # once it published pages and the others fetch some too
        frontier = SharedFrontier.connect(redis_url, "shared", "watcher")
        deadline = time.monotonic() + 30
        while True:
            report = frontier.status()
            if "w2" not in report["workers_alive"] + report["workers_dead"]:
                break  # reaped by another worker
            assert time.monotonic() < deadline, report
            time.sleep(0.1)
        assert report["urls_pending"] > 0, report  # the crawl goes on without it
        published, woken = shards_of(out, "w2"), time.time()
        victim.send_signal(signal.SIGCONT)
        error = stopped_with_one_error(victim)
        assert "worker w2 was presumed dead" in error and "start it again to rejoin" in error, error
        assert [s.path for s in own.log if s.start >= woken] == []  # it sent nothing more,
        assert shards_of(out, "w2") == published  # and published nothing more
        logs = [finish(worker) for worker in workers[1:]]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()  # a stopped process too
    assert any("Worker w2 presumed dead" in log for log in logs)
    counts = stored(out)
    assert set(counts) == expected(pages)
    assert max(counts.values()) == 1, [url for url, n in counts.items() if n > 1]
    assert_polite(together(web, own))
    assert frontier.status()["urls_pending"] == 0


def test_workers_stop_when_redis_dies_and_finish_the_crawl_once_it_is_back(serve, tmp_path):
    """Redis killed mid-crawl (with appendfsync always, as the README advises):
    every worker stops with one error line and leaves only whole shards;
    Redis started again on its data, the workers started again finish the
    crawl, every page stored once across the shards of both runs."""
    pages = 8
    web = serve({h: site(h, pages) for h in HOSTS})
    server = RedisServer(tmp_path / "redis", fsync="always").start()
    out = tmp_path / "out"
    first = second = []
    try:
        first = [start_worker(web, out, server.url, w, HOSTS) for w in ("w1", "w2")]
        deadline = time.monotonic() + 60
        while not (shards_of(out, "w1") and shards_of(out, "w2")):
            assert time.monotonic() < deadline, (shards_of(out, "w1"), shards_of(out, "w2"))
            time.sleep(0.05)
        server.kill()  # mid-crawl, once both workers published something, as a crash
        for worker in first:
            assert "the shared frontier cannot be reached" in stopped_with_one_error(worker)
        for folder in (out / "documents", out / "audit"):
            assert_whole_shards_only(folder)
        before = stored(out)
        assert 0 < len(before) < len(expected(pages)) and max(before.values()) == 1
        server.start()  # on the same data and port
        second = [start_worker(web, out, server.url, w, HOSTS) for w in ("w1", "w2")]
        for worker in second:
            finish(worker)
        counts = stored(out)
        assert set(counts) == expected(pages)
        assert max(counts.values()) == 1, [url for url, n in counts.items() if n > 1]
        assert_polite(web)
        assert SharedFrontier.connect(server.url, "shared", "watcher").status()["urls_pending"] == 0
    finally:
        for worker in first + second:
            if worker.poll() is None:
                worker.kill()
        server.stop()
