"""`scrapy expire [--json]`: remove the documents fetched more than
PRIVACY_RETENTION_DAYS ago and pseudonymise the audit rows as old, and print
the receipt (data no longer needed is deleted)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from scrapy.commands import ScrapyCommand

from crawler.commands import SettingsChecked, fail
from crawler.errors import ConfigError


class Command(SettingsChecked, ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--json]"

    def short_desc(self) -> str:
        return "Remove documents older than PRIVACY_RETENTION_DAYS and pseudonymise audit rows as old"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--json", action="store_true", help="print the receipt as JSON for machines")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # imported here, not at start-up: crawler.erasure imports pyarrow.dataset
        from crawler.erasure import Places, as_json, expiry, render, run

        assert self.settings is not None
        days = self.settings.getfloat("PRIVACY_RETENTION_DAYS")
        places = Places.from_settings(self.settings)
        try:
            if args:
                raise ValueError(f"unexpected argument {args[0]!r}: scrapy expire takes none "
                                 "(the limit is PRIVACY_RETENTION_DAYS)")
            if days == 0:
                raise ValueError("nothing to expire: PRIVACY_RETENTION_DAYS is 0 (keep forever); set how many "
                                 "days documents are kept, e.g. -s PRIVACY_RETENTION_DAYS=365")
            receipt = run(expiry(days, datetime.now(UTC)), places)
        except (ValueError, ConfigError) as error:
            fail(self, str(error))
            return
        print(as_json(receipt) if opts.json else render(receipt, places.denylist))
