"""The benchmark suite: this crawler against stock Scrapy and a bare HTTP
client on the same local multi-host web, side by side in one run.

    .venv/bin/python -m benchmarks.run                   # efficiency, light pages, politeness (~15 min)
    .venv/bin/python -m benchmarks.run scale             # peak memory at 10,000 and 100,000 pages (~10 min)
    .venv/bin/python -m benchmarks.run efficiency politeness scale    # all three

Absolute times on a shared machine are noisy: each crawl runs several times
and medians and ratios are reported. A crawler's CPU is counted from the
moment the web serves it its first page to its exit: start-up imports are
left out, shutdown and the final shard writes are in.
"""

from __future__ import annotations

import argparse
import asyncio
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
PARTS = ("efficiency", "light", "politeness", "scale")


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

    def __init__(self, hosts: int, pages: int, light: bool = False) -> None:
        self.hosts, self.pages = hosts, pages
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.web", "--hosts", str(hosts), "--pages", str(pages),
             *(["--light"] if light else [])],
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


def crawl_command(kind: str, seed_list: str, out: Path) -> tuple[list[str], Path, dict[str, str]]:
    if kind == "ours":
        return [sys.executable, "-m", "scrapy", "crawl", "web", "-a", f"seeds={seed_list}",
                "-s", f"PARQUET_DIR={out / 'documents'}", "-s", f"AUDIT_DIR={out / 'audit'}",
                "-s", "LOG_LEVEL=WARNING"], ROOT, {}
    return [sys.executable, "-m", "scrapy", "crawl", "follow", "-a", f"seeds={seed_list}",
            "-s", "LOG_LEVEL=WARNING"], STOCK, {"STOCK_PARQUET": str(out / "stock.parquet")}


def stored_rows(out: Path, kind: str) -> int:
    if kind == "stock":
        return pq.ParquetFile(out / "stock.parquet").metadata.num_rows
    return sum(pq.ParquetFile(f).metadata.num_rows for f in (out / "documents").glob("*.parquet"))


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
    pages = stored_rows(out, kind)
    return {
        "pages": pages,
        "seconds": end - (start or end),
        "cpu": usage.ru_utime + usage.ru_stime - (start_cpu or 0.0),
        "cpu_total": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": peak,
        "milestone_rss_mb": peaks,
        "shard_bytes": sum(f.stat().st_size for f in (out / "documents").glob("*.parquet"))
        if kind == "ours" else (out / "stock.parquet").stat().st_size,
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
    and the difference, per page, the cost of one more page."""
    web, small = Web(hosts, pages, light), Web(1, 2, light)
    kinds = ("ours", "stock") if stock else ("ours",)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("parts", nargs="*", metavar="PART",
                        help=f"benchmarks to run, of {', '.join(PARTS)} (default: efficiency light politeness)")
    parser.add_argument("--hosts", type=int, default=300, help="efficiency web: hosts (default 300)")
    parser.add_argument("--pages", type=int, default=20, help="efficiency web: pages per host (default 20)")
    parser.add_argument("--runs", type=int, default=3, help="efficiency: runs per crawler (default 3)")
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
        for kind in ("ours", "stock"):
            if kind in eff:
                k = eff[kind]
                lines.append(f"  {kind:5}: {k['pages_stored']:.0f} pages stored, {k['pages_per_s']:.0f} pages/s, "
                             f"{k['cpu_s_per_1000_pages']:.2f} CPU s per 1,000 pages, "
                             f"{k['cpu_ms_per_page_net']:.2f} ms per page net of start-up "
                             f"({k['startup_cpu_s']:.2f} s), peak RSS {k['peak_rss_mb']:.0f} MB, "
                             f"shards {k['shard_bytes'] / 1e6:.1f} MB")
        if "cpu_per_page_ours_over_stock" in eff:
            lines.append(f"  CPU per page, ours / stock Scrapy: {eff['cpu_per_page_ours_over_stock']:.2f} "
                         f"whole crawl, {eff['net_cpu_per_page_ours_over_stock']:.2f} net of start-up "
                         f"(target: at most {target:.2f}); start-up CPU, ours / stock: "
                         f"{eff['startup_cpu_ours_over_stock']:.2f} (target: at most 1)")
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
    return lines


if __name__ == "__main__":
    main()
