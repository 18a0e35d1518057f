"""Selectors, the deny list and keyed pseudonyms: pure decisions, and their two small files."""

from __future__ import annotations

import os
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler import denylist
from crawler.denylist import DenyList, Selector, chosen, parse, selector
from crawler.errors import ConfigError
from crawler.pseudonyms import KEY_BYTES, is_pseudonym, privacy_key, pseudonym, read_key


@pytest.mark.parametrize("kind, value, expected", [
    ("url", " HTTP://WWW.Example.com:80/a/./b#frag ", "http://www.example.com/a/b"),
    ("prefix", "https://example.com", "https://example.com/"),
    ("host", "WWW.Example.COM.", "www.example.com"),
    ("host", "bücher.example", "xn--bcher-kva.example"),
    ("domain", "example.co.uk", "example.co.uk"),
    ("match", "  Jane Roe ", "Jane Roe"),
])
def test_selectors_take_the_form_stored_rows_use(kind, value, expected):
    assert selector(kind, value) == Selector(kind, expected)


@pytest.mark.parametrize("kind, value, fragment", [
    ("url", "ftp://example.com/", "not a crawlable http(s) URL"),
    ("url", "http://user:pw@example.com/", "without credentials"),
    ("prefix", "/relative", "not a crawlable http(s) URL"),
    ("host", "http://example.com/", "is not a host name"),
    ("host", "", "is not a host name"),
    ("domain", "www.example.co.uk", "give domain example.co.uk, or host www.example.co.uk"),
    ("match", "ab", "at least 3 printable characters"),
    ("match", "two\nlines", "at least 3 printable characters"),
    ("hots", "example.com", "unknown entry 'hots'"),
])
def test_bad_selectors_say_what_to_give(kind, value, fragment):
    with pytest.raises(ValueError) as error:
        selector(kind, value)
    assert fragment in str(error.value)


def test_exactly_one_selector_option():
    assert chosen({"host": "example.com", "url": None}) == Selector("host", "example.com")
    for options in ({}, {"host": "a.example", "domain": "example.com"}):
        with pytest.raises(ValueError, match="give exactly one of --url"):
            chosen(options)


@pytest.mark.parametrize("entry, url, selected", [
    ("url http://example.com/p?a=1&b=2", "http://example.com/p?b=2&a=1", True),  # one document, either order
    ("url http://example.com/p", "http://example.com/p/", False),
    ("prefix http://example.com/people/", "http://EXAMPLE.com/people/jane", True),
    ("prefix http://example.com/people/", "https://example.com/people/jane", False),
    ("host people.example.com", "http://people.example.com:8080/x", True),
    ("host people.example.com", "http://www.people.example.com/", False),
    ("domain example.com", "http://deep.www.example.com/", True),
    ("domain example.com", "http://example.com.evil.org/", False),
    ("match jane.roe@example.org", "http://example.com/contact/jane.roe@example.org", True),
    ("match Jane Roe", "http://example.com/jane-roe", False),
])
def test_what_an_entry_selects(entry, url, selected):
    listed = parse(entry)
    assert (listed.forbids(url) is not None) is selected
    assert listed.entries[0][1].matches_url(url) is selected


def test_the_evidence_names_the_line_never_the_value():
    listed = parse("# comment\n\nhost a.example\nmatch Jane Roe\n")
    assert listed.forbids("http://a.example/x") == "erased on request: host entry on line 3 of PRIVACY_DENYLIST"
    assert listed.forbids_text("about Jane Roe") == "erased on request: match entry on line 4 of PRIVACY_DENYLIST"
    assert listed.forbids_text("about jane roe") is None  # a literal, as given
    assert not DenyList() and listed


ENTRIES = st.lists(st.tuples(
    st.sampled_from(["url", "prefix", "host", "domain", "match"]),
    st.sampled_from(["http://a.example/x", "http://a.example/", "https://b.example.co.uk/p?q=1",
                     "a.example", "www.b.example.co.uk", "example.co.uk", "b.example.co.uk", "/p?q"]),
), max_size=6)
URLS = st.sampled_from(["http://a.example/x", "http://a.example/xy", "https://a.example/x", "http://A.example:80/x",
                        "https://www.b.example.co.uk/p?q=1", "https://b.example.co.uk/p?q=1", "http://c.example/p?q",
                        "http://u:p@a.example/x", "not a url"])


@given(ENTRIES, URLS)
def test_the_index_agrees_with_the_entries_one_by_one(entries, url):
    """The crawl's fast check selects a URL exactly when one of the entries does."""
    valid = []
    for number, (kind, value) in enumerate(entries, 1):
        try:
            valid.append((number, selector(kind, value)))
        except ValueError:
            continue
    listed = DenyList(valid)
    assert (listed.forbids(url) is not None) == any(entry.matches_url(url) for _, entry in valid)


def test_a_bad_line_stops_with_the_setting_the_line_and_the_fix(tmp_path):
    path = tmp_path / "forgotten.txt"
    path.write_text("host a.example\nhots b.example\n")
    with pytest.raises(ConfigError, match=r"PRIVACY_DENYLIST=.*: line 2: unknown entry 'hots'.*fix or remove the line"):
        denylist.load(path)
    assert not denylist.load(tmp_path / "none-yet.txt")


def test_adding_entries_is_idempotent_and_keeps_the_file_readable(tmp_path):
    path = tmp_path / "lists" / "forgotten.txt"
    host, match = Selector("host", "a.example"), Selector("match", "Jane Roe")
    assert denylist.add(path, [host], "first") == [host]
    assert denylist.add(path, [host, match, match], "second") == [match]
    assert denylist.add(path, [host, match], "third") == []
    text = path.read_text()
    assert text.startswith(denylist.HEADER) and text.count("host a.example") == 1 and "third" not in text
    assert [entry for _, entry in denylist.load(path).entries] == [host, match]


def test_a_pseudonym_needs_the_key_and_is_the_same_for_every_spelling():
    key, other = b"k" * KEY_BYTES, b"o" * KEY_BYTES
    url = "http://www.example.com/a"
    assert pseudonym(key, url) == pseudonym(key, "HTTP://www.EXAMPLE.com:80/a#top")
    assert pseudonym(key, url) != pseudonym(other, url)
    assert is_pseudonym(pseudonym(key, url)) and len(pseudonym(key, url)) == len("hmac-sha256:") + 64
    assert not is_pseudonym(url)


def test_the_key_is_created_once_readable_by_its_owner_only(tmp_path):
    path = tmp_path / ".privacy" / "key"
    assert read_key(path) is None
    key = privacy_key(path)
    assert len(key) == KEY_BYTES and privacy_key(path) == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["key"]
    path.write_bytes(b"short")
    with pytest.raises(ConfigError, match="is not a key of 32 bytes: restore it from your backup"):
        read_key(path)
