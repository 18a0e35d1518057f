"""Google's robots.txt specification tests, and the real-world corpus."""

import re
import signal

import pytest

from crawler.robots import parse
from tests.corpora import SPEC_TESTS as SPEC
from tests.corpora import robots_corpus
from tests.support import REPO
from tests.textproto import parse as read_textproto


def expectations():
    for path in sorted(SPEC.glob("*/*.textproto")):
        for test in read_textproto(path.read_text())["tests"]:
            for expectation in test["test_expectations"]:
                yield (
                    f"{path.parent.name}/{path.name}",
                    test["robotstxt"][0],
                    expectation["useragent"][0].decode(),
                    expectation["testurl"][0].decode(),
                    expectation["expected_outcome"][0] == "ALLOWED",
                    expectation.get("test_type", ["STANDARD"])[0],
                )


def documented_exceptions() -> list[tuple[str, str, str]]:
    table = (REPO / "CONFORMANCE.md").read_text().split("## Where", 1)[0]
    return sorted(re.findall(r"^\| (\S+\.textproto) \| `([^`]*)` \| `([^`]*)`", table, re.M))


def test_spec_expectations_pass_except_those_contradicting_rfc_9309():
    cases = list(expectations())
    assert len(cases) == 400
    failures = sorted(
        (name, agent, url)
        for name, body, agent, url, allowed, _ in cases
        if parse(body).allowed(url, agent) != allowed
    )
    assert failures == documented_exceptions()
    assert len(failures) == 8


def test_google_specific_expectations_are_reported():
    cases = [c for c in expectations() if c[5] == "GOOGLE_SPECIFIC"]
    passed = sum(parse(body).allowed(url, agent) == allowed for _, body, agent, url, allowed, _ in cases)
    print(f"GOOGLE_SPECIFIC: {passed}/{len(cases)} pass")
    assert len(cases) == 22


def test_every_corpus_file_parses_and_answers():
    files = robots_corpus()
    assert len(files) == 4231
    for _, body in files:
        rules = parse(body)
        rules.allowed("http://example.com/some/path?q=1", "PoliteCrawler")
        rules.explain("http://example.com/search/", "PoliteCrawler")
        rules.crawl_delay("PoliteCrawler")


@pytest.fixture
def hang_guard():
    """Fails a test that runs for ages instead of finishing: an exponential
    matcher would never finish the cases below, a linear one takes microseconds."""
    def expired(*_):
        raise TimeoutError("matching did not finish: exponential behaviour")
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_wildcard_heavy_rules_cannot_blow_up_matching(hang_guard):
    stars = "/" + "a*" * 40 + "b"
    rules = parse(f"User-agent: *\nDisallow: {stars}\nAllow: /*a*a*a*a*a*a*a*a*a*a*$\n".encode())
    url = "http://example.com/" + "a" * 200
    for _ in range(100):
        assert rules.allowed(url, "PoliteCrawler")
    assert rules.explain(url, "PoliteCrawler").allowed
