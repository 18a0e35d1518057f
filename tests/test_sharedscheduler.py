"""The shared scheduler's timing decision; its behaviour with real workers
and Redis is in test_workers.py."""

import pytest

from crawler.sharedscheduler import CLAIM_SECONDS, POLL_SECONDS, sync_period


@pytest.mark.parametrize("workers", [0, 1])
def test_a_worker_alone_syncs_every_claim_period(workers):
    assert sync_period(workers) == CLAIM_SECONDS


def test_the_period_grows_with_the_workers_so_the_crawl_syncs_as_often():
    assert sync_period(4) == pytest.approx(4 * CLAIM_SECONDS)
    assert sync_period(4) / 4 == pytest.approx(sync_period(1))


def test_the_period_never_exceeds_the_poll_period():
    assert sync_period(1000) == POLL_SECONDS
