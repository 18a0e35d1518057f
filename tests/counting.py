"""Run `scrapy` with counters on the costly steps of per-page work, written
as JSON to $COUNTS_FILE at exit: a guard against doing one of them twice."""

import atexit
import json
import os
import sys
from collections import Counter

import lxml.etree
import scrapy
from scrapy.cmdline import execute

COUNTS: Counter[str] = Counter()


def counted(name, function):
    def wrapper(*args, **kwargs):
        COUNTS[name] += 1
        return function(*args, **kwargs)

    return wrapper


lxml.etree.fromstring = counted("html_parses", lxml.etree.fromstring)
scrapy.Request.__init__ = counted("requests", scrapy.Request.__init__)
atexit.register(lambda: open(os.environ["COUNTS_FILE"], "w").write(json.dumps(COUNTS)))

if __name__ == "__main__":
    sys.argv[0] = "scrapy"
    execute()
