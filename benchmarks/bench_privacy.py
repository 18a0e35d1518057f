"""Cost of redacting personal data from a page's text.

    .venv/bin/python benchmarks/bench_privacy.py

Times `crawler.privacy.redact` on 24 KB of text (24,000 characters), as
medians and 99th percentiles over 200 pages of each kind, in CPU time (the
process's own, so that other work on a shared machine counts less):

- typical: article prose with the numbers articles carry (dates, years,
  times, prices, percentages, the odd ISBN or order number; about 3 % of
  the characters are digits) and a contact footer (an e-mail address and a
  phone number);
- dense: the labelled corpus of tests/data/privacy/ end to end, a page of
  contact details, card and account numbers and look-alikes (about 16 %
  digits), as a directory or a leak would be.

Target: redaction adds at most 0.3 ms per typical page.
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.pages import _sentence  # noqa: E402
from crawler.privacy import phone_regions, redact  # noqa: E402

SIZE = 24_000
CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "privacy" / "corpus.jsonl"
REGIONS = phone_regions("www.example.com", "en")


def _number(rng: random.Random) -> str:
    return rng.choice([
        f"{rng.randint(1990, 2026)}", f"{rng.randint(1, 28)} May {rng.randint(1990, 2026)}",
        f"{rng.randint(2000, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        f"${rng.randint(1, 9999)}.{rng.randint(0, 99):02d}", f"{rng.randint(1, 99)}%", f"{rng.randint(1, 99)}.{rng.randint(0, 9)}%",
        f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}", f"{rng.randint(1, 999)}", f"{rng.randint(1, 999):,}",
        f"{rng.randint(1, 999)},{rng.randint(0, 999):03d},{rng.randint(0, 999):03d}", "ISBN 978-3-16-148410-0",
        f"order #{rng.randint(100, 999)}-{rng.randint(1000000, 9999999)}",
    ])


def typical(index: int) -> str:
    rng = random.Random(index)
    parts: list[str] = []
    length = 0
    while length < SIZE - 200:
        sentence = _sentence(rng, rng.randint(12, 30))
        if rng.random() < 0.5:
            words = sentence.split(" ")
            words.insert(rng.randint(1, len(words) - 1), _number(rng))
            sentence = " ".join(words)
        parts.append(sentence)
        length += len(sentence) + 1
    footer = (f"Contact the newsroom: news{index}@example.com, phone (415) 555-{rng.randint(1000, 9999)}. "
              f"Published {rng.randint(1, 28)}.{rng.randint(1, 12)}.2026.")
    return (" ".join(parts) + "\n" + footer)[:SIZE]


def dense() -> list[str]:
    text = "\n".join(json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines())
    return [(text[i:] + text)[:SIZE] for i in range(0, 200 * 997, 997)]


def timings_us(pages: list[str], rounds: int = 3) -> tuple[float, float]:
    """Median and 99th percentile, each the median over `rounds` rounds."""
    medians, tails = [], []
    for _ in range(rounds):
        times = []
        for page in pages:
            start = time.process_time()
            redact(page, REGIONS)
            times.append(time.process_time() - start)
        times.sort()
        medians.append(statistics.median(times))
        tails.append(times[int(len(times) * 0.99) - 1])
    return statistics.median(medians) * 1e6, statistics.median(tails) * 1e6


def share_of_digits(pages: list[str]) -> float:
    return sum(sum(c.isdigit() for c in page) for page in pages) / sum(len(page) for page in pages)


def main() -> None:
    gc.disable()
    for name, pages in (("typical", [typical(i) for i in range(200)]), ("dense", dense())):
        median, tail = timings_us(pages)
        print(f"{name} pages ({len(pages[0]) // 1000} KB of text, {share_of_digits(pages):.1%} digits): "
              f"median {median:.0f} us, p99 {tail:.0f} us per page"
              + (" (target: at most 300 us)" if name == "typical" else ""))


if __name__ == "__main__":
    main()
