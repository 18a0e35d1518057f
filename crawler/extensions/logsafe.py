"""Every log record of the crawl is made safe where it is written, Scrapy's
own included: a hostile header that reaches one of Scrapy's warnings (an
unknown `Content-Encoding` with an ESC sequence in it) must not colour,
rewrite or forge lines in the operator's terminal or log file, and user
information in a URL must not reach the log in clear
(`crawler.reasons.safe_message`).

The crawl's records are made by `SafeLogRecord` rather than passed through a
filter on the log handler: Scrapy replaces its root handler while the crawl
starts, which would drop a filter attached to it, whereas the record factory
applies to every record made in the process from the moment the extension
loads (before the engine, the downloader and the spider's requests; the
spider escapes its own few start-up lines itself).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from crawler.reasons import safe_message

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class SafeLogRecord(logging.LogRecord):
    """A log record whose message, traceback and stack text are safe to print."""

    def getMessage(self) -> str:
        return safe_message(super().getMessage())

    @property
    def exc_text(self) -> str | None:
        return self._exc_text

    @exc_text.setter
    def exc_text(self, text: str | None) -> None:  # set by the formatter, from the exception
        self._exc_text = safe_message(text) if text else text

    @property
    def stack_info(self) -> str | None:
        return self._stack_info

    @stack_info.setter
    def stack_info(self, text: str | None) -> None:
        self._stack_info = safe_message(text) if text else text


def install() -> None:
    """Make every log record of the process from now on a `SafeLogRecord`."""
    logging.setLogRecordFactory(SafeLogRecord)


class SafeLogs:
    """The extension that installs `SafeLogRecord` for the crawl."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SafeLogs:
        install()
        return cls()
