"""Run `scrapy` with counters on the costly steps of per-page work, written
as JSON to $COUNTS_FILE at exit with the heavy modules the run imported and
its peak RSS: a guard against doing one of them twice, loading what a crawl
never needs, or holding too much.

The peak is the process's own VmHWM: `ru_maxrss` (which Scrapy's memusage
stats report) starts from the parent's RSS, as Linux carries it across the
fork and exec that start a subprocess."""

import atexit
import json
import os
import sys
from collections import Counter

import lxml.etree
import scrapy
from scrapy.cmdline import execute

COUNTS: Counter[str] = Counter()
HEAVY = ("pyarrow.dataset", "redis")  # ~50 MB of shared libraries; redis-py, for workers only


def peak_rss() -> int:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def arrow_peak() -> int | None:
    """The most memory pyarrow's default pool held at once: the Arrow data itself, without the
    allocator's slack that RSS also counts."""
    pyarrow = sys.modules.get("pyarrow")
    return pyarrow.default_memory_pool().max_memory() if pyarrow is not None else None


def report() -> None:
    imported = [name for name in HEAVY if name in sys.modules]
    with open(os.environ["COUNTS_FILE"], "w") as out:
        json.dump({**COUNTS, "heavy_imports": imported, "peak_rss": peak_rss(), "arrow_peak": arrow_peak()}, out)


def counted(name, function):
    def wrapper(*args, **kwargs):
        COUNTS[name] += 1
        return function(*args, **kwargs)

    return wrapper


lxml.etree.fromstring = counted("html_parses", lxml.etree.fromstring)
scrapy.Request.__init__ = counted("requests", scrapy.Request.__init__)
atexit.register(report)

if __name__ == "__main__":
    sys.argv[0] = "scrapy"
    execute()
