"""Scrapy's retry middleware, which retries connection errors and some 5xx
answers up to RETRY_TIMES times, except what `crawler.backoff.retried`
rules out: a request that timed out is not sent again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware

from crawler.backoff import retried

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response


class PoliteRetryMiddleware(RetryMiddleware):
    def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:
        if not retried(exception):
            return None
        return super().process_exception(request, exception)
