"""Scrapy extensions."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

T = TypeVar("T")


def enabled(crawler: Crawler, cls: type[T]) -> T:
    """The crawl's instance of an extension that settings.py enables."""
    found = crawler.get_extension(cls)
    if found is None:
        raise RuntimeError(f"{cls.__module__}.{cls.__qualname__} is not enabled in EXTENSIONS")
    return found
