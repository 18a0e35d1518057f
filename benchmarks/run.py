"""The benchmark suite: this crawler against stock Scrapy and a bare HTTP
client (and on light pages the floor, a Scrapy spider that does nothing) on
the same local multi-host web, side by side in one run.

    .venv/bin/python -m benchmarks.run                   # efficiency, light pages, politeness (~15 min)
    .venv/bin/python -m benchmarks.run scale             # peak memory at 10,000 and 100,000 pages (~10 min)
    .venv/bin/python -m benchmarks.run workers           # 1, 2 and 4 workers in Redis, and a control (~12 min)
    .venv/bin/python -m benchmarks.run efficiency politeness scale workers    # all four

Absolute times on a shared machine are noisy: each crawl runs several times
and medians and ratios are reported. A crawler's CPU is counted from the
moment the web serves it its first page to its exit: start-up imports are
left out, shutdown and the final shard writes are in.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from benchmarks.web import host_name, seeds
from crawler.localweb import LocalWeb, Reply, Site, html

ROOT = Path(__file__).resolve().parents[1]
STOCK = ROOT / "benchmarks" / "stock"
TICKS = os.sysconf("SC_CLK_TCK")
PARTS = ("efficiency", "light", "politeness", "scale", "workers")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Web:
    """The benchmark web in a process of its own, so its CPU is not counted."""

    def __init__(self, hosts: int, pages: int, light: bool = False, crawl_delay: float | None = None,
                 log: Path | None = None) -> None:
        self.hosts, self.pages, self.log = hosts, pages, log
        options = ["--light"] if light else []
        options += ["--crawl-delay", str(crawl_delay)] if crawl_delay is not None else []
        options += ["--log", str(log)] if log is not None else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.web", "--hosts", str(hosts), "--pages", str(pages), *options],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )
        self.port = int(self.process.stdout.readline().split()[1])  # type: ignore[union-attr]
        self.proxy = f"http://127.0.0.1:{self.port}"
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": self.proxy}))

    def served(self) -> int:
        return int(self.opener.open("http://stats.bench/", timeout=10).read())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()

    def requests(self) -> list[tuple[str, str, float, float]]:
        """(host, path, start, end) of every request, once stopped with a log."""
        assert self.log is not None
        return [tuple(r) for r in json.loads(self.log.read_text())]


def crawl_command(kind: str, seed_list: str, out: Path) -> tuple[list[str], Path, dict[str, str]]:
    spider = {"ours": "web", "stock": "follow", "floor": "floor"}[kind]
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"seeds={seed_list}", "-s", "LOG_LEVEL=WARNING"]
    if kind == "ours":
        return [*command, "-s", f"PARQUET_DIR={out / 'documents'}", "-s", f"AUDIT_DIR={out / 'audit'}"], ROOT, {}
    if kind == "floor":  # stores nothing; the crawler's proxy middleware comes from the repository
        return command, STOCK, {"PYTHONPATH": str(ROOT)}
    return command, STOCK, {"STOCK_PARQUET": str(out / "stock.parquet")}


def stored_rows(out: Path, kind: str) -> int:
    if kind == "stock":
        return pq.ParquetFile(out / "stock.parquet").metadata.num_rows
    return sum(pq.ParquetFile(f).metadata.num_rows for f in (out / "documents").glob("*.parquet"))


def shard_bytes(out: Path, kind: str) -> int:
    if kind == "floor":
        return 0
    if kind == "stock":
        return (out / "stock.parquet").stat().st_size
    return sum(f.stat().st_size for f in (out / "documents").glob("*.parquet"))


def run_crawl(proxy: str, hosts: int, served: Callable[[], int], kind: str, out: Path, *,
              milestones: tuple[int, ...] = ()) -> dict[str, Any]:
    """One crawl of the web behind `proxy` from the seeds of its `hosts`;
    CPU, wall time, peak RSS (sampled every 50 ms) and shard bytes, and the
    peak RSS once `served()` has grown by each milestone's number of pages."""
    out.mkdir(parents=True, exist_ok=True)
    seed_file = out / "seeds.txt"
    seed_file.write_text("\n".join(seeds(hosts)) + "\n")
    command, cwd, extra_env = crawl_command(kind, str(seed_file), out)
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(http_proxy=proxy, no_proxy="", **extra_env)
    before = served()
    with open(out / "stderr.log", "w") as err:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
    start_cpu = start = None
    peak = 0.0
    peaks: dict[int, float] = {}
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        try:
            # VmHWM, not wait4's ru_maxrss: Linux carries the parent's peak across fork and exec.
            peak = max(peak, rss_mb(process.pid))
            fetched = served() - before
            if start is None and fetched:
                start_cpu, start = cpu_seconds(process.pid), time.monotonic()
            for milestone in milestones:
                if fetched >= milestone and milestone not in peaks:
                    peaks[milestone] = rss_mb(process.pid)
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    end = time.monotonic()
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{kind} crawl failed:\n{(out / 'stderr.log').read_text()[-3000:]}")
    # The floor stores nothing: its pages are those the web served it, 404s
    # included, as stock stores them.
    pages = served() - before if kind == "floor" else stored_rows(out, kind)
    return {
        "pages": pages,
        "seconds": end - (start or end),
        "cpu": usage.ru_utime + usage.ru_stime - (start_cpu or 0.0),
        "cpu_total": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": peak,
        "milestone_rss_mb": peaks,
        "shard_bytes": shard_bytes(out, kind),
    }


async def _fetch_all(port: int, urls: list[str], connections: int) -> None:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while not queue.empty():
            url = queue.get_nowait()
            writer.write(f"GET {url} HTTP/1.1\r\nHost: {url.split('/')[2]}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length"))
            await reader.readexactly(length)
        writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))


def bare_client(web: Web) -> float:
    """Pages per second a bare HTTP client gets from the web: the web's limit."""
    urls = [f"http://{host_name(h)}/p{p}" for h in range(web.hosts) for p in range(web.pages)]
    start = time.monotonic()
    asyncio.run(_fetch_all(web.port, urls, 16))
    return len(urls) / (time.monotonic() - start)


def summary(runs: list[dict[str, Any]]) -> dict[str, float]:
    return {
        "pages_stored": statistics.median(r["pages"] for r in runs),
        "pages_per_s": statistics.median(r["pages"] / r["seconds"] for r in runs),
        "cpu_s_per_1000_pages": statistics.median(1000 * r["cpu"] / r["pages"] for r in runs),
        "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in runs),
        "shard_bytes": statistics.median(r["shard_bytes"] for r in runs),
    }


def efficiency(hosts: int, pages: int, runs: int, stock: bool, light: bool = False) -> dict[str, Any]:
    """Each crawler crawls the whole web `runs` times, and a web of one host
    with two pages as often: that small crawl's CPU is the start-up cost,
    and the difference, per page, the cost of one more page. On light
    pages the floor crawls too: Scrapy with this crawler's engine settings
    and a spider that does nothing, the least any crawler on Scrapy's
    engine and HTTP/1.1 client costs there."""
    web, small = Web(hosts, pages, light), Web(1, 2, light)
    kinds = ("ours", "stock", "floor") if stock and light else ("ours", "stock") if stock else ("ours",)
    results: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    startups: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    try:
        bare = statistics.median(bare_client(web) for _ in range(runs))
        for _ in range(runs):
            for kind in kinds:  # side by side: a load on the machine hits both alike
                with tempfile.TemporaryDirectory() as out:
                    results[kind].append(run_crawl(web.proxy, hosts, web.served, kind, Path(out)))
                with tempfile.TemporaryDirectory() as out:
                    startups[kind].append(run_crawl(small.proxy, 1, small.served, kind, Path(out)))
    finally:
        web.stop()
        small.stop()
    report: dict[str, Any] = {"hosts": hosts, "pages_per_host": pages, "links_per_page": 5 if light else 83,
                              "runs": runs, "bare_client_pages_per_s": round(bare)}
    for kind in kinds:
        report[kind] = summary(results[kind])
        startup = statistics.median(r["cpu_total"] for r in startups[kind])
        whole = statistics.median(r["cpu_total"] for r in results[kind])
        report[kind]["startup_cpu_s"] = startup
        report[kind]["cpu_ms_per_page_net"] = 1000 * (whole - startup) / (report[kind]["pages_stored"] - 2)
    report["ours_pages_per_s_over_bare_client"] = report["ours"]["pages_per_s"] / bare
    if stock:
        ours, theirs = report["ours"], report["stock"]
        report["cpu_per_page_ours_over_stock"] = ours["cpu_s_per_1000_pages"] / theirs["cpu_s_per_1000_pages"]
        report["net_cpu_per_page_ours_over_stock"] = ours["cpu_ms_per_page_net"] / theirs["cpu_ms_per_page_net"]
        report["startup_cpu_ours_over_stock"] = ours["startup_cpu_s"] / theirs["startup_cpu_s"]
    if "floor" in kinds:
        report["net_cpu_per_page_floor_over_stock"] = report["floor"]["cpu_ms_per_page_net"] / theirs["cpu_ms_per_page_net"]
    return report


def politeness(hosts: int = 50, pages: int = 12, delay: float = 1.0) -> dict[str, Any]:
    """How close to the ideal the crawl of hosts with a Crawl-delay comes,
    timed on the server: every host can proceed in parallel, so the ideal is
    (requests per host - 1) x the delay."""
    links = "".join(f'<a href="/p{i}">{i}</a>' for i in range(1, pages))
    robots = f"User-agent: *\nCrawl-delay: {delay:g}\n".encode()
    sites = {
        host_name(h): Site({"/robots.txt": Reply(body=robots, content_type="text/plain"), "/p0": html(links),
                            **{f"/p{i}": html(f"<p>page {i}</p>") for i in range(1, pages)}})
        for h in range(hosts)
    }
    web = LocalWeb(sites).start()
    try:
        with tempfile.TemporaryDirectory() as out:
            run_crawl(web.proxy, hosts, lambda: len(web.log), "ours", Path(out))
    finally:
        web.stop()
    per_host: dict[str, list[float]] = {}
    for seen in web.log:
        per_host.setdefault(seen.host, []).append(seen.start)
    starts = [t for times in per_host.values() for t in times]
    requests = max(len(times) for times in per_host.values())
    gaps = [b - a for times in per_host.values() for a, b in zip(sorted(times), sorted(times)[1:])]
    ideal = (requests - 1) * delay
    actual = max(starts) - min(starts)
    return {"hosts": hosts, "pages_per_host": pages, "crawl_delay": delay, "requests_per_host": requests,
            "ideal_s": ideal, "actual_s": round(actual, 3), "efficiency": round(ideal / actual, 4),
            "shortest_gap_s": round(min(gaps), 4)}


def scale(hosts: int, pages: int) -> dict[str, Any]:
    web = Web(hosts, pages)
    try:
        with tempfile.TemporaryDirectory() as out:
            result = run_crawl(web.proxy, hosts, web.served, "ours", Path(out), milestones=(10_000, 100_000))
    finally:
        web.stop()
    low, high = result["milestone_rss_mb"].get(10_000), result["milestone_rss_mb"].get(100_000)
    return {"hosts": hosts, "pages_per_host": pages, "pages_stored": result["pages"],
            "peak_rss_mb_at_10000": low, "peak_rss_mb_at_100000": high,
            "growth": (high / low - 1) if low and high else None, "peak_rss_mb": result["peak_rss_mb"],
            "seconds": round(result["seconds"])}


POLICY_PATHS = ("/robots.txt", "/.well-known/tdmrep.json")


def _first_request(audit: Path, prefix: str) -> float | None:
    """When a crawler (its audit shards named `prefix-NNNNN`) sent its first request, epoch seconds."""
    times = [
        t.timestamp()
        for path in audit.glob(f"{prefix}-[0-9][0-9][0-9][0-9][0-9].parquet")
        for event, t in zip(*pq.read_table(path, columns=["event", "time"]).to_pydict().values())
        if event == "request"
    ]
    return min(times, default=None)


def _domain_share(hosts: int, share: int, shares: int) -> list[str]:
    """The seeds of one in `shares` independent crawls: whole registered
    domains, so that no crawl follows a link into another's (a page links
    to other hosts of its own domain only; the rest are out of scope)."""
    return [url for h, url in enumerate(seeds(hosts)) if h % 10 % shares == share]


def _crawl_workers(web: Web, out: Path, count: int, redis_url: str | None,
                   partitioned: bool = False) -> dict[str, Any]:
    """`count` crawlers started together: with `redis_url`, workers of one
    crawl; `partitioned`, independent single-process crawls of a share of
    the registered domains each. Each one's CPU from its own first request
    to its exit."""
    seed_file = out / "seeds.txt"
    seed_file.write_text("\n".join(seeds(web.hosts)) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(http_proxy=web.proxy, no_proxy="")
    processes, prefixes = [], []
    for i in range(count):
        crawl_id, seed_list = "bench", seed_file
        if partitioned:
            crawl_id, seed_list = f"bench-p{i + 1}", out / f"seeds-{i + 1}.txt"
            seed_list.write_text("\n".join(_domain_share(web.hosts, i, count)) + "\n")
        command = [*crawl_command("ours", str(seed_list), out)[0], "-s", f"CRAWL_ID={crawl_id}"]
        if redis_url is not None:
            command += ["-s", f"FRONTIER_REDIS_URL={redis_url}", "-s", f"WORKER_ID=w{i + 1}"]
        prefixes.append(f"bench-w{i + 1}" if redis_url is not None else crawl_id)
        with open(out / f"stderr-{i + 1}.log", "w") as err:
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err))
    samples: dict[int, list[tuple[float, float]]] = {p.pid: [] for p in processes}
    cpu: dict[int, float] = {}
    while len(cpu) < count:
        for process in processes:
            if process.pid in cpu:
                continue
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                if os.waitstatus_to_exitcode(status):
                    raise RuntimeError(f"worker failed:\n{(out / 'stderr-1.log').read_text()[-3000:]}")
                cpu[process.pid] = usage.ru_utime + usage.ru_stime
            else:
                try:
                    samples[process.pid].append((time.time(), cpu_seconds(process.pid)))
                except (OSError, ValueError):
                    pass
        time.sleep(0.05)
    spent = 0.0
    for process, prefix in zip(processes, prefixes):
        first = _first_request(out / "audit", prefix)
        before = [c for t, c in samples[process.pid] if first is not None and t <= first]
        spent += cpu[process.pid] - (before[-1] if before else 0.0)
    return {"cpu": spent}


def workers(runs: int, hosts: int = 200, pages: int = 15, delay: float = 1.0,
            counts: tuple[int, ...] = (1, 2, 4)) -> dict[str, Any]:
    """The single-process crawler, then 1, 2 and 4 workers sharing a frontier
    in one Redis server, each against a fresh benchmark web whose robots.txt
    asks for `Crawl-delay`; politeness is judged from the web's own log.
    `runs` rounds of all of them, interleaved so that a busy moment of the
    machine does not fall on one configuration; the worst politeness and
    the median speed and CPU are reported.

    A control comes last: as many independent single-process crawls as the
    most workers, each of a share of the registered domains, no Redis. Its
    CPU over the single process's is what running that many processes costs
    on this machine, coordination apart."""
    from tests.redisserver import RedisServer  # the tests' real server, on a free loopback port

    most = max(counts)
    control = f"{most} independent processes"
    labels = [("single process", 1), *((f"{n} worker{'s' * (n > 1)}", n) for n in counts), (control, most)]
    judged: dict[str, list[dict[str, Any]]] = {label: [] for label, _ in labels}
    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp) / "redis").start()
        assert server.process is not None
        try:
            for round_ in range(runs):
                for label, count in labels:
                    out = Path(tmp) / f"{label.replace(' ', '-')}-{round_}"
                    out.mkdir()
                    server.flush()
                    redis_before = cpu_seconds(server.process.pid)
                    web = Web(hosts, pages, crawl_delay=delay, log=out / "web.json")
                    try:
                        shared = label not in (labels[0][0], control)
                        run = _crawl_workers(web, out, count, server.url if shared else None,
                                             partitioned=label == control)
                    finally:
                        web.stop()
                    run["redis_cpu"] = cpu_seconds(server.process.pid) - redis_before if shared else 0.0
                    judged[label].append(_judge(web.requests(), out, delay, run))
        finally:
            server.stop()
    report: dict[str, Any] = {"hosts": hosts, "pages_per_host": pages, "crawl_delay": delay, "runs": runs,
                              "configurations": {}}
    for label, results in judged.items():
        worst = {"shortest_gap_s": min, "gaps_below_delay": sum, "robots_fetches_per_origin": max,
                 "duplicate_fetches": sum, "duplicate_documents": sum}
        report["configurations"][label] = {
            **{key: pick(r[key] for r in results) for key, pick in worst.items()},
            **{key: statistics.median(r[key] for r in results)
               for key in ("pages_stored", "pages_per_s", "cpu_s_per_1000_pages", "cpu_s_per_1000_pages_with_redis",
                           "redis_cpu_s")},
        }
    single = report["configurations"]["single process"]["cpu_s_per_1000_pages"]
    for summary in report["configurations"].values():
        summary["cpu_per_page_over_single"] = summary["cpu_s_per_1000_pages"] / single
        summary["cpu_per_page_with_redis_over_single"] = summary["cpu_s_per_1000_pages_with_redis"] / single
    return report


def _judge(log: list[tuple[str, str, float, float]], out: Path, delay: float, run: dict[str, Any]) -> dict[str, Any]:
    starts: dict[str, list[float]] = collections.defaultdict(list)
    for host, _, start, _ in log:
        starts[host].append(start)
    gaps = [b - a for times in starts.values() for a, b in zip(sorted(times), sorted(times)[1:])]
    robots = collections.Counter(host for host, path, _, _ in log if path == "/robots.txt")
    fetched = [(host, path) for host, path, _, _ in log if path not in POLICY_PATHS]
    urls = collections.Counter(
        url for path in (out / "documents").glob("*.parquet") for url in pq.read_table(path, columns=["url"]).column("url").to_pylist()
    )
    stored = sum(urls.values())
    seconds = max(s for _, _, s, _ in log) - min(s for _, _, s, _ in log)
    return {
        "requests": len(log), "pages_stored": stored, "shortest_gap_s": round(min(gaps), 4),
        "gaps_below_delay": sum(g < delay for g in gaps),
        "robots_fetches_per_origin": max(robots.values()), "origins": len(robots),
        "duplicate_fetches": len(fetched) - len(set(fetched)), "duplicate_documents": stored - len(urls),
        "seconds": round(seconds, 1), "pages_per_s": round(stored / seconds, 1),
        "cpu_s_per_1000_pages": 1000 * run["cpu"] / stored,
        "cpu_s_per_1000_pages_with_redis": 1000 * (run["cpu"] + run["redis_cpu"]) / stored,
        "redis_cpu_s": round(run["redis_cpu"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("parts", nargs="*", metavar="PART",
                        help=f"benchmarks to run, of {', '.join(PARTS)} (default: efficiency light politeness)")
    parser.add_argument("--hosts", type=int, default=300, help="efficiency web: hosts (default 300)")
    parser.add_argument("--pages", type=int, default=20, help="efficiency web: pages per host (default 20)")
    parser.add_argument("--runs", type=int, default=3, help="efficiency, workers: runs per crawler (default 3)")
    parser.add_argument("--no-stock", action="store_true", help="efficiency: skip the stock Scrapy crawls")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    parts = args.parts or ["efficiency", "light", "politeness"]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}: choose from {', '.join(PARTS)}")
    report: dict[str, Any] = {}
    if "efficiency" in parts:
        report["efficiency"] = efficiency(args.hosts, args.pages, args.runs, not args.no_stock)
    if "light" in parts:
        report["light"] = efficiency(100, 90, args.runs, not args.no_stock, light=True)
    if "politeness" in parts:
        report["politeness"] = politeness()
    if "scale" in parts:
        report["scale"] = scale(1000, 100)
    if "workers" in parts:
        report["workers"] = workers(args.runs)
    print(json.dumps(report, indent=1) if args.json else "\n".join(describe(report)))


def describe(report: dict[str, Any]) -> list[str]:
    lines = []
    for part, target in (("efficiency", 0.35), ("light", 0.45)):
        if part not in report:
            continue
        eff = report[part]
        lines.append(f"Web ({part}): {eff['hosts']} hosts x {eff['pages_per_host']} pages of ~24 KB, "
                     f"{eff['links_per_page']} links each; medians of {eff['runs']} runs")
        lines.append(f"  bare HTTP client: {eff['bare_client_pages_per_s']} pages/s (the web's limit)")
        for kind in ("ours", "stock", "floor"):
            if kind in eff:
                k = eff[kind]
                lines.append(f"  {kind:5}: {k['pages_stored']:.0f} pages {'fetched' if kind == 'floor' else 'stored'}, {k['pages_per_s']:.0f} pages/s, "
                             f"{k['cpu_s_per_1000_pages']:.2f} CPU s per 1,000 pages, "
                             f"{k['cpu_ms_per_page_net']:.2f} ms per page net of start-up "
                             f"({k['startup_cpu_s']:.2f} s), peak RSS {k['peak_rss_mb']:.0f} MB, "
                             f"shards {k['shard_bytes'] / 1e6:.1f} MB")
        if "cpu_per_page_ours_over_stock" in eff:
            lines.append(f"  CPU per page, ours / stock Scrapy: {eff['cpu_per_page_ours_over_stock']:.2f} "
                         f"whole crawl, {eff['net_cpu_per_page_ours_over_stock']:.2f} net of start-up "
                         f"(target: at most {target:.2f}); start-up CPU, ours / stock: "
                         f"{eff['startup_cpu_ours_over_stock']:.2f} (target: at most 1)")
        if "net_cpu_per_page_floor_over_stock" in eff:
            lines.append(f"  CPU per page net of start-up, floor / stock Scrapy: "
                         f"{eff['net_cpu_per_page_floor_over_stock']:.2f} (floor: a spider that does nothing, "
                         "with this crawler's engine settings; no crawler on Scrapy's engine goes below it)")
        lines.append(f"  pages/s, ours / bare client: {eff['ours_pages_per_s_over_bare_client']:.2f}")
    if "politeness" in report:
        pol = report["politeness"]
        lines.append(f"Politeness: {pol['hosts']} hosts x {pol['pages_per_host']} pages, "
                     f"Crawl-delay {pol['crawl_delay']:g} s: ideal {pol['ideal_s']:g} s, actual {pol['actual_s']:g} s, "
                     f"efficiency {pol['efficiency']:.3f} (target: at least 0.95); "
                     f"shortest gap {pol['shortest_gap_s']:.3f} s")
    if "scale" in report:
        sc = report["scale"]
        lines.append(f"Scale: {sc['pages_stored']} pages on {sc['hosts']} hosts in {sc['seconds']} s: "
                     f"peak RSS {sc['peak_rss_mb_at_10000']:.0f} MB at 10,000 pages, "
                     f"{sc['peak_rss_mb_at_100000']:.0f} MB at 100,000 (growth {sc['growth']:.1%}; "
                     f"target: under 300 MB, within 10 %); {sc['peak_rss_mb']:.0f} MB with shutdown")
    if "workers" in report:
        wk = report["workers"]
        lines.append(f"Workers: {wk['hosts']} hosts x {wk['pages_per_host']} pages, Crawl-delay {wk['crawl_delay']:g} s; "
                     f"worst politeness and median speed and CPU of {wk['runs']} runs "
                     "(targets: no gap below the delay, CPU per page at most 1.15 x the single process)")
        for label, run in wk["configurations"].items():
            lines.append(
                f"  {label:23}: {run['pages_stored']} pages, {run['pages_per_s']:.0f} pages/s; shortest gap "
                f"{run['shortest_gap_s']:.3f} s ({run['gaps_below_delay']} below); robots.txt fetches per origin "
                f"{run['robots_fetches_per_origin']}; duplicate fetches {run['duplicate_fetches']}, documents "
                f"{run['duplicate_documents']}; {run['cpu_s_per_1000_pages']:.2f} CPU s per 1,000 pages "
                f"(x{run['cpu_per_page_over_single']:.2f}; with Redis {run['cpu_s_per_1000_pages_with_redis']:.2f}, "
                f"x{run['cpu_per_page_with_redis_over_single']:.2f})")
    return lines


if __name__ == "__main__":
    main()
