import gzip

import pytest

from crawler.robots import Preference, parse
from crawler.signals import (
    Signals,
    combine_usage,
    decide,
    page_signals,
    parse_tdmrep,
    robots_directives,
    robots_usage,
    tdm,
    tdm_file_rule,
    usage_preferences,
)
from crawler.sitemaps import gunzip, read_sitemap, without_doctype

TOKEN = "PoliteCrawler"


@pytest.mark.parametrize(
    "headers, metas, expected",
    [
        ([], [("robots", "noindex, nofollow")], {"noindex", "nofollow"}),
        ([], [("ROBOTS", "None")], {"none", "noindex", "nofollow"}),
        ([], [("PoliteCrawler", "noindex")], {"noindex"}),
        ([], [("politecrawler", "noai")], {"noai"}),
        ([], [("googlebot", "noindex")], set()),
        (["noindex"], [], {"noindex"}),
        (["otherbot: noindex"], [], set()),
        (["politecrawler: noindex, nofollow"], [], {"noindex", "nofollow"}),
        (["otherbot: noindex, politecrawler: noarchive"], [], {"noarchive"}),
        (["noarchive", "otherbot: none"], [], {"noarchive"}),
        (["max-snippet: 20, noai"], [], {"max-snippet", "noai"}),
        (["unavailable_after: 25 Jun 2010 15:00:00 PST"], [], {"unavailable_after"}),
    ],
)
def test_robots_directives(headers, metas, expected):
    assert set(robots_directives(TOKEN, headers, metas)) == expected


def test_directive_sources_are_kept_for_the_log():
    found = robots_directives(TOKEN, ["politecrawler: noindex"], [("robots", "nofollow")])
    assert found["nofollow"] == '<meta name="robots"> nofollow'
    assert found["noindex"] == "X-Robots-Tag: politecrawler: noindex"


def test_usage_preferences_and_combination():
    assert usage_preferences("train-ai=n, search=y, bogus=maybe, ai-use") == {"train-ai": "n", "search": "y"}
    assert combine_usage({"train-ai": "y"}, {"train-ai": "n"}, {"search": "y"}) == {"train-ai": "n", "search": "y"}


def test_robots_usage_longest_path_and_most_restrictive_tie():
    prefs = [Preference(None, "train-ai=n", 3), Preference("/open/", "train-ai=y", 4),
             Preference("/open/", "train-ai=n", 5), Preference("/free/*.html", "train-ai=y", 6)]
    assert robots_usage(prefs, "http://e.com/page")[0] == {"train-ai": "n"}
    assert robots_usage(prefs, "http://e.com/open/x")[0] == {"train-ai": "n"}  # tie: n wins
    assert robots_usage(prefs, "http://e.com/free/a.html")[0] == {"train-ai": "y"}
    assert robots_usage([], "http://e.com/")[0] == {}
    rules = parse(b"User-agent: *\nContent-Usage: train-ai=n\nContent-Usage: /ok/ train-ai=y\nAllow: /\n")
    assert robots_usage(rules.content_usage(TOKEN), "http://e.com/ok/1")[0] == {"train-ai": "y"}


def test_content_usage_and_tdmrep_paths_match_as_robots_rules_do():
    """The robots.txt matcher's reading (RFC 9309): `$` ends a pattern only at
    its end, escapes compare decoded once, the longest match counts octets,
    and no pattern can make matching blow up."""
    prefs = [Preference("/*.pdf$", "train-ai=n", 3), Preference("/caf%C3%A9/", "train-ai=y", 4)]
    assert robots_usage(prefs, "http://e.com/a.pdf")[0] == {"train-ai": "n"}
    assert robots_usage(prefs, "http://e.com/a.pdf$")[0] == {}  # a literal `$` in the URL
    assert robots_usage(prefs, "http://e.com/café/x")[0] == {"train-ai": "y"}
    stars = Preference("/" + "a*" * 40 + "b", "train-ai=n", 5)
    assert robots_usage([stars], "http://e.com/" + "a" * 5000)[0] == {}
    rules = parse_tdmrep(b'[{"location": "/%7Ejane/*", "tdm-reservation": 1}]')
    assert tdm_file_rule(rules, "http://e.com/~jane/cv.html").reservation == 1


def test_tdmrep_file_first_match_and_invalid_values():
    rules = parse_tdmrep(
        b'[{"location": "/free/*", "tdm-reservation": 0},'
        b' {"location": "/*.pdf$", "tdm-reservation": 1, "tdm-policy": "https://e.com/policy.json"},'
        b' {"location": "/", "tdm-reservation": 2}, {"nolocation": 1}]'
    )
    assert len(rules) == 3
    assert tdm_file_rule(rules, "http://e.com/free/a.pdf").reservation == 0  # first match wins
    assert tdm_file_rule(rules, "http://e.com/doc.pdf").policy == "https://e.com/policy.json"
    assert tdm_file_rule(rules, "http://e.com/doc.pdf?x").reservation is None  # 2 is a protocol error
    assert parse_tdmrep(b"not json") == []


def test_tdm_precedence_meta_over_header_over_file():
    [rule] = parse_tdmrep(b'[{"location": "/", "tdm-reservation": 1}]')
    assert tdm({}, {}, rule) == (1, None, "tdmrep.json location /")
    assert tdm({}, {"tdm-reservation": "0"}, rule) == (0, None, "header")
    assert tdm({"tdm-reservation": "1", "tdm-policy": "p"}, {"tdm-reservation": "0"}, None) == (1, "p", "meta")
    assert tdm({"tdm-reservation": "yes"}, {}, None) == (None, None, None)


@pytest.mark.parametrize(
    "signals, ai, search, archive",
    [
        (Signals(), None, None, None),
        (Signals(directives={"noindex": "m"}), "noindex", "noindex", "noindex"),
        (Signals(directives={"noai": "m"}), "noai", None, None),
        (Signals(directives={"noimageai": "m"}), "noai", None, None),
        (Signals(tdm_reservation=1, tdm_source="header"), "tdm", None, None),
        (Signals(tdm_reservation=0, tdm_source="header"), None, None, None),
        (Signals(content_usage={"train-ai": "n"}), "content-usage", None, None),
        (Signals(content_usage={"search": "n"}), None, "content-usage", None),
        (Signals(directives={"noarchive": "m"}), None, None, "noarchive"),
    ],
)
def test_decision_table(signals, ai, search, archive):
    assert [decide(p, signals).store for p in ("ai-training", "search", "archive")] == [ai, search, archive]


def test_nofollow_and_none_stop_following():
    assert not decide("search", Signals(directives={"nofollow": "m"})).follow
    assert decide("ai-training", Signals(directives={"noindex": "m"})).follow


def test_page_signals_gathers_every_source():
    [rule] = parse_tdmrep(b'[{"location": "/", "tdm-reservation": 1}]')
    signals = page_signals(
        TOKEN,
        {"x-robots-tag": ["otherbot: noindex", "noarchive"], "content-usage": ["search=y"]},
        [("robots", "noai"), ("tdm-policy", "https://e.com/p")],
        rule,
        ({"train-ai": "n"}, "robots.txt Content-Usage (line 2)"),
    )
    assert set(signals.directives) == {"noarchive", "noai"}
    assert (signals.tdm_reservation, signals.tdm_source) == (1, "tdmrep.json location /")
    assert signals.usage_text == "search=y, train-ai=n"
    assert signals.content_usage_source == "robots.txt Content-Usage (line 2) and Content-Usage header"


URLSET = (
    b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<url><loc> http://e.com/a </loc></url><url><loc>http://e.com/b</loc><lastmod>2020</lastmod></url>"
    b"<url><loc>http://e.com/c</loc></url></urlset>"
)


def test_sitemap_urlset_index_gzip_and_caps():
    sitemap = read_sitemap(URLSET, 10**6, 10)
    assert (sitemap.kind, sitemap.locations, sitemap.problem) == ("urlset", ["http://e.com/a", "http://e.com/b", "http://e.com/c"], "")
    capped = read_sitemap(URLSET, 10**6, 2)
    assert capped.locations == ["http://e.com/a", "http://e.com/b"] and "only the first 2" in capped.problem
    index = read_sitemap(b"<sitemapindex><sitemap><loc>http://e.com/s1.xml</loc></sitemap></sitemapindex>", 10**6, 10)
    assert (index.kind, index.locations) == ("sitemapindex", ["http://e.com/s1.xml"])
    assert read_sitemap(gzip.compress(URLSET), 10**6, 10).locations[0] == "http://e.com/a"
    assert "larger than" in read_sitemap(URLSET, 100, 10).problem
    assert read_sitemap(b"<html><body>no</body></html>", 10**6, 10).kind == ""


def test_gzip_bomb_stops_early():
    bomb = gzip.compress(b"\0" * 50_000_000)
    assert gunzip(bomb, 1_000_000) is None
    assert gunzip(gzip.compress(b"ok"), 10) == b"ok"
    assert gunzip(b"\x1f\x8bgarbage", 10) is None


def test_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file://{secret}">]>'
           "<urlset><url><loc>http://e.com/&x;</loc></url></urlset>").encode()
    assert not any("TOPSECRET" in loc for loc in read_sitemap(xxe, 10**6, 10).locations)


LAUGHS = b"".join(b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10))
URLS = b"<url><loc>http://e.com/a</loc></url><url><loc>%s</loc></url><url><loc>http://e.com/b</loc></url>"


@pytest.mark.parametrize("doctype, reference", [
    (b'<!DOCTYPE urlset [<!ENTITY l0 "lol">' + LAUGHS + b"]>", b"&l9;"),  # refused by libxml2: it stopped there
    (b'<!DOCTYPE urlset [<!ENTITY a "&b;"><!ENTITY b "&a;">]>', b"&a;"),
    (b'<!DOCTYPE urlset [<!ENTITY e "unterminated>]>', b"&e;"),
    (b'<!DOCTYPE urlset [<!ENTITY % p SYSTEM "http://127.0.0.1/x.dtd"> %p;]>', b"&p;"),
    (b"<!DOCTYPE urlset>", b"&nope;"),
])
def test_urls_around_refused_entity_declarations_are_kept(doctype, reference):
    body = b'<?xml version="1.0"?>\n<!-- a comment -->' + doctype + b"<urlset>" + URLS % reference + b"</urlset>"
    assert read_sitemap(body, 10**6, 10).locations == ["http://e.com/a", "http://e.com/b"]


def test_only_a_doctype_before_the_root_element_is_removed():
    body = b"<urlset><url><loc>http://e.com/&lt;!DOCTYPE</loc></url><!-- <!DOCTYPE x> --></urlset>"
    assert without_doctype(body) == body
    assert without_doctype(b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x "]">]><u/>') == b'<?xml version="1.0"?><u/>'
