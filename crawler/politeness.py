"""How fast the crawler may go on one host: pure decisions over settings.

Defaults are polite whatever the operator forgets: one request at a time per
host and at least `POLITE_DELAY` seconds between request starts. Less polite
values are the operator's explicit choice and are warned about at start.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

POLITE_DELAY = 1.0


def slot_pacing(delay: float, jitter: float) -> tuple[float, float]:
    """Delay and jitter for a Scrapy download slot so that random variation
    only ever lengthens the gap: Scrapy's symmetric jitter `d' * (1 ± j')`
    then spans `[delay, delay * (1 + 2 * jitter)]`."""
    if delay <= 0:
        return 0.0, 0.0
    if jitter <= 0:
        return delay, 0.0
    return delay * (1 + jitter), jitter / (1 + jitter)


def politeness_warnings(settings: Mapping[str, Any]) -> list[str]:
    """Settings that make the crawl less polite than the defaults."""
    warnings = []
    delay = float(settings["DOWNLOAD_DELAY"])
    if delay < POLITE_DELAY:
        warnings.append(
            f"DOWNLOAD_DELAY={delay:g} is below the polite default of {POLITE_DELAY:g} s: "
            f"requests to one host may start {delay:g} s apart (robots.txt Crawl-delay still applies)"
        )
    for name in ("CONCURRENT_REQUESTS_PER_DOMAIN", "CONCURRENT_REQUESTS_PER_IP"):
        value = int(settings[name])
        if value > 1:
            warnings.append(
                f"{name}={value} allows {value} requests in flight to one host at a time "
                "(the polite default is 1)"
            )
    for name in ("TELNETCONSOLE_ENABLED", "REMOTE_CONTROL_ENABLED"):
        if settings[name] and str(settings[name]).lower() not in ("0", "false"):
            warnings.append(f"{name} is on: it opens a control port on this machine")
    return warnings
