"""The readable text of a document, for the shards' `text` column.

The default extractor walks the already-parsed lxml tree, keeps the page's
main content (`<main>`, `role=main`, a lone `<article>`, else `<body>`) and
drops navigation, scripts and forms. Measured on 24 KB pages it costs about a
tenth of a millisecond beyond the parse every page needs anyway for its links,
where trafilatura costs 24-28 ms and resiliparse's main-content mode more (see
README, "Text extraction"). `TEXT_EXTRACTOR` swaps it for any callable
`(html: str, tree) -> str`.
"""

from __future__ import annotations

from collections.abc import Callable

import lxml.html

Extractor = Callable[[str, "lxml.html.HtmlElement | None"], str]

_SKIP = frozenset(
    "script style noscript template svg math iframe object embed canvas head "
    "nav header footer aside form button select textarea option dialog".split()
)
_SKIP_ALL = frozenset("script style noscript template svg math head".split())
# Marks block boundaries while text is collected; source newlines are mere spaces.
_BREAK = "\x00"
_BLOCK = frozenset(
    "address article blockquote body caption dd details div dl dt fieldset "
    "figcaption figure h1 h2 h3 h4 h5 h6 hr li main ol p pre section summary "
    "table tbody td tfoot th thead tr ul br".split()
)


def _walk(element: lxml.html.HtmlElement, skip: frozenset[str], out: list[str]) -> None:
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag not in skip and child.get("hidden") is None:
            block = tag in _BLOCK
            if block:
                out.append(_BREAK)
            if child.text:
                out.append(child.text)
            if len(child):
                _walk(child, skip, out)
            if block:
                out.append(_BREAK)
        if child.tail:
            out.append(child.tail)


def _text(root: lxml.html.HtmlElement, skip: frozenset[str]) -> str:
    out = [root.text or ""]
    _walk(root, skip, out)
    lines = (_collapse(line) for line in "".join(out).split(_BREAK))
    return "\n".join(line for line in lines if line)


def _collapse(line: str) -> str:
    """One space between words. Most lines need only their ends trimmed;
    splitting into words costs ten times as much, so it is done only for a
    line with a run of white space or a line break inside."""
    line = line.strip()
    if "  " in line or "\n" in line or "\t" in line or "\r" in line or not line.isascii():
        return " ".join(line.split())
    return line


def _main_element(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    articles = []
    for element in tree.iter("main", "article", "div", "section"):
        tag = element.tag
        if tag == "main" or element.get("role") == "main":
            return element
        if tag == "article":
            articles.append(element)
    if len(articles) == 1:
        return articles[0]
    body = tree.find("body")
    return body if body is not None else tree


def main_text(html: str, tree: lxml.html.HtmlElement | None) -> str:
    """Text of the page's main content, one line per block."""
    if tree is None:
        return ""
    text = _text(_main_element(tree), _SKIP)
    return text or _text(tree, _SKIP_ALL)


main_text.extractor_name = "lxml-main"  # type: ignore[attr-defined]


def all_text(html: str, tree: lxml.html.HtmlElement | None) -> str:
    """All visible text of the page, navigation included."""
    return "" if tree is None else _text(tree, _SKIP_ALL)


all_text.extractor_name = "lxml-all"  # type: ignore[attr-defined]


def extractor_name(extractor: Extractor) -> str:
    """The name recorded per row in the `extractor` column."""
    name = getattr(extractor, "extractor_name", None)
    return name or f"{extractor.__module__}.{extractor.__qualname__}"
