"""`scrapy upgrade DIR [DIR ...]`: rewrite the shards older versions wrote to
the current schema, so that every reader's plain call sees one schema."""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.commands import ScrapyCommand

from crawler.commands import fail
from crawler.datasets import older_shards
from crawler.errors import ConfigError
from crawler.rewrite import edit_shard


class Command(ScrapyCommand):
    requires_project = False
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "DIR [DIR ...]"

    def short_desc(self) -> str:
        return "Rewrite shards of older schema versions to the current schema, in place"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args:
            fail(self, "give a dataset folder, e.g. scrapy upgrade output/documents")
            return
        try:
            plans = [(Path(arg), older_shards(Path(arg))) for arg in args]
            for directory, shards in plans:
                for path, dataset in shards:
                    edit_shard(path, dataset, lambda table: table)  # read under the lock, in the current schema
                total = len(shards)
                print(f"{directory}: {total} shard{'s' * (total != 1)} upgraded")
        except ConfigError as error:
            fail(self, str(error))
