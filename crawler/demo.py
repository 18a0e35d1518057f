"""The demo web: a few small sites on loopback that show what the crawler does.

Each site exercises something a polite crawler must handle: robots.txt rules,
Crawl-delay and a sitemap, a group for the crawler's own token, a login wall, a CAPTCHA
interstitial (a whole host behind a challenge), a noindex page, a paywalled
page, pages in legacy charsets, a slow host and a link out of scope.
"""

from __future__ import annotations

from crawler.localweb import Reply, Site, html, redirect

SEEDS = ["http://www.example.com/", "http://shop.example.org/"]
# The demo gives a challenged host up at once rather than pausing it for
# minutes (BACKOFF_GIVE_UP_AFTER=1: more cautious than the default, and quick).
SETTINGS = {"BACKOFF_GIVE_UP_AFTER": 1}

_LOREM = (
    "Polite crawlers read robots.txt before anything else, keep to one request at a time "
    "per host and leave a contact in their user agent, so that site owners can reach them."
)


def _page(title: str, body: str, head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title>{head}</head>"
        f"<body><header><nav><a href=\"/\">Home</a></nav></header>"
        f"<main><h1>{title}</h1>{body}</main><footer><p>Demo web</p></footer></body></html>"
    )


def _text(body: str) -> Reply:
    return Reply(body=body.encode(), content_type="text/plain; charset=utf-8")


def _www() -> Site:
    links = "".join(f'<li><a href="/articles/{i}">Article {i}</a></li>' for i in range(1, 5))
    site = Site(
        {
            "/robots.txt": _text(
                "User-agent: *\nDisallow: /private/\nCrawl-delay: 1\n\n"
                "Sitemap: http://www.example.com/sitemap.xml\n"
            ),
            "/": html(
                _page(
                    "Example News",
                    f"<p>{_LOREM}</p><ul>{links}</ul>"
                    '<p><a href="/private/report">Internal report</a> · '
                    '<a href="/account/">My account</a> · <a href="/members/essay">Members essay</a> · '
                    '<a href="/drafts/unlisted">Unlisted draft</a></p>'
                    '<p><a href="http://blog.example.com/">Our blog</a> · '
                    '<a href="http://forum.example.com/">Our forum</a> · '
                    '<a href="http://news.example.net/">A friend elsewhere</a></p>',
                )
            ),
            "/private/report": html(_page("Internal report", "<p>Not for crawlers.</p>")),
            "/sitemap.xml": Reply(
                body=b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                b"<url><loc>http://www.example.com/archive/2019</loc></url>"
                b"<url><loc>http://www.example.com/articles/1</loc></url></urlset>",
                content_type="application/xml",
            ),
            "/archive/2019": html(_page("Archive 2019", "<p>Listed only in the sitemap.</p>")),
            "/account/": redirect("/login?next=/account/"),
            "/login": html(
                _page(
                    "Sign in",
                    '<form method="post" action="/login"><label>Email <input name="email"></label>'
                    '<label>Password <input type="password" name="password"></label>'
                    "<button>Sign in</button><a href=\"/forgot\">Forgot password?</a></form>",
                )
            ),
            "/members/essay": html(
                _page(
                    "Members essay",
                    "<p>The first paragraph is free.</p>",
                    head='<script type="application/ld+json">{"@context":"https://schema.org",'
                    '"@type":"NewsArticle","isAccessibleForFree":false}</script>',
                )
            ),
            "/drafts/unlisted": html(
                _page(
                    "Unlisted draft",
                    "<p>Readable, but not to be kept.</p>",
                    head='<meta name="robots" content="noindex">',
                )
            ),
        }
    )
    for i in range(1, 5):
        site[f"/articles/{i}"] = html(
            _page(f"Article {i}", f"<p>{_LOREM}</p><p><a href=\"/articles/{i % 4 + 1}\">Next</a></p>")
        )
    return site


def _blog() -> Site:
    cafe = (
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">"
        "<title>Café</title></head><body><main><p>Un café crème – “merci”.</p>"
        "</main></body></html>"
    )
    return Site(
        {
            "/robots.txt": _text(
                "User-agent: *\nDisallow: /\n\nUser-agent: PoliteCrawler\nAllow: /\nDisallow: /tmp/\n"
            ),
            "/": html(
                _page(
                    "Example blog",
                    '<p><a href="/posts/cafe">A post in windows-1252</a> · '
                    '<a href="/tmp/scratch">Scratch</a></p>',
                )
            ),
            "/posts/cafe": Reply(body=cafe.encode("cp1252"), content_type="text/html"),
            "/tmp/scratch": html(_page("Scratch", "<p>Disallowed for PoliteCrawler.</p>")),
        }
    )


def _shop() -> Site:
    japanese = (
        '<html><head><meta charset="Shift_JIS"><title>お知らせ</title></head>'
        "<body><main><p>日本語のページです。</p></main></body></html>"
    )
    return Site(
        {
            "/robots.txt": Reply(status=404, body=b"not here", content_type="text/plain"),
            "/": html(
                _page(
                    "Example shop",
                    '<p><a href="/ja/news">お知らせ</a> · '
                    '<a href="http://slow.example.org/">Our slow warehouse</a></p>',
                )
            ),
            "/ja/news": Reply(body=japanese.encode("shift_jis"), content_type="text/html"),
        }
    )


def _forum() -> Site:
    challenge = Reply(
        status=403,
        body=(
            b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
            b"<div id=\"challenge-running\">Verify you are human by completing the action "
            b"below.</div><div class=\"g-recaptcha\" data-sitekey=\"6Lc\"></div>"
            b"<script>window._cf_chl_opt={cType: 'managed'};</script></body></html>"
        ),
        headers=[("cf-mitigated", "challenge"), ("Server", "cloudflare")],
    )
    return Site({"/robots.txt": _text("User-agent: *\nAllow: /\n")}, fallback=challenge)


def _slow() -> Site:
    return Site(
        {
            "/robots.txt": Reply(body=b"User-agent: *\nAllow: /\n", content_type="text/plain", delay=1.0),
            "/": html(_page("Warehouse", '<p>Slow but steady.</p><a href="/stock">Stock</a>'), delay=1.5),
            "/stock": html(_page("Stock", "<p>Three boxes.</p>"), delay=1.5),
        }
    )


def _elsewhere() -> Site:
    return Site({"/": html(_page("Elsewhere", "<p>Another registered domain.</p>"))})


def demo_sites() -> dict[str, Site]:
    return {
        "www.example.com": _www(),
        "blog.example.com": _blog(),
        "forum.example.com": _forum(),
        "shop.example.org": _shop(),
        "slow.example.org": _slow(),
        "news.example.net": _elsewhere(),
    }
