"""Scrapy's log formatter, naming a document by its URL: where Scrapy writes
a whole item into the log (a pipeline failed on it, at ERROR; it was
dropped; at DEBUG, it was scraped), a document would bring its whole body
and text with it, megabytes of a stranger's bytes in one log record.

Below LOG_LEVEL=DEBUG the two DEBUG lines of every page (crawled, scraped)
are not made at all: Scrapy's log handler would drop them, but only after
the formatter, the logger and the record factory had each done their work
for them, twice per page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scrapy.logformatter import LogFormatter, LogFormatterResult

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


def document_name(item: Any) -> str:
    """How a log line names an item: its URL, never its content."""
    url = item.get("url") if isinstance(item, Mapping) else None
    return f"the document of {url}" if isinstance(url, str) else f"an item of type {type(item).__name__}"


class DocumentLogFormatter(LogFormatter):
    debug = True  # whether DEBUG lines are written (LOG_LEVEL)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DocumentLogFormatter:
        formatter = cls()
        formatter.debug = crawler.settings.get("LOG_LEVEL") == "DEBUG"
        return formatter

    def crawled(self, request: Any, response: Any, spider: Any) -> LogFormatterResult | None:
        return super().crawled(request, response, spider) if self.debug else None

    def scraped(self, item: Any, response: Any, spider: Any) -> LogFormatterResult | None:
        if not self.debug:
            return None
        result = super().scraped(item, response, spider)
        result["msg"] = "Scraped %(item)s from %(src)s"
        result["args"] = {**result["args"], "item": document_name(item)}
        return result

    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        result["msg"] = "Dropped %(item)s: %(exception)s"
        result["args"] = {**result["args"], "item": document_name(item)}
        return result

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any) -> LogFormatterResult:
        result = super().item_error(item, exception, response, spider)
        result["args"] = {**result["args"], "item": document_name(item)}
        return result
