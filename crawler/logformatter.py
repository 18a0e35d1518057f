"""Scrapy's log formatter, naming a document by its URL: where Scrapy writes
a whole item into the log (a pipeline failed on it, at ERROR; it was
dropped; at DEBUG, it was scraped), a document would bring its whole body
and text with it, megabytes of a stranger's bytes in one log record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


def document_name(item: Any) -> str:
    """How a log line names an item: its URL, never its content."""
    url = item.get("url") if isinstance(item, Mapping) else None
    return f"the document of {url}" if isinstance(url, str) else f"an item of type {type(item).__name__}"


class DocumentLogFormatter(LogFormatter):
    def scraped(self, item: Any, response: Any, spider: Any) -> LogFormatterResult:
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
