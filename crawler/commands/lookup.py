"""`scrapy lookup --url URL | --prefix URL | --host HOST | --domain DOMAIN | --match TEXT
[--export FILE.parquet] [--json]`: what the datasets of PARQUET_DIR and AUDIT_DIR
hold about a URL, a site or a person (right of access and portability)."""

from __future__ import annotations

import argparse
from pathlib import Path

from scrapy.commands import ScrapyCommand

from crawler.commands import SELECTOR_SYNTAX, SettingsChecked, add_selector_options, fail
from crawler.denylist import chosen
from crawler.errors import ConfigError


class Command(SettingsChecked, ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return f"{SELECTOR_SYNTAX} [--export FILE.parquet] [--json]"

    def short_desc(self) -> str:
        return "List the stored documents a URL, prefix, host, domain or text selects"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        add_selector_options(parser)
        parser.add_argument("--export", help="write the matching documents, every column, to this Parquet file")
        parser.add_argument("--json", action="store_true", help="print JSON for machines")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # imported here, not at start-up: they import pyarrow.dataset
        from crawler.erasure import Places
        from crawler.lookup import as_json, lookup, render

        assert self.settings is not None
        try:
            if args:
                raise ValueError(f"unexpected argument {args[0]!r}: name what to look up with an option, "
                                 "e.g. scrapy lookup --host www.example.com")
            selector = chosen(vars(opts))
            found = lookup(selector, Places.from_settings(self.settings),
                           Path(opts.export) if opts.export else None)
        except (ValueError, ConfigError) as error:
            fail(self, str(error))
            return
        print(as_json(found) if opts.json else render(found))
