"""Hostile input: no exception escapes the parsers and decisions, and each
input is handled in bounded time (hypothesis's deadline, far above the
microseconds a call takes, catches a blow-up)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.limits import trap
from crawler.netguard import host_refusal
from crawler.page import links, parse_html
from crawler.reasons import safe_message
from crawler.robots import parse
from crawler.signals import page_signals, parse_tdmrep, robots_directives, usage_preferences
from crawler.sitemaps import read_sitemap
from crawler.text import main_text
from crawler.urls import canonical_url, request_url
from crawler.walls import classify
from tests.corpora import robots_corpus

FUZZ = settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
CORPUS = [body for _, body in robots_corpus()]
KEYS = ["User-agent", "user-agent", "Allow", "Disallow", "Crawl-delay", "Request-rate", "Sitemap",
        "Content-Usage", "Host", "Noindex", "", "# comment"]
robots_line = st.tuples(st.sampled_from(KEYS), st.sampled_from([":", " ", ": ", ""]),
                        st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FFF), max_size=40))
robots_text = st.lists(robots_line, max_size=40).map(
    lambda lines: "\n".join(f"{k}{sep}{v}" for k, sep, v in lines).encode("utf-8", "surrogatepass"))
urls = st.one_of(st.text(max_size=80).map(lambda t: "http://example.com/" + t), st.text(max_size=80))
agents = st.sampled_from(["PoliteCrawler", "*", "", "bot", "Polite Crawler/1.0", "ツ"])


def exercise(rules, url, agent):
    rules.allowed(url, agent)
    rules.explain(url, agent)
    rules.crawl_delay(agent)
    rules.content_usage(agent)


@FUZZ
@given(robots_text, urls, agents)
def test_robots_generated(body, url, agent):
    exercise(parse(body), url, agent)


@FUZZ
@given(st.binary(max_size=3000), urls)
def test_robots_bytes(body, url):
    exercise(parse(body), url, "PoliteCrawler")


@FUZZ
@given(st.sampled_from(CORPUS), st.integers(0, 10**9), st.binary(min_size=1, max_size=20), urls)
def test_robots_corpus_mutated(original, where, patch, url):
    body = bytearray(original)
    if body:
        at = where % len(body)
        body[at:at + len(patch)] = patch
    exercise(parse(bytes(body)), url, "PoliteCrawler")


html_text = st.lists(st.one_of(
    st.sampled_from(["<html>", "<head>", "<title>", "</title>", "<body>", "<main>", "<a href='", "'>", "</a>",
                     "<meta name='robots' content='", "<input type=password>", "<script>", "</script>",
                     "g-recaptcha", "isAccessibleForFree\": false", "_cf_chl_opt", "<p>", "<form>", "<base href='"]),
    st.text(max_size=30)), max_size=60).map("".join)
headers = st.dictionaries(st.sampled_from(["content-type", "cf-mitigated", "x-amzn-waf-action", "www-authenticate",
                                           "retry-after", "x-datadome", "x-robots-tag", "server"]),
                          st.text(max_size=30), max_size=5)


@FUZZ
@given(st.integers(100, 999), headers, urls, st.lists(urls, max_size=3), st.one_of(st.binary(max_size=4000),
       html_text.map(str.encode)))
def test_walls(status, header_map, url, redirects, body):
    verdict = classify(status, header_map, url, redirects, body)
    assert verdict.kind in ("content", "login", "paywall", "challenge", "block", "ratelimit")


@FUZZ
@given(html_text, urls)
def test_page_parsing_links_and_text(text, url):
    tree = parse_html(text)
    if tree is not None:
        for link in links(tree, "http://example.com/a/"):
            canonical_url(link.url)
    main_text(text, tree)
    canonical_url(url)


@FUZZ
@given(st.lists(st.text(max_size=60), max_size=4), st.lists(st.tuples(st.text(max_size=15), st.text(max_size=40)),
       max_size=6), st.binary(max_size=600), st.text(max_size=60))
def test_page_signals(x_robots, metas, tdmrep, usage):
    robots_directives("PoliteCrawler", x_robots, metas)
    usage_preferences(usage)
    rules = parse_tdmrep(tdmrep)
    page_signals("PoliteCrawler", {"x-robots-tag": x_robots, "content-usage": [usage], "tdm-reservation": [usage]},
                 metas, rules[0] if rules else None, ({}, None))


@FUZZ
@given(st.one_of(st.binary(max_size=2000), st.text(max_size=300).map(
    lambda t: f"<urlset><url><loc>{t}</loc></url></urlset>".encode())))
def test_sitemaps(body):
    read_sitemap(body, 10**6, 100)


@FUZZ
@given(st.text(max_size=60))
def test_host_literals(host):
    host_refusal(host)


dated = st.lists(st.one_of(st.sampled_from(["cal", "archive", "year", "?", "&", "=", "/", "-", "m=", "ym=", "date="]),
                           st.integers(0, 10**30).map(str)), max_size=20).map("".join)


@FUZZ
@given(st.one_of(urls, dated.map(lambda t: "http://example.com/" + t)))
def test_request_checks_and_traps(url):
    request_url(url, 2083)
    trap(url, max_segments=30, max_repeats=3, latest_year=2027)


@FUZZ
@given(st.text(max_size=300))
def test_log_messages(text):
    safe_message(text)
