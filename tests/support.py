"""Run real crawls (`python -m scrapy crawl web`) against a LocalWeb."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

from crawler.localweb import LocalWeb

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Crawl:
    returncode: int
    log: str
    out: Path

    @property
    def documents_dir(self) -> Path:
        return self.out / "documents"

    def documents(self, columns: list[str] | None = None) -> list[dict[str, Any]]:
        if not self.documents_dir.exists() or not any(self.documents_dir.glob("*.parquet")):
            return []
        return ds.dataset(self.documents_dir, format="parquet").to_table(columns=columns).to_pylist()

    def urls(self) -> list[str]:
        return sorted(d["url"] for d in self.documents(["url"]))

    def counts(self) -> dict[str, Any]:
        """What tests/counting.py reported, for a crawl run with `counted=True`."""
        return json.loads((self.out / "counts.json").read_text())

    def peak_memory(self) -> int:
        """The crawler process's own peak RSS in bytes."""
        return self.counts()["peak_rss"]

    def audit(self) -> list[dict[str, Any]]:
        return ds.dataset(self.out / "audit", format="parquet").to_table().to_pylist()


POLICY_FILES = ("/robots.txt", "/.well-known/tdmrep.json")


def page_paths(web: LocalWeb, host: str) -> list[str]:
    """Sorted targets the server saw for `host`, robots.txt and tdmrep.json left out."""
    return sorted(s.target for s in web.requests(host) if s.path not in POLICY_FILES)


def crawl_command(seeds: str, out: Path, settings: dict[str, Any] | None = None,
                  args: dict[str, str] | None = None) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "web", "-a", f"seeds={seeds}",
               "-s", f"PARQUET_DIR={out / 'documents'}", "-s", f"AUDIT_DIR={out / 'audit'}"]
    for name, value in (args or {}).items():
        command += ["-a", f"{name}={value}"]
    for name, value in (settings or {}).items():
        command += ["-s", f"{name}={value}"]
    return command


def crawl_env(web: LocalWeb | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    if web is not None:
        env["http_proxy"] = web.proxy
    env["no_proxy"] = ""
    return env


def run_crawl(web: LocalWeb | None, seeds: str, out: Path, *, settings: dict[str, Any] | None = None,
              args: dict[str, str] | None = None, timeout: float = 180, counted: bool = False) -> Crawl:
    """`counted`: run through tests/counting.py, for `Crawl.counts()` and `Crawl.peak_memory()`."""
    out.mkdir(parents=True, exist_ok=True)
    command, env = crawl_command(seeds, out, settings, args), crawl_env(web)
    if counted:
        command[1:3] = ["tests/counting.py"]
        env["COUNTS_FILE"] = str(out / "counts.json")
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    return Crawl(result.returncode, result.stderr + result.stdout, out)


class FailingPipeline:
    """An item pipeline that fails on documents whose URL ends in `/fail`, as
    a pipeline can on input it did not expect (`-s ITEM_PIPELINES=...`)."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if item["url"].endswith("/fail"):
            raise ValueError("refused by FailingPipeline")
        return item
