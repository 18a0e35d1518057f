"""Is every setting the crawl reads of the right type and in range? Pure:
a settings object in, the first problem out.

Scrapy reads a setting only when a component first needs it, so a bad value
(`-s DOWNLOAD_DELAY=abc`) would surface as a traceback somewhere in the
engine, or not at all until a page triggers it. Checking the whole table
before the crawl starts turns each into one line that names the setting,
the value and what is accepted.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import pyarrow as pa
from scrapy.settings import BaseSettings

from crawler.job import crawl_id_problem
from crawler.netguard import networks
from crawler.privacy import patterns_problem
from crawler.signals import PURPOSES


class Rule(NamedTuple):
    kind: str  # "int", "float", "bool", "text", "list", "dict", "choice"
    minimum: float | None = None
    maximum: float | None = None
    above: bool = False  # the minimum itself is not accepted
    choices: tuple[str, ...] = ()
    why: str = ""
    optional: bool = False  # None (unset) is accepted
    problem: Callable[[Any], str | None] | None = None  # a further check: what is wrong, or None

    def accepted(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        noun = {"int": "a whole number", "float": "a number", "bool": "True or False",
                "text": "a non-empty text", "list": "a list",
                "dict": "a mapping (JSON object) of names to values"}[self.kind]
        if self.minimum is not None and self.maximum is not None and not self.above:
            return f"{noun} from {self.minimum:g} to {self.maximum:g}"
        low = f"{'above' if self.above else 'at least'} {self.minimum:g}" if self.minimum is not None else ""
        high = f"at most {self.maximum:g}" if self.maximum is not None else ""
        return " ".join([noun, " and ".join(filter(None, (low, high)))]).strip()


def _networks(specs: list[str]) -> str | None:
    try:
        networks(specs)
    except ValueError as error:
        return str(error)
    return None


def _codec(name: str) -> str | None:
    try:
        if name.lower() in ("none", "uncompressed") or pa.Codec.is_available(name):
            return None
    except ValueError:
        pass
    return "use a codec pyarrow offers: zstd, snappy, gzip, brotli, lz4 or none"


def _redis_url(url: str) -> str | None:
    if url.partition("://")[0] not in ("redis", "rediss", "unix"):
        return "use a Redis URL: redis://HOST:PORT/DB, rediss://... (TLS) or unix:///path/to/redis.sock"
    return None


def _at_least(kind: str, minimum: float) -> Rule:
    return Rule(kind, minimum)


MAX_CACHE_SECONDS = 86400.0  # RFC 9309 2.4: a cached robots.txt is used for at most 24 h
SECONDS, POSITIVE_SECONDS = _at_least("float", 0), Rule("float", 0, above=True)
COUNT, POSITIVE_COUNT = _at_least("int", 0), _at_least("int", 1)

#: Every setting the crawl reads, its own and the Scrapy ones it depends on.
RULES: dict[str, Rule] = {
    "DOWNLOAD_DELAY": SECONDS,
    "DOWNLOAD_DELAY_JITTER": Rule("float", 0, 1),
    "CONCURRENT_REQUESTS_PER_DOMAIN": POSITIVE_COUNT,
    "CONCURRENT_REQUESTS_PER_IP": COUNT,
    "CONCURRENT_REQUESTS": POSITIVE_COUNT,
    "CONCURRENT_ITEMS": POSITIVE_COUNT,
    "COOKIES_ENABLED": Rule("bool"),
    "TELNETCONSOLE_ENABLED": Rule("bool"),
    "ROBOTSTXT_OBEY": Rule("bool"),
    "AUTOTHROTTLE_ENABLED": Rule("bool"),
    "HTTPERROR_ALLOW_ALL": Rule("bool"),
    "WARN_ON_GENERATOR_RETURN_VALUE": Rule("bool"),
    "REFERRER_POLICY": Rule("choice", choices=(
        "no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin",
        "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url", "scrapy-default")),
    "DNSCACHE_ENABLED": Rule("bool"),
    "DNSCACHE_SIZE": COUNT,
    "DNS_TIMEOUT": POSITIVE_SECONDS,
    "USER_AGENT": Rule("text"),
    "ROBOTSTXT_USER_AGENT": Rule("text"),
    "ROBOTS_CACHE_SECONDS": Rule("float", 0, MAX_CACHE_SECONDS, above=True,
                                 why="RFC 9309 allows a cached robots.txt for at most 24 h"),
    "ROBOTS_MAX_CRAWL_DELAY": SECONDS,
    "ROBOTS_RETRY_DELAY": SECONDS,
    "ROBOTS_RETRY_MAX_DELAY": SECONDS,
    "ROBOTS_RETRY_TIMES": COUNT,
    "BACKOFF_CHALLENGE_PAUSE": SECONDS,
    "BACKOFF_GIVE_UP_AFTER": POSITIVE_COUNT,
    "BACKOFF_RATELIMIT_PAUSE": SECONDS,
    "BACKOFF_MAX_PAUSE": SECONDS,
    "BACKOFF_RETRY_TIMES": COUNT,
    "BACKOFF_MAX_SLOWDOWN": _at_least("float", 1),
    "SIGNALS_FOLLOW_REL_NOFOLLOW": Rule("bool"),
    "SITEMAPS_ENABLED": Rule("bool"),
    "SITEMAPS_MAX_BYTES": COUNT,
    "SITEMAPS_MAX_URLS": COUNT,
    "SITEMAPS_MAX_DEPTH": COUNT,
    "CRAWL_MAX_PAGES": COUNT,
    "DEPTH_LIMIT": COUNT,
    "DOWNLOAD_MAXSIZE": COUNT,
    "DOWNLOAD_WARNSIZE": COUNT,
    "DOWNLOAD_TIMEOUT": POSITIVE_SECONDS,
    "RETRY_TIMES": COUNT,
    "URLLENGTH_LIMIT": COUNT,
    "LIMITS_CONTENT_TYPES": Rule("list"),
    "LIMITS_LINKS_PER_PAGE": COUNT,
    "LIMITS_HTML_TAGS": COUNT,
    "LIMITS_PAGES_PER_HOST": COUNT,
    "LIMITS_PATH_SEGMENTS": POSITIVE_COUNT,
    "LIMITS_REPEATED_SEGMENTS": POSITIVE_COUNT,
    "LIMITS_QUERY_VARIANTS": POSITIVE_COUNT,
    "NETGUARD_ALLOWED_NETWORKS": Rule("list", problem=_networks),
    "PARQUET_DIR": Rule("text"),
    "PARQUET_ROW_GROUP_BYTES": POSITIVE_COUNT,
    "PARQUET_FILE_BYTES": POSITIVE_COUNT,
    "PARQUET_COMPRESSION": Rule("text", problem=_codec),
    "PARQUET_COMPRESSION_LEVEL": Rule("int"),
    "PARQUET_FILE_SECONDS": POSITIVE_SECONDS,
    "AUDIT_DIR": Rule("text"),
    "AUDIT_ROW_GROUP_BYTES": POSITIVE_COUNT,
    "AUDIT_FILE_BYTES": POSITIVE_COUNT,
    "AUDIT_FILE_SECONDS": POSITIVE_SECONDS,
    "PRIVACY_DENYLIST": Rule("text", optional=True),
    "PRIVACY_KEY_FILE": Rule("text", optional=True),
    "PRIVACY_ERASURES_DIR": Rule("text", optional=True),
    "PRIVACY_RETENTION_DAYS": SECONDS,
    "PROGRESS_INTERVAL": SECONDS,
    "PROGRESS_HOSTS": COUNT,
    "TEXT_EXTRACTOR": Rule("text"),
    "LOG_FORMATTER": Rule("text"),
    "PRIVACY_REDACT": Rule("bool"),
    "PRIVACY_PATTERNS": Rule("dict", problem=patterns_problem),
    "PRIVACY_KEEP_BODY": Rule("bool", optional=True),
    "CRAWL_PURPOSE": Rule("choice", choices=PURPOSES),
    "CRAWL_ID": Rule("text", optional=True, problem=crawl_id_problem),
    "FRONTIER_REDIS_URL": Rule("text", optional=True, problem=_redis_url),
    "WORKER_ID": Rule("text", optional=True, problem=crawl_id_problem),
    "FRONTIER_WORKER_TIMEOUT": Rule("float", 1, 3600),
    "LOG_LEVEL": Rule("choice", choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")),
}

_GETTERS: dict[str, Callable[[BaseSettings, str], Any]] = {
    "int": BaseSettings.getint,
    "float": BaseSettings.getfloat,
    "bool": BaseSettings.getbool,
    "list": BaseSettings.getlist,
    "dict": BaseSettings.getdict,
    "text": BaseSettings.get,
    "choice": BaseSettings.get,
}


def setting_error(settings: BaseSettings) -> str | None:
    """The first setting whose value the crawl cannot use, as one sentence
    naming the setting, the value and what is accepted; None when all are fine."""
    for name, rule in RULES.items():
        raw = settings.get(name)
        if raw is None and (rule.optional or rule.kind not in ("text", "choice")):
            continue  # Scrapy's own default applies
        try:
            value = _GETTERS[rule.kind](settings, name)
        except (TypeError, ValueError):
            value = None
        problem = value is None
        if rule.kind == "text":
            problem = not isinstance(value, str) or not value.strip()
        elif rule.kind == "choice":
            problem = value not in rule.choices
        elif rule.kind in ("int", "float") and not problem:
            problem = (
                not math.isfinite(value)
                or (rule.minimum is not None and (value <= rule.minimum if rule.above else value < rule.minimum))
                or (rule.maximum is not None and value > rule.maximum)
            )
        if problem:
            why = f" ({rule.why})" if rule.why else ""
            return f"{name}={raw!r} is not accepted{why}: use {rule.accepted()}"
        if rule.problem is not None and (found := rule.problem(value)) is not None:
            return f"{name}={raw!r} is not accepted: {found}"
    if settings.get("FRONTIER_REDIS_URL") and not settings.get("CRAWL_ID"):
        return ("FRONTIER_REDIS_URL is set without CRAWL_ID: workers of one crawl find each other by its id; "
                "give every worker the same -s CRAWL_ID=NAME")
    return None
