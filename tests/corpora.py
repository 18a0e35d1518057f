"""The third-party test data vendored under tests/data/ (licences and NOTICE there).

Kept free of heavy imports: the benchmarks read the same data."""

from __future__ import annotations

import tarfile
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SPEC_TESTS = DATA / "robotstxt-spec-test" / "CTC"
CHALLENGE_PAGES = DATA / "challenge-pages"
ROBOTS_ARCHIVE = DATA / "robots-corpus" / "files.tar.xz"


@cache
def robots_corpus() -> tuple[tuple[str, bytes], ...]:
    """Every real robots.txt file of the corpus as (site, body), sorted by site.

    The 30 MB corpus is kept as one 2 MB archive; reading it takes about a second."""
    files = []
    with tarfile.open(ROBOTS_ARCHIVE, "r:xz") as archive:
        for member in archive:
            if member.isfile():
                files.append((Path(member.name).name, archive.extractfile(member).read()))
    return tuple(sorted(files))


def challenge_pages() -> list[Path]:
    return sorted(CHALLENGE_PAGES.glob("*/*.html"))
