"""robots.txt parsing and matching cost over the real-world corpus.

    .venv/bin/python benchmarks/bench_robots.py [CORPUS_DIR]

Without CORPUS_DIR it reads the corpus vendored in tests/data/robots-corpus/.

Reports parse time per file and `allowed()` time per URL on a parsed,
cached policy (the crawler's hot path), as medians of several rounds, with
the garbage collector paused while timing.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.robots import parse  # noqa: E402
from tests.corpora import robots_corpus  # noqa: E402

URLS = [
    "http://example.com/",
    "http://example.com/search?q=polite+crawler",
    "http://example.com/a/b/c/page.html",
    "http://example.com/wp-admin/admin-ajax.php",
    "http://example.com/products?id=1&sort=price",
    "http://example.com/%E3%83%84/index.php",
]
TOKEN = "PoliteCrawler"


def main(bodies: list[bytes], rounds: int = 3) -> None:
    gc.disable()  # a collection pause belongs to no single file
    parse_times: list[float] = []
    for _ in range(rounds):
        for body in bodies:
            start = time.perf_counter()
            parse(body)
            parse_times.append(time.perf_counter() - start)
    policies = [parse(body) for body in bodies]
    for rules in policies:
        rules.allowed(URLS[0], TOKEN)  # build the cached matcher
    allowed_medians = []
    for _ in range(rounds):
        times = []
        for rules in policies:
            for url in URLS:
                start = time.perf_counter()
                rules.allowed(url, TOKEN)
                times.append(time.perf_counter() - start)
        allowed_medians.append(statistics.median(times))
    parse_times.sort()
    print(f"files: {len(bodies)}, URLs per file: {len(URLS)}, rounds: {rounds}")
    print(f"parse per file: median {statistics.median(parse_times) * 1e6:.0f} us, "
          f"p99 {parse_times[int(len(parse_times) * 0.99)] * 1e3:.2f} ms, max {parse_times[-1] * 1e3:.2f} ms")
    print(f"allowed() per URL on a cached policy: median {statistics.median(allowed_medians) * 1e6:.1f} us "
          "(target: under 20 us)")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main([p.read_bytes() for p in sorted(Path(sys.argv[1]).iterdir())])
    else:
        main([body for _, body in robots_corpus()])
