"""One crawl, many workers: with FRONTIER_REDIS_URL set, each `scrapy crawl
web -s CRAWL_ID=NAME` is a worker of the crawl NAME, sharing its frontier,
its politeness and its robots.txt cache through Redis
(`crawler.sharedfrontier`). This module names the worker and hands every
component the same connection, registered on first use, before any shard
writer touches its folders."""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING

from scrapy.utils.defer import deferred_from_coro

from crawler.errors import ConfigError, WorkerFenced
from crawler.job import crawl_id, remembered_id
from crawler.urls import url_fingerprint

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.sharedfrontier import SharedFrontier

logger = logging.getLogger(__name__)

#: Settings every worker of a crawl must share: who the crawler says it is,
#: what it crawls for, and the least gap it keeps on a host.
AGREED = ("ROBOTSTXT_USER_AGENT", "USER_AGENT", "CRAWL_PURPOSE", "DOWNLOAD_DELAY")

#: Why a worker stopped by itself: it was fenced, or Redis could not be reached.
FENCED, UNAVAILABLE = "fenced", "frontier-unavailable"


def shared(crawler: Crawler) -> bool:
    return bool(crawler.settings.get("FRONTIER_REDIS_URL"))


def worker_id(crawler: Crawler) -> str:
    """WORKER_ID, else the id a JOBDIR remembers, else a new random one;
    kept on the crawler (and in JOBDIR), so a worker restarted from its
    JOBDIR takes up its own shards again."""
    return remembered_id(crawler, "worker", lambda: "w" + secrets.token_hex(3))  # hex never spells a split word


def shard_prefix(crawler: Crawler) -> str:
    """What the crawl's shard files are named after: the crawl id, and with
    a shared frontier the worker id too, so that no two writers ever
    publish a file of the same name."""
    if shared(crawler):
        return f"{crawl_id(crawler)}-{worker_id(crawler)}"
    return crawl_id(crawler)


def unseen(crawler: Crawler, urls: list[str]) -> list[str]:
    """The URLs no worker of the crawl has queued yet, asked in one call
    while other workers take part: a worker that skips a link another one
    queued saves building and scheduling a request Redis would refuse.
    Alone, or without a shared frontier, every URL."""
    frontier: SharedFrontier | None = getattr(crawler, "shared_frontier", None)
    if frontier is None or frontier.crowd < 2 or not urls:
        return urls
    from redis import RedisError

    try:
        seen = frontier.seen([url_fingerprint(url) for url in urls])
    except RedisError:
        return urls  # the scheduler reports it
    return [url for url, known in zip(urls, seen) if not known]


def worker_frontier(crawler: Crawler) -> SharedFrontier | None:
    """The crawl's shared frontier, this worker registered in it; None
    without FRONTIER_REDIS_URL. A ConfigError when Redis cannot be reached,
    the worker id is in use, or the crawl was started with other settings."""
    settings = crawler.settings
    url = settings.get("FRONTIER_REDIS_URL")
    if not url:
        return None
    found: SharedFrontier | None = getattr(crawler, "shared_frontier", None)
    if found is not None:
        return found
    from crawler.sharedfrontier import (  # redis-py only where it is used
        SharedFrontier,
        redacted_url,
    )

    frontier = SharedFrontier.connect(url, crawl_id(crawler), worker_id(crawler))
    differ = frontier.agree({name: str(settings.get(name)) for name in AGREED})
    if differ:
        name, value = next(iter(differ.items()))
        raise ConfigError(
            f"{name}={settings.get(name)!r} differs from {value!r}, which crawl {crawl_id(crawler)} "
            f"was started with: every worker of a crawl uses the same {', '.join(AGREED)}"
        )
    frontier.join(settings.getfloat("FRONTIER_WORKER_TIMEOUT"))
    logger.info("Worker %s of crawl %s joined the shared frontier at %s",
                frontier.worker, crawl_id(crawler), redacted_url(url))
    crawler.shared_frontier = frontier  # type: ignore[attr-defined]
    return frontier


def stop_worker(crawler: Crawler, error: Exception) -> None:
    """Stop this worker gracefully, because it was fenced (WorkerFenced) or
    Redis cannot be reached (a RedisError), whichever component met it
    first: the scheduler, or the pipeline committing a shard. The crawl
    command reports the first such error as one line and exits 1."""
    if getattr(crawler, "worker_error", None) is not None:
        return
    if isinstance(error, WorkerFenced):
        reason, message = FENCED, (
            f"worker {error} was presumed dead (no heartbeat for FRONTIER_WORKER_TIMEOUT="
            f"{crawler.settings.getfloat('FRONTIER_WORKER_TIMEOUT'):g} s) and its URLs were handed to the other "
            "workers: start it again to rejoin the crawl")
    else:
        reason, message = UNAVAILABLE, (
            f"the shared frontier cannot be reached ({error}): start the worker again once Redis is back; "
            "nothing it had not published is lost")
    crawler.worker_error = message  # type: ignore[attr-defined]
    logger.error("Stopping the worker: %s", message)
    deferred_from_coro(crawler.engine.close_spider_async(reason=reason))
