"""How a host that pushes back is treated: pauses after challenges, blocks
and rate limits, giving up on a host that keeps challenging, a longer gap
for a host that keeps failing with 5xx, and no retry of a request that timed
out. Pure: times are passed in."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.exceptions import DownloadTimeoutError
from twisted.internet.error import TCPTimedOutError
from twisted.internet.error import TimeoutError as TwistedTimeoutError

_TIMEOUTS = (DownloadTimeoutError, TwistedTimeoutError, TCPTimedOutError, TimeoutError)


def retried(error: BaseException) -> bool:
    """Whether a request that failed with `error` may be retried at all (the
    retry middleware then decides by its own exception list and
    RETRY_TIMES). A timeout is not: the URL held the host's one slot for
    DOWNLOAD_TIMEOUT already, a server that did not answer in that time is
    slow or overloaded and more requests add to its load, and a URL that
    never answers (a tarpit) would hold the host three times as long."""
    return not isinstance(error, _TIMEOUTS)


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After value (delay-seconds, or an
    HTTP-date in IMF-fixdate, RFC 850 or asctime form), given the current
    epoch time; None when absent or unreadable, 0 for a date in the past."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.fromtimestamp(now, UTC)).total_seconds())


@dataclass(frozen=True)
class BackoffPolicy:
    challenge_pause: float = 600.0
    give_up_after: int = 3
    ratelimit_pause: float = 30.0
    max_pause: float = 21600.0
    max_slowdown: float = 8.0


@dataclass
class HostBackoff:
    """What one host has pushed back with so far."""

    walls: int = 0  # challenges and blocks
    ratelimits: int = 0  # rate limits since the last success
    slowdown: float = 1.0  # multiplier of the host's gap
    paused_until: float = 0.0
    gave_up: bool = False

    def challenged(self, policy: BackoffPolicy, now: float) -> float | None:
        """A challenge or block: pause for `challenge_pause`, doubled each
        time; None once the host is given up for the rest of the crawl."""
        self.walls += 1
        if self.walls >= policy.give_up_after:
            self.gave_up = True
            self.paused_until = math.inf
            return None
        pause = min(policy.max_pause, policy.challenge_pause * 2 ** (self.walls - 1))
        self.paused_until = max(self.paused_until, now + pause)
        return pause

    def rate_limited(self, policy: BackoffPolicy, now: float, wait: float | None) -> float:
        """A rate limit: pause for what Retry-After asked (at least a second,
        at most `max_pause`), else exponentially from `ratelimit_pause`."""
        self.ratelimits += 1
        if wait is None:
            wait = policy.ratelimit_pause * 2 ** (self.ratelimits - 1)
        pause = min(policy.max_pause, max(1.0, wait))
        self.paused_until = max(self.paused_until, now + pause)
        return pause

    def server_error(self, policy: BackoffPolicy) -> float:
        """A 5xx: the host's gap doubles, up to `max_slowdown` times."""
        self.slowdown = min(policy.max_slowdown, self.slowdown * 2)
        return self.slowdown

    def succeeded(self) -> float:
        """A normal answer: rate-limit back-off resets, the slowdown halves."""
        self.ratelimits = 0
        self.slowdown = max(1.0, self.slowdown / 2)
        return self.slowdown
