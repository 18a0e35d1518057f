"""Run `scrapy` with counters on the costly steps of per-page work, written
as JSON to $COUNTS_FILE at exit with the heavy modules the run imported: a
guard against doing one of them twice, or loading what a crawl never needs."""

import atexit
import json
import os
import sys
from collections import Counter

import lxml.etree
import scrapy
from scrapy.cmdline import execute

COUNTS: Counter[str] = Counter()
HEAVY = ("pyarrow.dataset",)  # ~50 MB of shared libraries


def report() -> None:
    imported = [name for name in HEAVY if name in sys.modules]
    with open(os.environ["COUNTS_FILE"], "w") as out:
        json.dump({**COUNTS, "heavy_imports": imported}, out)


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
