import re
from urllib.parse import unquote_to_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.robots import (
    MAX_BYTES,
    Availability,
    classify,
    delay_note,
    noted_delay,
    origin_of,
    parse,
    path_octets,
    retry_delay,
)
from tests.corpora import robots_corpus
from tests.robots_cases import explains, rule_cases

TOKEN = "PoliteCrawler"


def rules(text: str):
    return parse(text.encode())


def test_own_group_overrides_star_and_groups_combine():
    r = rules(
        "User-agent: *\nDisallow: /\n\n"
        "User-agent: politecrawler\nDisallow: /private/\n\n"
        "User-agent: OtherBot\nDisallow: /other/\n\n"
        "User-agent: PoliteCrawler\nDisallow: /tmp/\n"
    )
    assert r.allowed("http://e.com/page", TOKEN)
    assert not r.allowed("http://e.com/private/x", TOKEN)
    assert not r.allowed("http://e.com/tmp/x", TOKEN)  # both groups for the token apply
    assert r.allowed("http://e.com/other/x", TOKEN)
    assert not r.allowed("http://e.com/page", "SomeoneElse")


def test_token_matches_exactly_not_as_a_prefix():
    r = rules("User-agent: Polite\nDisallow: /\n\nUser-agent: PoliteCrawler-Beta\nDisallow: /\n")
    assert r.allowed("http://e.com/x", TOKEN)
    r = rules("User-agent: politecrawler*\nDisallow: /x\n")  # read up to '*'
    assert not r.allowed("http://e.com/x", TOKEN)
    r = rules("User-agent: PoliteCrawler/1.0 (+https://e.com)\nDisallow: /x\n")
    assert not r.allowed("http://e.com/x", TOKEN)


def test_unknown_lines_and_crawl_delay_do_not_end_a_group():
    r = rules("User-agent: a\n<br />\nCrawl-delay: 5\nUser-agent: politecrawler\nSitemap: /s.xml\nDisallow: /x\n")
    assert not r.allowed("http://e.com/x", TOKEN)
    assert not r.allowed("http://e.com/x", "a")
    assert r.crawl_delay(TOKEN) == 5


def test_a_group_of_only_crawl_delay_joins_the_next_user_agent_line():
    # RFC 9309 2.1: the group goes on until a User-agent line follows a rule
    r = rules("User-agent: *\nCrawl-delay: 10\n\nUser-agent: OtherBot\nDisallow: /\n")
    assert not r.allowed("http://e.com/x", TOKEN)
    assert r.crawl_delay("OtherBot") == 10


def test_user_agent_after_rules_starts_a_new_group():
    r = rules("User-agent: politecrawler\nDisallow: /x\nUser-agent: other\nDisallow: /y\n")
    assert r.allowed("http://e.com/y", TOKEN) and not r.allowed("http://e.com/x", TOKEN)


def test_rules_outside_groups_are_ignored():
    assert rules("Disallow: /\nUser-agent: *\nAllow: /\n").allowed("http://e.com/x", TOKEN)


@pytest.mark.parametrize(
    "pattern, url, matches",
    [
        ("/fish", "/fish.html", True),
        ("/fish$", "/fish.html", False),
        ("/fish$", "/fish", True),
        ("/*.php", "/index.php?x=1", True),
        ("/*.php$", "/index.php?x=1", False),
        ("/fish*", "/Fish.asp", False),  # paths are case-sensitive
        ("/%7Euser", "/~user/page", True),
        ("/a%2Fb", "/a/b", True),
        ("/foo/bar?baz=https://foo.bar", "/foo/bar?baz=https%3A%2F%2Ffoo.bar", True),
    ],
)
def test_wildcards_anchors_and_encoding(pattern, url, matches):
    r = rules(f"User-agent: *\nDisallow: {pattern}\n")
    assert r.allowed("http://e.com" + url, TOKEN) is not matches


def test_longest_match_wins_and_allow_wins_ties():
    r = rules("User-agent: *\nDisallow: /a\nAllow: /a/b\nDisallow: /a/b/c\nAllow: /t\nDisallow: /t\n")
    assert not r.allowed("http://e.com/a/x", TOKEN)
    assert r.allowed("http://e.com/a/b/x", TOKEN)
    assert not r.allowed("http://e.com/a/b/c/x", TOKEN)
    assert r.allowed("http://e.com/t", TOKEN)


@pytest.mark.parametrize(
    "text, path, allowed",
    [
        # `$` ends a pattern; a `$` in the URL is an ordinary octet, as is `%24` in a rule (2.2.3)
        ("Disallow: /*.pdf$", "/a.pdf", False),
        ("Disallow: /*.pdf$", "/a.pdf$", True),
        ("Disallow: /\nAllow: /*.css$", "/a.css", True),
        ("Disallow: /\nAllow: /*.css$", "/a.css$", False),
        ("Disallow: /a%24", "/a$", False),
        ("Disallow: /a%24", "/a%24x", False),
        ("Disallow: /a%24", "/a", True),
        ("Disallow: /a$b", "/a$bc", False),  # `$` ends a pattern only at its end
        ("Disallow: /a%2A", "/abc", True),  # `%2A` is a literal `*`
        ("Disallow: /a%2A", "/a*", False),
        # longest match counts octets: `?`, an escape or `ツ`'s escapes, as written or not
        ("Disallow: /*?*\nAllow: /wro/", "/wro/?a=b", True),
        ("Disallow: /*?*\nAllow: /wro/", "/other/?a=b", False),
        ("Disallow: /a?b\nAllow: /a%3Fb", "/a?b", True),  # 4 octets each: allow wins the tie
        ("Disallow: /%E3%83%84\nAllow: /ツ", "/ツ", True),
        ("Disallow: /ツx\nAllow: /%E3%83%84", "/ツx", False),
        # a percent-encoded octet is decoded once; `%3%` is no escape
        ("Disallow: /wiki/Spezial:", "/wiki/Spezial%3%41", True),
        ("Disallow: /wiki/Spezial:", "/wiki/Spezial%3A", False),
        ("Disallow: /wiki/Spezial%253A", "/wiki/Spezial%3%41", False),
        ("Disallow: /100%", "/100%25", False),  # a lone `%` is the octet `%`
        # a rule that does not start with "/" (or "*") is no path pattern (2.2): ignored
        ("Disallow: https://example.com/private/", "/private/", True),
        ("Disallow: https://example.com/private/", "/https://example.com/private/", True),
        ("Disallow: /\nAllow: http://e.com/pub/", "/pub/", False),
        ("Disallow: *.gif$", "/a/b.gif", False),  # RFC 9309 5.1's own example
        # no Google extension: allowing index.html does not allow its directory
        ("Disallow: /\nAllow: /index.html", "/", False),
        ("Disallow: /\nAllow: /a/index.html", "/a/", False),
        ("Disallow: /\nAllow: /a/index.html", "/a/index.html", True),
    ],
)
def test_rfc_9309_matching(text, path, allowed):
    r = rules(f"User-agent: *\n{text}\n")
    url = "http://e.com" + path
    assert r.allowed(url, TOKEN) is allowed
    assert r.explain(url, TOKEN).allowed is allowed


def test_explain_names_what_allowed_obeys():
    r = rules("User-agent: *\nDisallow: /wiki/Spezial%253A\nDisallow: https://e.com/x\n")
    d = r.explain("http://e.com/wiki/Spezial%3%41", TOKEN)
    assert not d.allowed and d.rule.line == 2
    assert [rule.line for rule in r.groups[0].rules] == [2]  # the absolute URL is no rule
    assert r.explain("http://e.com/x", TOKEN).reason == "allowed: no rule matches in the group for *"


def test_lines_the_grammar_rejects_never_allow():
    # read as Google reads them only when that disallows: no colon, a space in the path
    r = rules("User-agent: *\nDisallow /x\nDisallow: /a b\n")
    assert not r.allowed("http://e.com/x", TOKEN) and not r.allowed("http://e.com/a%20b", TOKEN)
    r = rules("User-agent: *\nDisallow: /\nAllow /x\nAllow: /a b\nAllow: /c\td\n")
    assert [rule.pattern for rule in r.groups[0].rules] == ["/"]
    for path in ("/x", "/a%20b", "/c%09d"):
        assert not r.allowed("http://e.com" + path, TOKEN), path


def test_robots_txt_is_always_allowed():
    r = rules("User-agent: *\nDisallow: /\n")
    assert r.allowed("http://e.com/robots.txt", TOKEN)
    assert not r.allowed("http://e.com/robots.txt?x=1", TOKEN)  # another URI: the rules decide
    assert r.explain("http://e.com/robots.txt", TOKEN).reason == "allowed: /robots.txt is always allowed"


def test_explain_names_the_rule_and_the_group():
    r = rules("User-agent: *\nDisallow: /\n\nUser-agent: PoliteCrawler\nAllow: /pub\nDisallow: /pub/drafts\n")
    d = r.explain("http://e.com/pub/drafts/1", TOKEN)
    assert not d.allowed and d.rule.pattern == "/pub/drafts" and d.rule.line == 6
    assert d.group == "User-agent: politecrawler (line 4)"
    assert str(d) == "disallowed by Disallow: /pub/drafts (line 6) in User-agent: politecrawler (line 4)"
    d = r.explain("http://e.com/pub/x", TOKEN)
    assert d.allowed and d.rule.pattern == "/pub"
    d = r.explain("http://e.com/elsewhere", TOKEN)
    assert d.allowed and d.rule is None and d.reason == "allowed: no rule matches in the group for PoliteCrawler"
    assert rules("User-agent: other\nDisallow: /\n").explain("http://e.com/", TOKEN).reason.startswith("allowed: no group")


def test_bom_truncation_and_bad_bytes():
    for bom in (b"\xef\xbb\xbf", b"\xef\xbb", b"\xef"):
        assert not parse(bom + b"User-agent: *\nDisallow: /x\n").allowed("http://e.com/x", TOKEN)
    body = b"User-agent: *\nDisallow: /a\n" + b"#" * MAX_BYTES + b"\nDisallow: /b\n"
    r = parse(body)
    assert not r.allowed("http://e.com/a", TOKEN) and r.allowed("http://e.com/b", TOKEN)
    r = parse(b"User-agent: *\nDisallow: /\xff\xfe\nDisallow: /ok\n")
    assert not r.allowed("http://e.com/ok", TOKEN)


def padded(head: bytes, size: int) -> bytes:
    """`head` then a comment line filling the body up to `size` bytes, ended by LF."""
    return head + b"#" * (size - len(head) - 1) + b"\n"


def test_a_line_cut_by_the_size_limit_is_dropped():
    # "Disallow: /html/E12243_01/" straddles the limit: "Disallow: /html/E" ends at it
    start = padded(b"User-agent: *\nDisallow: /a\n", MAX_BYTES - len("Disallow: /html/E"))
    r = parse(start + b"Disallow: /html/E12243_01/\n")
    assert not r.allowed("http://e.com/a", TOKEN)
    assert r.allowed("http://e.com/html/Example", TOKEN)
    assert [rule.pattern for rule in r.groups[0].rules] == ["/a"]
    # a line ended exactly at the limit (by LF, or by the CR of a CRLF) is whole
    for end in (b"\n", b"\r\n"):
        line = b"Disallow: /html/E" + end[:1]
        r = parse(padded(b"User-agent: *\n", MAX_BYTES - len(line)) + line + end[1:] + b"Disallow: /b\n")
        assert not r.allowed("http://e.com/html/Example", TOKEN) and r.allowed("http://e.com/b", TOKEN)
    # a body within the limit keeps a last line with no line end
    assert not parse(b"User-agent: *\nDisallow: /c").allowed("http://e.com/c", TOKEN)


def test_line_endings_and_accepted_mistakes():
    r = parse(b"User-agent: *\rDisallow: /cr\r\nDisallow /nocolon\nDISALLOW: /upper\n")
    for path in ("/cr", "/nocolon", "/upper"):
        assert not r.allowed("http://e.com" + path, TOKEN), path


def test_crawl_delay_and_request_rate():
    r = rules("User-agent: *\nCrawl-delay: 3\nDisallow:\n\nUser-agent: PoliteCrawler\nRequest-rate: 1/5\nDisallow: /x\n")
    assert r.crawl_delay(TOKEN) == 5  # own group: Request-rate 1/5 means 5 s
    assert r.crawl_delay("other") == 3
    assert rules("User-agent: PoliteCrawler\nDisallow: /x\n\nUser-agent: *\nCrawl-delay: 2\n").crawl_delay(TOKEN) == 2
    assert rules("User-agent: *\nCrawl-delay: nan\nCrawl-delay: -1\n").crawl_delay(TOKEN) is None
    assert rules("User-agent: *\nRequest-rate: 3/1m\n").crawl_delay(TOKEN) == 20
    assert rules("User-agent: *\nDisallow: /\n").crawl_delay(TOKEN) is None


def test_sitemaps_and_content_usage():
    r = rules(
        "Sitemap: http://e.com/a.xml\nUser-agent: *\nContent-Usage: train-ai=n\n"
        "Content-Usage: /open/ train-ai=y\nDisallow: /x\nsitemap: http://e.com/b.xml\n"
    )
    assert r.sitemaps == ["http://e.com/a.xml", "http://e.com/b.xml"]
    [site, open_] = r.content_usage(TOKEN)
    assert (site.path, site.value) == (None, "train-ai=n")
    assert (open_.path, open_.value) == ("/open/", "train-ai=y")


@pytest.mark.parametrize(
    "status, challenged, expected",
    [
        (200, False, Availability.PARSED),
        (204, False, Availability.PARSED),
        (404, False, Availability.UNAVAILABLE),
        (410, False, Availability.UNAVAILABLE),
        (401, False, Availability.UNAVAILABLE),
        (403, False, Availability.UNAVAILABLE),
        (429, False, Availability.UNREACHABLE),
        (500, False, Availability.UNREACHABLE),
        (503, False, Availability.UNREACHABLE),
        (None, False, Availability.UNREACHABLE),
        (200, True, Availability.UNREACHABLE),
        (403, True, Availability.UNREACHABLE),
    ],
)
def test_status_policy(status, challenged, expected):
    assert classify(status, challenged=challenged) is expected


def test_retry_delay_grows_and_is_capped():
    assert [retry_delay(n, 60, 3600) for n in (1, 2, 3, 4)] == [60, 240, 960, 3600]


def test_origin_and_path_octets():
    assert origin_of("https://e.com:8443/a/b?c") == "https://e.com:8443"
    assert origin_of("http://[::1]:8080/") == "http://[::1]:8080"
    assert path_octets("http://e.com/%7Ea/ツ?q=%41#top") == "/~a/ツ?q=A".encode()
    assert path_octets("http://e.com") == path_octets("/") == b"/"
    assert path_octets("http://e.com?q") == b"/?q"
    assert path_octets("/wiki/Spezial%3%41") == b"/wiki/Spezial%3A"  # decoded once


# Property tests: files built from the pieces RFC 9309's cases turn on
# (anchors, wildcards, escapes of reserved, unreserved and special octets,
# malformed escapes, non-ASCII), asked about URLs made from their own rules
# in other spellings; and the real corpus, asked about URLs from its rules.
PIECES = ["/", "a", "b", "A", ":", "?", "=", "$", "%24", "*", "%2A", "%2F", "%3A", "%3F", "%41", "%3%41", "%", "ツ", "%E3%83%84"]
URL_PIECES = [piece for piece in PIECES if piece != "*"]
SPELLINGS = {
    ":": ["%3A", "%3a"], "%3A": [":"], "A": ["%41"], "%41": ["A"], "?": ["%3F"], "%3F": ["?"],
    "/": ["%2F"], "%2F": ["/"], "$": ["%24"], "%24": ["$"], "%2A": ["*"], "ツ": ["%E3%83%84"], "%E3%83%84": ["ツ"],
}
CORPUS = [body for _, body in robots_corpus()]
PROPERTY = settings(max_examples=500, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def files_and_urls(draw) -> tuple[list[tuple[bool, str]], str]:
    """Rules as (allow, pattern), and a URL: often one of the rules with its
    `*`s filled and its pieces spelled otherwise, then a few pieces more."""
    file = draw(st.lists(st.tuples(st.booleans(), st.lists(st.sampled_from(PIECES), max_size=6)), max_size=8))
    url: list[str] = []
    if file and draw(st.booleans()):
        for piece in draw(st.sampled_from(file))[1]:
            if piece == "*":
                url += draw(st.lists(st.sampled_from(URL_PIECES), max_size=2))
            else:
                url.append(draw(st.sampled_from([piece, *SPELLINGS.get(piece, [])])))
    url += draw(st.lists(st.sampled_from(URL_PIECES), max_size=3))
    return [(allow, "/" + "".join(pieces)) for allow, pieces in file], "http://e.com/" + "".join(url)


def text_of(file: list[tuple[bool, str]]) -> bytes:
    return ("User-agent: *\n" + "".join(f"{'Allow' if a else 'Disallow'}: {p}\n" for a, p in file)).encode()


def expected(file: list[tuple[bool, str]], url: str) -> bool:
    """RFC 9309 by brute force: every rule as a regular expression over the
    octets of the URL's path (each escape decoded once); the longest match
    in octets decides, Allow on a tie."""
    path = unquote_to_bytes(url.removeprefix("http://e.com"))
    best: tuple[int, bool] | None = None
    for allow, pattern in file:
        anchored = pattern.endswith("$")
        pieces = [unquote_to_bytes(piece) for piece in (pattern[:-1] if anchored else pattern).split("*")]
        regex = b".*".join(re.escape(piece) for piece in pieces) + (rb"\Z" if anchored else b"")
        if re.match(regex, path, re.S):
            length = sum(map(len, pieces)) + len(pieces) - 1 + anchored
            best = max(best or (length, allow), (length, allow))
    return best is None or best[1]


def named_rule_matches(decision, url: str) -> bool:
    """The rule explain() names matches the URL on its own."""
    alone = parse(f"User-agent: *\nDisallow: {decision.rule.pattern}\n".encode())
    return not alone.allowed(url, TOKEN)


@PROPERTY
@given(files_and_urls())
def test_matching_is_rfc_9309_longest_match(case):
    file, url = case
    assert parse(text_of(file)).allowed(url, TOKEN) is expected(file, url)


@PROPERTY
@given(files_and_urls())
def test_explain_agrees_with_allowed_on_generated_files(case):
    file, url = case
    r = parse(text_of(file))
    assert explains(r, url, TOKEN)
    decision = r.explain(url, TOKEN)
    assert decision.rule is None or named_rule_matches(decision, url)


@PROPERTY
@given(st.sampled_from(CORPUS), st.data())
def test_explain_agrees_with_allowed_on_the_corpus(body, data):
    cases = rule_cases(body.decode("utf-8", errors="replace"), per_file=20)
    agent, url = data.draw(st.sampled_from(cases)) if cases else (TOKEN, "http://e.com/")
    r = parse(body)
    assert explains(r, url, agent)
    decision = r.explain(url, agent)
    assert decision.rule is None or named_rule_matches(decision, url)


@pytest.mark.parametrize("delay", [1.5, 30, 0.25, 1e-05])
def test_the_audits_crawl_delay_note_reads_back(delay):
    assert noted_delay("200" + delay_note(delay)) == delay
    assert noted_delay("200 via http://example.com/robots.txt" + delay_note(delay)) == delay


@pytest.mark.parametrize("detail", [None, "", "200", "404", "503, challenge: cf-mitigated"])
def test_no_note_no_crawl_delay(detail):
    assert noted_delay(detail) is None
