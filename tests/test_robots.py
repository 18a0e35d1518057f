import pytest

from crawler.robots import (
    MAX_BYTES,
    Availability,
    classify,
    delay_note,
    normalize_path,
    noted_delay,
    origin_of,
    parse,
    retry_delay,
)

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


def test_robots_txt_is_always_allowed():
    r = rules("User-agent: *\nDisallow: /\n")
    assert r.allowed("http://e.com/robots.txt", TOKEN)
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


def test_origin_and_normalize_path():
    assert origin_of("https://e.com:8443/a/b?c") == "https://e.com:8443"
    assert origin_of("http://[::1]:8080/") == "http://[::1]:8080"
    assert normalize_path("http://e.com/%7Ea/ツ?q=%41") == "/~a/%E3%83%84?q=A"


@pytest.mark.parametrize("delay", [1.5, 30, 0.25, 1e-05])
def test_the_audits_crawl_delay_note_reads_back(delay):
    assert noted_delay("200" + delay_note(delay)) == delay
    assert noted_delay("200 via http://example.com/robots.txt" + delay_note(delay)) == delay


@pytest.mark.parametrize("detail", [None, "", "200", "404", "503, challenge: cf-mitigated"])
def test_no_note_no_crawl_delay(detail):
    assert noted_delay(detail) is None
