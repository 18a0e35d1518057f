import collections

import pytest
from scrapy.exceptions import DownloadTimeoutError
from twisted.internet.error import ConnectionRefusedError, TCPTimedOutError
from twisted.internet.error import TimeoutError as TwistedTimeoutError

from crawler.backoff import BackoffPolicy, HostBackoff, retried, retry_after
from crawler.walls import HEAD_BYTES, KINDS, challenge_url, classify, login_url
from tests.walls_corpus import REAL_CHALLENGES, all_cases

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_labelled_case(case):
    verdict = classify(case.status, case.headers, case.url, case.redirects, case.body)
    assert verdict.kind == case.kind, verdict
    assert verdict.is_content or verdict.evidence


def test_precision_and_recall_per_class():
    assert len(REAL_CHALLENGES) == 10
    confusion = collections.Counter()
    for case in CASES:
        confusion[case.kind, classify(case.status, case.headers, case.url, case.redirects, case.body).kind] += 1
    print()
    for kind in KINDS:
        tp = confusion[kind, kind]
        predicted = sum(n for (_, got), n in confusion.items() if got == kind)
        actual = sum(n for (want, _), n in confusion.items() if want == kind)
        print(f"{kind:10} cases {actual:3}  precision {tp / predicted if predicted else 1:.2f}  "
              f"recall {tp / actual if actual else 1:.2f}")
        assert actual >= 3, kind
        assert tp == predicted == actual, kind


@pytest.mark.parametrize(
    "url, login",
    [
        ("http://e.com/login", True),
        ("http://e.com/sign-in?x=1", True),
        ("http://e.com/index.php?option=com_users&view=login", True),
        ("http://auth.e.com/start?rd=/x", True),
        ("http://e.com/blog/how-to-login-to-wifi", False),
        ("http://e.com/catalog?next=3", False),
        ("http://login.e.com/", False),  # a login.* host needs a return-to parameter
    ],
)
def test_login_urls(url, login):
    assert bool(login_url(url)) is login


def test_challenge_urls():
    assert challenge_url("http://e.com/.within.website/?redir=/") is not None
    assert challenge_url("http://e.com/cdn-cgi/l/email-protection") is None


@pytest.mark.parametrize(
    "value, expected",
    [
        ("120", 120.0),
        (" 6 ", 6.0),
        ("Sun, 06 Nov 1994 08:49:47 GMT", 10.0),
        ("Sunday, 06-Nov-94 08:49:47 GMT", 10.0),
        ("Sun Nov  6 08:49:47 1994", 10.0),
        ("Sun, 06 Nov 1994 08:49:00 GMT", 0.0),
        ("soon", None),
        ("-5", None),
        (None, None),
    ],
)
def test_retry_after(value, expected):
    now = 784111777.0  # Sun, 06 Nov 1994 08:49:37 GMT
    assert retry_after(value, now) == expected


def test_challenges_pause_for_minutes_then_give_up():
    policy = BackoffPolicy(challenge_pause=600, give_up_after=3, max_pause=21600)
    host = HostBackoff()
    assert host.challenged(policy, 1000.0) == 600
    assert host.paused_until == 1600.0
    assert host.challenged(policy, 1700.0) == 1200
    assert host.challenged(policy, 3000.0) is None and host.gave_up


def test_rate_limits_honour_retry_after_or_back_off():
    policy = BackoffPolicy(ratelimit_pause=30, max_pause=3600)
    host = HostBackoff()
    assert host.rate_limited(policy, 0.0, 6.0) == 6.0
    assert host.rate_limited(policy, 0.0, None) == 60  # second rate limit without Retry-After
    assert host.rate_limited(policy, 0.0, 10**9) == 3600  # clamped
    assert host.rate_limited(policy, 0.0, 0.0) == 1.0  # at least a second
    host.succeeded()
    assert host.rate_limited(policy, 0.0, None) == 30


def test_server_errors_slow_the_host_down_and_successes_recover():
    policy = BackoffPolicy(max_slowdown=8)
    host = HostBackoff()
    assert [host.server_error(policy) for _ in range(5)] == [2, 4, 8, 8, 8]
    assert [host.succeeded() for _ in range(4)] == [4, 2, 1, 1]


def test_only_the_head_of_the_body_is_read():
    # cost is bounded by HEAD_BYTES, whatever the page's size (benchmarks/bench_walls.py times it)
    marker = b"<script>window._cf_chl_opt={}</script>"
    padding = b"<p>" + b"word " * (HEAD_BYTES // 5) + b"</p>"
    headers = {"content-type": "text/html"}
    assert classify(200, headers, "http://e.com/", (), b"<html><body>" + marker + padding).kind == "challenge"
    assert classify(200, headers, "http://e.com/", (), b"<html><body>" + padding + marker).is_content


@pytest.mark.parametrize("error", [DownloadTimeoutError("took longer than 30 seconds"), TwistedTimeoutError(),
                                   TCPTimedOutError(), TimeoutError()])
def test_a_timeout_is_never_retried(error):
    assert not retried(error)


@pytest.mark.parametrize("error", [ConnectionRefusedError(), OSError("reset"), ValueError("x")])
def test_other_failures_are_left_to_the_retry_middleware(error):
    assert retried(error)
