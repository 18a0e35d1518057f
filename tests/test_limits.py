"""Trap decisions, tested without a crawl."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.limits import trap

LIMITS = {"max_segments": 30, "max_repeats": 3, "latest_year": 2027}


def reason(path: str) -> str | None:
    return trap("http://www.example.com" + path, **LIMITS)


@pytest.mark.parametrize(
    "path, year",
    [
        ("/cal/9999/12/", "9999"),
        ("/cal/10000/01/", "10000"),  # "next month" from 9999/12
        ("/calendar/10000/1/", "10000"),
        ("/cal?year=1900&month=1", "1900"),
        ("/archive/1850/", "1850"),
        ("/archive/1850.html", "1850"),
        ("/cal?ym=299901", "2999"),
        ("/cal/299901", "2999"),
        ("/cal/29990101/", "2999"),
        ("/calendar/2999/01/", "2999"),
        ("/calendar/2999-01/", "2999"),
        ("/events/month/3000-05/", "3000"),
        ("/blog/1969/12/31/", "1969"),
        ("/events/2999-01-05/", "2999"),
        ("/report-2999-01-05.html", "2999"),
        ("/events?tribe-bar-date=3000-01", "3000"),
        ("/list?eventDate=1850-01-01", "1850"),
        ("/list?start_date=1850-01-01", "1850"),
        ("/?m=299901", "2999"),
        ("/?m=1850", "1850"),
        ("/?year=10000", "10000"),
        ("/?event_year=1492", "1492"),
        ("/?date=2999/01", "2999"),
        ("/?from=2999-01-01&to=2999-02-01", "2999"),
        ("/?year=" + "9" * 40, "999999999999..."),
    ],
)
def test_implausible_dates_are_traps(path, year):
    assert reason(path) == f"calendar date in {year}, outside 1970-2027"


@pytest.mark.parametrize(
    "path",
    [
        "/product/1850",  # a four-digit id, no date around it
        "/item/4711/",
        "/p/9999",
        "/page/3000",
        "/products/12345/1/",
        "/users/1234/posts/5",
        "/article/123456789",
        "/news/2024/05/story",  # a plausible date
        "/cal/2026/12/",
        "/?year=2027",
        "/book?isbn=9780306406157",
        "/isbn/978-0-306-40615-7",
        "/book/0-306-40615-2",
        "/p/299901",  # yyyymm-shaped, but an id: no date word
        "/order/29990101",
        "/archive/12345/",  # five digits after a date word, but no month after them
        "/archive/123456789/",
        "/shop?page=2999",
        "/?id=1850",
        "/?update=1234",
        "/?date=1700000000",  # a timestamp, not a date form
        "/?m=1",
        "/?year=5",
        "/tiles?x=1234&y=1500&z=12",
        "/sku/ABC-1234-05",
        "/?sku=ABC-1234-05",
        "/zip/10001",
        "/img/1024x768.png",
        "/v/2.0.3000/x",
        "/release/1.1850.2",
        "/phone/555-1850-1212",
    ],
)
def test_numeric_ids_are_not_dates(path):
    assert reason(path) is None


@given(st.lists(st.one_of(st.integers(0, 10**12).map(str), st.sampled_from(["p", "item", "id", "shop"])),
                max_size=6),
       st.dictionaries(st.sampled_from(["id", "page", "sku", "isbn", "p", "n"]), st.integers(0, 10**15).map(str)))
def test_numbers_outside_a_date_context_are_never_years(segments, query):
    # no date word, no YYYY/MM pair, no YYYY-MM-DD: numbers are identifiers
    segments = [s for s in segments if not (len(s) == 4 and s.isdigit())]
    url = "http://e.com/" + "/".join(segments) + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
    assert trap(url, max_segments=30, max_repeats=99, latest_year=2027) is None


@given(st.text(max_size=80))
def test_any_url_is_decided(tail):
    trap("http://e.com/" + tail, **LIMITS)


def test_repeated_and_deep_paths():
    assert reason("/a/b/a/b/a/b/").startswith("path segment 'a' repeated 3 times")
    assert reason("/x" * 31).startswith("path of 31 segments")
