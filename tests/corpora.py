"""The third-party test data vendored under tests/data/ (licences and NOTICE there).

Kept free of heavy imports: the benchmarks read the same data."""

from __future__ import annotations

import csv
import json
import tarfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SPEC_TESTS = DATA / "robotstxt-spec-test" / "CTC"
WALL_PAGES = DATA / "walls"
# the ten Cloudflare pages the signature corpus (tests/walls_corpus.py) has always used
CHALLENGE_PAGES = (
    "cloudscraper/bfm_07_01_2021.html",
    "cloudscraper/js_challenge-27-05-2020.html",
    "cloudscraper/js_challenge1_16_05_2020.html",
    "cloudscraper/js_challenge2_16_05_2020.html",
    "cloudscraper/js_challenge_11_12_2019.html",
    "cloudscraper/reCaptcha_challenge_12_12_2019.html",
    "flaresolverr/cloudflare_captcha_hcaptcha_v1.html",
    "flaresolverr/cloudflare_captcha_norobot_v1.html",
    "flaresolverr/cloudflare_init_v1.html",
    "flaresolverr/cloudflare_spinner_v1.html",
)
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
    return [WALL_PAGES / "pages" / name for name in CHALLENGE_PAGES]


@dataclass(frozen=True)
class WallPage:
    """One labelled page of the real-page corpus (tests/data/walls/index.csv)."""

    file: str
    kind: str
    vendor: str
    origin: str
    status: int
    headers: dict[str, str]
    url: str
    split: str

    @property
    def body(self) -> bytes:
        return (WALL_PAGES / "pages" / self.file).read_bytes()


@cache
def wall_pages() -> tuple[WallPage, ...]:
    """Every page of the real-page wall corpus, in index order."""
    with open(WALL_PAGES / "index.csv", newline="", encoding="utf-8") as index:
        return tuple(
            WallPage(row["file"], row["class"], row["vendor"], row["origin"], int(row["status"]),
                     json.loads(row["headers"]), row["url"], row["split"])
            for row in csv.DictReader(index)
        )
