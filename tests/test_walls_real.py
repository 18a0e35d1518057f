"""The wall detector on real pages (tests/data/walls, index.csv): precision and
recall per class and per vendor, for the tuning split and the held-out fifth
that no signature was tuned on. Run with -s to see the tables."""

from __future__ import annotations

import collections

import pytest

from crawler.walls import classify
from tests.corpora import WallPage, wall_pages

WALLS = ("challenge", "block", "login", "paywall")
PAGES = wall_pages()
SPLITS = ("tune", "held-out")


def verdicts(split: str) -> list[tuple[WallPage, str]]:
    return [(page, classify(page.status, page.headers, page.url, (), page.body).kind)
            for page in PAGES if page.split == split]


def scores(pairs: list[tuple[bool, bool]]) -> tuple[int, float, float]:
    """(pages, precision, recall) of (wanted, got) pairs; 1.0 where nothing was predicted or wanted."""
    tp = sum(want and got for want, got in pairs)
    predicted = sum(got for _, got in pairs)
    actual = sum(want for want, _ in pairs)
    return actual, tp / predicted if predicted else 1.0, tp / actual if actual else 1.0


def table(split: str) -> tuple[float, float]:
    """Print per-class and per-vendor precision and recall; return walls' as a whole."""
    results = verdicts(split)
    print(f"\n{split}: {len(results)} pages")
    rows = [("walls", [(p.kind in WALLS, got in WALLS) for p, got in results])]
    rows += [(kind, [(p.kind == kind, got == kind) for p, got in results])
             for kind in ("content", *WALLS, "ratelimit")]
    for name, pairs in rows:
        n, precision, recall = scores(pairs)
        print(f"  {name:10} pages {n:3}  precision {precision:.2f}  recall {recall:.2f}")
    by_vendor: dict[str, list[tuple[WallPage, str]]] = collections.defaultdict(list)
    for page, got in results:
        if page.kind != "content":
            by_vendor[page.vendor].append((page, got))
    for vendor, found in sorted(by_vendor.items()):
        right = sum(got == page.kind for page, got in found)
        print(f"  {vendor[:60]:60} {right}/{len(found)} recall {right / len(found):.2f}")
    for page, got in results:
        if got != page.kind:
            print(f"  miss: {page.file} is {page.kind}, classified {got}")
    _, precision, recall = scores(rows[0][1])
    return precision, recall


def test_the_corpus_is_the_one_the_notice_describes():
    gathered = [p for p in PAGES if p.origin == "gathered"]
    assert len(PAGES) == 192 and len(gathered) == 152
    assert len([p for p in gathered if p.kind == "content"]) >= 60
    assert len({p.vendor for p in PAGES if p.kind in WALLS}) >= 20
    held = [p for p in PAGES if p.split == "held-out"]
    assert round(len(PAGES) / 5) - 2 <= len(held) <= round(len(PAGES) / 5) + 2


@pytest.mark.parametrize("split", SPLITS)
def test_precision_and_recall_of_walls(split):
    precision, recall = table(split)
    if split == "held-out":
        assert precision >= 0.98 and recall >= 0.97


@pytest.mark.parametrize("page", [p for p in PAGES if p.kind == "content"], ids=lambda p: p.file)
def test_no_ordinary_page_is_skipped(page):
    verdict = classify(page.status, page.headers, page.url, (), page.body)
    assert verdict.is_content, verdict


@pytest.mark.parametrize("file", ["constructed/big-block-notice-200.html",
                                  "constructed/access-denied-in-template-200.html",
                                  "constructed/visitor-system-redirect-200.html",
                                  "is-antibot/weibo-failed.html"])
def test_the_two_kinds_of_miss_of_issue_17(file):
    page = next(p for p in PAGES if p.file == file)
    assert page.status == 200
    assert classify(page.status, page.headers, page.url, (), page.body).kind == page.kind
