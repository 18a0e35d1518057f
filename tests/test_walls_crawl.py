"""End to end: walls, challenges and rate limits against a local multi-host web."""

import itertools

import pytest

from crawler.localweb import LocalWeb, Reply, Site, html, redirect
from tests.corpora import wall_pages
from tests.support import run_crawl
from tests.walls_corpus import ARTICLE, LOGIN_FORM, page

CHALLENGE_403 = Reply(
    status=403, body=page("<div id='challenge-running'>Just a moment...</div>", title="Just a moment..."),
    headers=[("cf-mitigated", "challenge"), ("Server", "cloudflare")],
)
INTERSTITIALS = {
    "recaptcha.example.com": Reply(body=page('<div class="g-recaptcha" data-sitekey="6Lc"></div>')),
    "hcaptcha.example.com": Reply(body=page('<div class="h-captcha" data-sitekey="1000"></div>')),
    "anubis.example.com": Reply(body=page('<script id="anubis_version" type="application/json">"1"</script>',
                                          title="Making sure you're not a bot!")),
    "datadome.example.com": Reply(status=403, body=page(
        "<script>var dd={'host':'geo.captcha-delivery.com'}</script>"), headers=[("x-datadome", "protected")]),
    "awswaf.example.com": Reply(status=405, body=page("<script>window.gokuProps = {}</script>"),
                                headers=[("x-amzn-waf-action", "captcha")]),
}
# The two kinds of miss of issue 17, served as the real web serves them (status 200)
REAL = {page.file: page for page in wall_pages()}
MISSES = {
    "bigblock.example.com": ("block", REAL["constructed/big-block-notice-200.html"]),
    "denied.example.com": ("block", REAL["constructed/access-denied-in-template-200.html"]),
    "visitor.example.com": ("challenge", REAL["is-antibot/weibo-failed.html"]),
    "unhuman.example.com": ("challenge", REAL["constructed/verify-path-redirect-200.html"]),
}
INTERSTITIALS |= {host: Reply(body=page.body, headers=[("Content-Type", "text/html")])
                  for host, (_, page) in MISSES.items()}
LINKS = "".join(f'<a href="/p{i}">{i}</a>' for i in range(5))
ARTICLES = {f"/p{i}": Reply(body=ARTICLE) for i in range(5)}


def walled_site(reply: Reply) -> Site:
    return Site({"/robots.txt": Reply(status=404), "/": html(LINKS), **{p: reply for p in ARTICLES}})


def rate_limited_once():
    answers = itertools.chain([Reply(status=429, body=b"slow down", headers=[("Retry-After", "6")])],
                              itertools.repeat(Reply(body=ARTICLE)))
    return lambda seen: next(answers)


def sites():
    news = Site({
        "/robots.txt": Reply(status=404),
        "/": html('<a href="/public">public</a> <a href="/account/">account</a> <a href="/admin">admin</a>'
                  '<a href="/signin">sign in</a> <a href="/premium">premium</a> <a href="/limited">limited</a>'
                  '<a href="http://editor:secret@news.example.com/drafts">drafts</a>'
                  '<form method="post" action="/subscribe"><input name="email"><button>Go</button></form>'),
        "/public": Reply(body=ARTICLE),
        "/account/": redirect("/login?next=/account/"),
        "/login": Reply(body=LOGIN_FORM),
        "/admin": Reply(status=401, body=b"no", headers=[("WWW-Authenticate", 'Basic realm="admin"')]),
        "/signin": Reply(body=LOGIN_FORM),
        "/premium": Reply(body=page("<article><p>Teaser.</p></article>", head=(
            '<script type="application/ld+json">{"@type":"NewsArticle","isAccessibleForFree":false}</script>'))),
        "/limited": rate_limited_once(),
    })
    return {"news.example.com": news, **{host: walled_site(reply) for host, reply in INTERSTITIALS.items()}}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    web = LocalWeb(sites()).start()
    settings = {"BACKOFF_CHALLENGE_PAUSE": 2, "BACKOFF_GIVE_UP_AFTER": 2, "DOWNLOAD_DELAY": 0.5}
    seeds = ",".join(f"http://{host}/" for host in web.sites)
    crawl = run_crawl(web, seeds, tmp_path_factory.mktemp("walls"), settings=settings)
    web.stop()
    assert crawl.returncode == 0, crawl.log
    return web, crawl


@pytest.mark.parametrize("host", sorted(INTERSTITIALS))
def test_interstitial_hosts_get_two_page_requests_and_nothing_stored(crawled, host):
    web, crawl = crawled
    kind = MISSES[host][0] if host in MISSES else "challenge"
    pages = [s for s in web.requests(host) if s.path.startswith("/p")]
    assert 1 <= len(pages) <= 2
    assert not [u for u in crawl.urls() if host in u and "/p" in u]
    assert f"Paused ({kind}) host {host}" in crawl.log
    assert f"Gave up ({kind}) host {host}" in crawl.log


def test_walls_are_not_stored_while_the_public_article_is(crawled):
    web, crawl = crawled
    stored = [u for u in crawl.urls() if "news.example.com" in u]
    assert "http://news.example.com/public" in stored
    for path in ("/account/", "/login", "/admin", "/signin", "/premium"):
        assert f"http://news.example.com{path}" not in stored
    assert "/login" not in [s.path for s in web.requests("news.example.com")]  # the redirect was not followed
    assert "Skipped (login) http://news.example.com/account/: redirects to sign-in page /login?next=/account/" in crawl.log
    assert "Skipped (login) http://news.example.com/admin: 401 with WWW-Authenticate" in crawl.log
    assert "Skipped (login) http://news.example.com/signin" in crawl.log
    assert "Skipped (paywall) http://news.example.com/premium" in crawl.log
    assert "Skipped (credentials) http://***@news.example.com/drafts" in crawl.log
    assert "secret" not in crawl.log


def test_retry_after_is_honoured_then_the_page_is_stored(crawled):
    web, crawl = crawled
    seen = web.requests("news.example.com")
    limited = [s for s in seen if s.path == "/limited"]
    assert len(limited) == 2
    after = [s for s in seen if s.start > limited[0].start]
    assert after and min(s.start for s in after) - limited[0].start >= 6.0
    assert "http://news.example.com/limited" in crawl.urls()
    assert "Paused (ratelimit) host news.example.com for 6 s" in crawl.log


def test_no_credentials_and_no_post_ever(crawled):
    web, _ = crawled
    assert web.log
    assert all(s.method == "GET" for s in web.log)
    assert not any("authorization" in s.headers or "cookie" in s.headers for s in web.log)


def test_a_challenged_host_gets_at_most_one_more_request_within_30_s(serve, tmp_path):
    count = itertools.count()

    def after_three(seen):
        return Reply(body=ARTICLE) if next(count) < 3 else CHALLENGE_403

    links = "".join(f'<a href="/p{i}">{i}</a>' for i in range(20))
    web = serve({
        "shy.example.com": Site({"/robots.txt": Reply(status=404), "/.well-known/tdmrep.json": Reply(status=404),
                                 "/": html(links)}, fallback=after_three),
        "calm.example.com": Site({"/robots.txt": Reply(status=404), "/": html(links)}, fallback=Reply(body=ARTICLE)),
    })
    crawl = run_crawl(web, "http://shy.example.com/,http://calm.example.com/", tmp_path,
                      settings={"CLOSESPIDER_TIMEOUT": 34})
    assert crawl.returncode == 0, crawl.log
    pages = sorted(s.start for s in web.requests("shy.example.com") if s.path.startswith("/p"))
    first_challenge = pages[3]
    assert len([t for t in pages if first_challenge < t <= first_challenge + 30]) <= 1
    assert "Paused (challenge) host shy.example.com for 600 s: header cf-mitigated: challenge" in crawl.log
    # the pause did not hold the other host back
    calm = [s.start for s in web.requests("calm.example.com") if s.path.startswith("/p")]
    assert len([t for t in calm if first_challenge < t <= first_challenge + 30]) >= 15
