"""`scrapy demo`: crawl the bundled demo web with the real `scrapy crawl web`
and print a summary read back from the shards it wrote."""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand

from crawler.commands import fail
from crawler.demo import SEEDS, SETTINGS, demo_sites
from crawler.errors import ConfigError
from crawler.localweb import LocalWeb
from crawler.shards import writable_directory


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--out DIR]"

    def short_desc(self) -> str:
        return "Crawl the bundled demo web on loopback and summarize the shards"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--out", default="demo-output", help="output folder (default: %(default)s)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        out = Path(opts.out).resolve()
        documents = out / "documents"
        audit = out / "audit"
        try:
            writable_directory("--out", str(out))
        except ConfigError as error:
            fail(self, str(error).replace("set --out to", "give --out"))
            return
        seeds = out / "seeds.txt"
        seeds.write_text("# The demo web's seeds\n" + "\n".join(SEEDS) + "\n")
        with LocalWeb(demo_sites()) as web:
            print(f"Demo web serving {len(web.sites)} sites through the HTTP proxy {web.proxy}")
            env = dict(os.environ, http_proxy=web.proxy, no_proxy="")
            command = [
                sys.executable, "-m", "scrapy", "crawl", "web", "-a", f"seeds={seeds}",
                "-s", f"PARQUET_DIR={documents}", "-s", f"AUDIT_DIR={audit}",
                "-s", f"LOG_FILE={out / 'crawl.log'}",
            ]
            for name, value in SETTINGS.items():
                command += ["-s", f"{name}={value}"]
            print("Running:", " ".join(command[1:]))
            crawl = subprocess.run(command, env=env, check=False)
        if crawl.returncode:
            print(f"The crawl failed (exit code {crawl.returncode}); see {out / 'crawl.log'}", file=sys.stderr)
            self.exitcode = crawl.returncode
            return
        self._summary(out, documents, audit)

    def _summary(self, out: Path, documents: Path, audit: Path) -> None:
        import pyarrow.dataset as ds  # here: Scrapy imports every command at start-up, and this import alone adds ~50 MB

        table = ds.dataset(documents, format="parquet").to_table(columns=["host", "url"])
        per_host = collections.Counter(table.column("host").to_pylist())
        events = ds.dataset(audit, format="parquet").to_table(
            columns=["reason"], filter=ds.field("event") == "skip"
        )
        skips = collections.Counter(events.column("reason").to_pylist())
        print(f"\nDocuments stored: {table.num_rows} (Parquet shards in {documents})")
        for host, count in sorted(per_host.items()):
            print(f"  {host:24} {count}")
        print(f"Skipped: {sum(skips.values())}")
        for reason, count in sorted(skips.items()):
            print(f"  {reason:24} {count}")
        print(f"\nCrawl log: {out / 'crawl.log'}")
        print(f"Query the shards: duckdb -c \"SELECT host, url, length(text) FROM read_parquet('{documents}/*.parquet')\"")
        print(f"What the crawler did on a site: scrapy audit {audit} --host www.example.com --urls")
