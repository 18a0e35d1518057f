"""The one vocabulary of why a URL was not fetched, not stored or not followed.

Each reason keyword is used alike in log lines, stats keys, audit rows and the
demo's summary.
"""

from __future__ import annotations

import re

REASONS: dict[str, str] = {
    "robots": "disallowed by the site's robots.txt",
    "robots-unreachable": "the site's robots.txt could not be fetched (5xx, 429, network error, "
    "challenge): everything is disallowed until it can",
    "crawl-delay": "the site's robots.txt asks for a Crawl-delay above ROBOTS_MAX_CRAWL_DELAY",
    "login": "a login wall: HTTP authentication, a redirect into a sign-in page, or a sign-in form",
    "paywall": "a paywall or members-only page",
    "challenge": "a CAPTCHA or bot challenge (never solved); the host is paused",
    "block": "the site blocked the crawler; the host is paused",
    "ratelimit": "the site asked for fewer requests (429, or 503 with Retry-After); the host is paused",
    "method": "a request method other than GET or HEAD (the crawler never submits forms)",
    "credentials": "a URL carrying user information (the crawler never sends credentials)",
    "invalid-url": "a redirect or meta refresh to something that is no crawlable http(s) URL "
    "(a host that decodes to no valid name or address, an invalid port)",
    "noindex": "the page says noindex (or none): not stored; its links may be followed",
    "nofollow": "nofollow (or none) on the page, or rel=nofollow on the link: links not followed",
    "noai": "the page says noai or noimageai: not stored for AI use",
    "tdm": "a TDMRep reservation (tdm-reservation: 1) or an unreachable tdmrep.json: not stored for AI use",
    "content-usage": "an IETF AI-preferences Content-Usage of n for the crawl's purpose: not stored",
    "noarchive": "the page says noarchive: not stored by an archive crawl",
    "size": "larger than DOWNLOAD_MAXSIZE (decoded), an HTML page of more than LIMITS_HTML_TAGS tags, "
    "or a sitemap larger than SITEMAPS_MAX_BYTES",
    "status": "fetched, but the answer was not a document (3xx without a redirect, 4xx, 5xx)",
    "private-address": "the host is, or resolves to, a loopback, private, link-local or reserved address",
    "error": "no answer: timeout, connection or DNS error, truncated response",
    "trap": "a crawler trap: repeated path segments, an endless calendar, endless query variants, a huge URL",
    "scope": "outside the crawl's scope (registered domain, host or scheme)",
    "cap": "a crawl limit was reached (CRAWL_MAX_PAGES, LIMITS_PAGES_PER_HOST, LIMITS_LINKS_PER_PAGE, "
    "DEPTH_LIMIT, SITEMAPS_MAX_URLS, SITEMAPS_MAX_DEPTH)",
    "type": "a content type the crawl does not keep",
    "forgotten": "erased on request (scrapy forget): selected by the deny list PRIVACY_DENYLIST, so "
    "never requested, and never stored if its text holds a forgotten text",
}


def escape(text: str) -> str:
    """Make text safe for one log line: control characters (newlines included)
    and other unprintable characters become visible escapes, so a hostile URL
    or header cannot forge log lines."""
    if text.isprintable() and "\\" not in text:
        return text
    return _visible(text.replace("\\", "\\\\"))


_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#]*@")


def safe_message(text: str) -> str:
    """Make any log message safe to print, whoever wrote it (Scrapy included):
    control and other unprintable characters become visible escapes, as in
    `escape`, but a newline starts an indented continuation line, so Scrapy's
    multi-line dumps stay readable while no line a record adds can pass for
    the start of another; user information in URLs becomes `***`. Text that
    is already safe (the crawler's own `escape`d lines) is left as it is."""
    if "@" in text and "://" in text:
        text = _USERINFO.sub(r"\1***@", text)
    if text.isprintable():
        return text
    return "\n  ".join(_visible(line) for line in text.split("\n"))


def _visible(text: str) -> str:
    """Unprintable characters as `\\xNN` or `\\uNNNN`."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}"
                   for c in text)


def skip_message(reason: str, url: str, detail: str = "") -> str:
    """The greppable log sentence for a skipped URL."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    line = f"Skipped ({reason}) {escape(url)}"
    return f"{line}: {escape(detail)}" if detail else line
