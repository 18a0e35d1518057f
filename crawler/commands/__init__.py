"""Project commands: `crawl` (Scrapy's, with clean configuration errors), `demo`,
`robots`, `audit`, `verify`, `upgrade`, and the privacy commands `lookup`, `forget`
and `expire`. Bad input is one `error:` line on stderr and exit code 2."""

from __future__ import annotations

import argparse
import sys

from scrapy.commands import ScrapyCommand

from crawler.settings_check import setting_error

BAD_INPUT = 2


def check_settings(command: ScrapyCommand) -> None:
    """Refuse a setting the crawl cannot use, before Scrapy configures logging
    or builds anything from the settings (call from `process_options`)."""
    assert command.settings is not None
    problem = setting_error(command.settings)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(BAD_INPUT)


class SettingsChecked:
    """A command mixin: the settings are checked (`check_settings`) once the
    options are read, before the command builds anything from them."""

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)  # type: ignore[misc]
        check_settings(self)  # type: ignore[arg-type]


def fail(command: ScrapyCommand, message: str, exitcode: int = BAD_INPUT) -> None:
    """Report a problem the operator must fix as one line, with no traceback."""
    print(f"error: {message}", file=sys.stderr)
    command.exitcode = exitcode


SELECTOR_SYNTAX = "--url URL | --prefix URL | --host HOST | --domain DOMAIN | --match TEXT"


def add_selector_options(parser: argparse.ArgumentParser) -> None:
    """The options that name what an erasure or a lookup selects."""
    parser.add_argument("--url", help="the document at this URL (exact, in canonical form), or requested at it")
    parser.add_argument("--prefix", help="every document whose URL, or the URL it was requested at, starts with this")
    parser.add_argument("--host", help="every document of this host, e.g. www.example.com")
    parser.add_argument("--domain", help="every document of this registered domain, e.g. example.co.uk")
    parser.add_argument("--match", help="every document whose URL or text contains this literal text "
                        "(case-sensitive), e.g. a name or an e-mail address")
