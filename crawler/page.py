"""One parse of an HTML page, shared by link extraction, page signals and text.

Parsing is the largest per-page cost, so every consumer reads the same tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html
from lxml import etree

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_NOT_LINKS = ("#", "javascript:", "mailto:", "tel:", "data:", "about:")


def media_type(content_type: str | bytes | None) -> str:
    """The lower-cased media type of a Content-Type value, without parameters."""
    if not content_type:
        return ""
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    return content_type.split(";", 1)[0].strip().lower()


def markup_problem(body: bytes, max_tags: int) -> str | None:
    """A page too costly to parse: the work and memory of a parse grow with
    its elements, not its bytes (a 10 MB page of a million elements takes
    ~300 MB and a second of the crawler's only thread). Counting `<` bounds
    the tags, opening and closing, in a few milliseconds. 0: no limit."""
    if not max_tags:
        return None
    tags = body.count(b"<")
    if tags > max_tags:
        return f"{tags} markup tags, more than LIMITS_HTML_TAGS={max_tags}: not parsed"
    return None


def parse_html(text: str) -> lxml.html.HtmlElement | None:
    """The document tree of decoded HTML, or None if nothing can be parsed."""
    if text.startswith("<?xml"):
        # lxml refuses str input that carries an XML encoding declaration.
        text = text[text.find("?>") + 2 :]
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    nofollow: bool


def links(tree: lxml.html.HtmlElement, page_url: str) -> Iterator[Link]:
    """Absolute targets of the page's `<a href>` and `<area href>` links,
    resolved against `<base href>` when the page has one."""
    base = page_url
    for element in tree.iter("base"):
        href = element.get("href")
        if href:
            base = urljoin(page_url, href.strip())
            break
    scheme, _, rest = base.partition("://")
    origin = f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0]}"
    for element in tree.iter("a", "area"):
        href = element.get("href")
        if not href:
            continue
        href = href.strip()
        if not href or href.startswith(_NOT_LINKS):
            continue
        rel = element.get("rel")
        yield Link(
            _absolute(href, base, scheme, origin),
            rel is not None and "nofollow" in rel.lower().split(),
        )


def _absolute(href: str, base: str, scheme: str, origin: str) -> str:
    """urljoin, with the common cases taken without parsing."""
    if href.startswith(("http://", "https://")):
        return href
    if href.startswith("//"):
        return f"{scheme}:{href}"
    if href.startswith("/"):
        return origin + href
    return urljoin(base, href)
