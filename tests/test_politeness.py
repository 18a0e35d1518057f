import random

import pytest

from crawler.politeness import politeness_warnings, slot_pacing

DEFAULTS = {
    "DOWNLOAD_DELAY": 1.0,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    "CONCURRENT_REQUESTS_PER_IP": 0,
    "TELNETCONSOLE_ENABLED": False,
    "REMOTE_CONTROL_ENABLED": False,
}


def test_defaults_are_quiet():
    assert politeness_warnings(DEFAULTS) == []


@pytest.mark.parametrize(
    "change, fragment",
    [
        ({"DOWNLOAD_DELAY": 0.2}, "DOWNLOAD_DELAY=0.2"),
        ({"CONCURRENT_REQUESTS_PER_DOMAIN": 4}, "CONCURRENT_REQUESTS_PER_DOMAIN=4"),
        ({"CONCURRENT_REQUESTS_PER_IP": 2}, "CONCURRENT_REQUESTS_PER_IP=2"),
        ({"TELNETCONSOLE_ENABLED": True}, "TELNETCONSOLE_ENABLED"),
    ],
)
def test_less_polite_settings_are_warned(change, fragment):
    [warning] = politeness_warnings(DEFAULTS | change)
    assert fragment in warning


@pytest.mark.parametrize("delay, jitter", [(1.0, 0.5), (2.0, 0.1), (1.0, 1.0), (3.0, 2.5)])
def test_jitter_never_shortens_the_gap(delay, jitter):
    slot_delay, slot_jitter = slot_pacing(delay, jitter)
    rng = random.Random(1)
    # Scrapy's Slot.download_delay(): max(0, d * (1 + uniform(-j, j)))
    gaps = [max(0.0, slot_delay * (1 + rng.uniform(-slot_jitter, slot_jitter))) for _ in range(10000)]
    floor = delay
    assert min(gaps) >= floor - 1e-9
    assert max(gaps) <= floor * (1 + 2 * jitter) + 1e-9
    assert max(gaps) > floor * (1 + jitter)  # the jitter is really there


def test_no_jitter_and_no_delay():
    assert slot_pacing(1.5, 0.0) == (1.5, 0.0)
    assert slot_pacing(0.0, 0.5) == (0.0, 0.0)
