"""Project commands: `crawl` (Scrapy's, with clean configuration errors), `demo`, `verify`,
`robots`, `audit`. Bad input is one `error:` line on stderr and exit code 2."""

from __future__ import annotations

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


def fail(command: ScrapyCommand, message: str, exitcode: int = BAD_INPUT) -> None:
    """Report a problem the operator must fix as one line, with no traceback."""
    print(f"error: {message}", file=sys.stderr)
    command.exitcode = exitcode
