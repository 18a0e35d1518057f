"""`scrapy forget --url URL | --prefix URL | --host HOST | --domain DOMAIN | --match TEXT
[--reason TEXT] [--json]`: erase what the datasets of PARQUET_DIR and AUDIT_DIR hold
about a URL, a site or a person, keep it from being collected again, and print
the receipt (right to erasure)."""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand

from crawler.commands import SELECTOR_SYNTAX, SettingsChecked, add_selector_options, fail
from crawler.denylist import chosen
from crawler.errors import ConfigError


class Command(SettingsChecked, ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return f"{SELECTOR_SYNTAX} [--reason TEXT] [--json]"

    def short_desc(self) -> str:
        return "Erase the documents a selector selects, pseudonymise their audit rows, never collect them again"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add_selector_options(parser)
        parser.add_argument("--reason", help="why (the request and who made it), kept in the erasure log")
        parser.add_argument("--json", action="store_true", help="print the receipt as JSON for machines")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # imported here, not at start-up: crawler.erasure imports pyarrow.dataset
        from crawler.erasure import Places, as_json, forget, render, run

        assert self.settings is not None
        places = Places.from_settings(self.settings)
        try:
            if args:
                raise ValueError(f"unexpected argument {args[0]!r}: name what to forget with an option, "
                                 "e.g. scrapy forget --host www.example.com")
            receipt = run(forget(chosen(vars(opts)), opts.reason), places)
        except (ValueError, ConfigError) as error:
            fail(self, str(error))
            return
        print(as_json(receipt) if opts.json else render(receipt, places.denylist))
