"""Sitemaps and sitemap indexes (sitemaps.org), plain or gzipped, read within
caps. Pure: bytes in, URLs out; entities are never resolved and nothing is
fetched while parsing."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field

from lxml import etree

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, recover=True, huge_tree=False, remove_comments=True
)


# A sitemap has no use for a document type declaration. libxml2 refuses
# entity declarations that amplify (a billion laughs) and, recovering, stops
# reading there, so every URL after them would be lost; the declaration is
# removed before parsing instead, and a reference to an entity it declared
# then reads as nothing.
_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(?:\[.*?\]\s*)?>", re.S)
_ELEMENT = re.compile(rb"<[A-Za-z_]")


@dataclass
class Sitemap:
    kind: str  # "urlset", "sitemapindex", or "" when unreadable
    locations: list[str] = field(default_factory=list)
    total: int = 0  # <loc> entries in the file, beyond the cap too
    problem: str = ""  # why nothing or not everything was read


def gunzip(data: bytes, limit: int) -> bytes | None:
    """Decompressed gzip data, or None past `limit` bytes (a gzip bomb stops
    early, with bounded memory) or when corrupt."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error:
        return None
    return out if len(out) <= limit else None


def without_doctype(body: bytes) -> bytes:
    """The XML without its document type declaration (and the entities it
    declares), if it has one before its root element."""
    start = body.find(b"<!DOCTYPE")
    if start < 0 or _ELEMENT.search(body, 0, start):
        return body
    match = _DOCTYPE.match(body, start)
    return body[:start] + body[match.end():] if match else body


def read_sitemap(body: bytes, max_bytes: int, max_urls: int) -> Sitemap:
    """The locations listed by a sitemap or sitemap index, at most
    `max_urls` of them, from at most `max_bytes` of XML."""
    if body[:2] == b"\x1f\x8b":
        unzipped = gunzip(body, max_bytes)
        if unzipped is None:
            return Sitemap("", problem=f"gzipped sitemap larger than {max_bytes} bytes or corrupt")
        body = unzipped
    if len(body) > max_bytes:
        return Sitemap("", problem=f"sitemap larger than {max_bytes} bytes")
    try:
        root = etree.fromstring(without_doctype(body), _PARSER)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        return Sitemap("", problem="not a readable XML sitemap")
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        return Sitemap("", problem=f"root element <{kind}> is not a sitemap")
    child = "url" if kind == "urlset" else "sitemap"
    locations: list[str] = []
    total = 0
    for entry in root:
        if not isinstance(entry.tag, str) or etree.QName(entry).localname != child:
            continue
        loc = next((e.text for e in entry if isinstance(e.tag, str) and etree.QName(e).localname == "loc"), None)
        if loc and loc.strip():
            total += 1
            if len(locations) < max_urls:
                locations.append(loc.strip())
    problem = f"{total} URLs listed, only the first {max_urls} taken" if total > max_urls else ""
    return Sitemap(kind, locations, total, problem)
