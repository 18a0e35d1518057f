"""Cost of the wall detector per page.

    .venv/bin/python benchmarks/bench_walls.py

Times `crawler.walls.classify` on typical 24 KB content pages (the crawler's
hot path) and on the labelled challenge pages, as medians of several rounds.
Target: under 0.15 ms per typical page.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.pages import article  # noqa: E402
from crawler.walls import classify  # noqa: E402
from tests.corpora import challenge_pages  # noqa: E402

HEADERS = {"content-type": "text/html; charset=utf-8", "server": "cloudflare", "cf-ray": "1-AMS"}


def median_us(bodies: list[bytes], rounds: int = 5) -> float:
    medians = []
    for _ in range(rounds):
        times = []
        for body in bodies:
            start = time.perf_counter()
            classify(200, HEADERS, "http://www.example.com/a/page", (), body)
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
    return statistics.median(medians) * 1e6


def main() -> None:
    gc.disable()
    pages = [article(i, 24_000) for i in range(300)]
    print(f"typical pages ({len(pages[0]) // 1000} KB): median {median_us(pages):.1f} us per page (target: under 150 us)")
    challenges = [p.read_bytes() for p in challenge_pages()]
    print(f"challenge pages ({len(challenges)}): median {median_us(challenges):.1f} us per page")


if __name__ == "__main__":
    main()
