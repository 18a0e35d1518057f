"""URL decisions: canonical form, registered domain, crawl scope, seed lists.

Pure functions over strings, no Scrapy: the spider, the scheduler's duplicate
filter and the robots layer all see one canonical spelling of each URL, so one
document is fetched once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from crawler.netguard import decode_host
from crawler.privacy import without_identifiers
from crawler.suffixes import EXTRACT

_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)
_PATH_CLEAN = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]*\Z")
_QUERY_CLEAN = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*\Z")
_PATH_SAFE = frozenset(b"!$&'()*+,;=:@/") | _UNRESERVED
_QUERY_SAFE = _PATH_SAFE | frozenset(b"?")
_HEX = frozenset(b"0123456789abcdefABCDEF")


def _normalize_escapes(part: str, safe: frozenset[int]) -> str:
    """Percent-encode what must be, decode escaped unreserved octets and
    upper-case the rest, so equivalent spellings compare equal (RFC 3986 6.2.2)."""
    raw = part.encode("utf-8", "surrogatepass")
    out = bytearray()
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == 0x25:  # '%'
            if i + 2 < n and raw[i + 1] in _HEX and raw[i + 2] in _HEX:
                value = int(raw[i + 1 : i + 3], 16)
                if value in _UNRESERVED:
                    out.append(value)
                else:
                    out += b"%" + raw[i + 1 : i + 3].upper()
                i += 3
                continue
            out += b"%25"
        elif c in safe:
            out.append(c)
        else:
            out += b"%%%02X" % c
        i += 1
    return out.decode("ascii")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4, keeping a trailing slash."""
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


@lru_cache(maxsize=65536)
def canonical_host(host: str) -> str | None:
    """The host as the network guard and the request see it: decoded as a
    WHATWG URL parser decodes it (percent-escapes, IDNA, case, trailing
    dots, numeric IPv4 forms; `crawler.netguard.decode_host`), or None if it
    is not a valid host. So a redirect to `%31%32%37.0.0.1` is requested,
    and refused, as `127.0.0.1`."""
    return decode_host(host) if host else None


# A URL already in canonical form: lower-case host whose last label starts
# with a letter (numeric hosts need normalizing), an optional port, a path
# and a non-empty query of characters that need no escaping, no
# percent-escape, no fragment. Most extracted links look like this.
_ALREADY_CANONICAL = re.compile(
    r"(https?)://((?:[a-z0-9][a-z0-9-]*\.)*[a-z][a-z0-9-]*[a-z0-9])(?::([1-9][0-9]{0,4}))?"
    r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*(?:\?[A-Za-z0-9\-._~!$&'()*+,;=:@/?]+)?\Z"
)


def _already_canonical(url: str) -> bool:
    """Whether `url` is its own canonical spelling, decided without parsing."""
    match = _ALREADY_CANONICAL.match(url)
    if match is None or "/." in url:
        return False
    scheme, host, port = match.groups()
    return len(host) <= 253 and (port is None or (int(port) <= 65535 and int(port) != _DEFAULT_PORTS[scheme]))


def canonical_url(url: str) -> str | None:
    """The canonical spelling of an http(s) URL, or None if it cannot be crawled.

    Scheme and host are lower-cased, the default port and the fragment dropped,
    dot segments resolved and percent-escapes normalized. Query parameters keep
    their order (see `dedupe_key`). URLs with user information are refused:
    the crawler never sends credentials. Session identifiers, tokens, e-mail
    addresses and tracking parameters are removed (`privacy.without_identifiers`).
    """
    if _already_canonical(url):
        return without_identifiers(url)
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or parts.username is not None:
        return None
    hostname = parts.hostname
    if hostname is None:
        return None
    host = canonical_host(hostname)
    if host is None:
        return None
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    if port == 0:
        return None
    path = parts.path or "/"
    if not _PATH_CLEAN.match(path):
        path = _normalize_escapes(path, _PATH_SAFE)
    if "/." in path or not path.startswith("/"):
        path = _remove_dot_segments(path)
    query = parts.query
    if query and not _QUERY_CLEAN.match(query):
        query = _normalize_escapes(query, _QUERY_SAFE)
    return without_identifiers(f"{scheme}://{netloc}{path}?{query}" if query else f"{scheme}://{netloc}{path}")


def redact_userinfo(url: str) -> str | None:
    """The URL with its user information replaced by `***`, if it has any:
    credentials never reach a request or a log line."""
    scheme, sep, rest = url.strip().partition("://")
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if not sep or "@" not in authority:
        return None
    return f"{scheme}://***@{rest[authority.rindex('@') + 1:]}"


@dataclass(frozen=True)
class Refused:
    """Why a URL may not be requested: a reason keyword of `crawler.reasons`,
    the URL as it may be logged and stored (user information replaced by
    `***`), and the evidence."""

    reason: str
    url: str
    detail: str


def request_url(url: str, max_length: int) -> str | Refused:
    """The canonical URL to request for `url`, or why it may not be requested.

    Applies to every URL whatever brought it (a seed, a link, a sitemap, a
    redirect, a meta refresh, a robots.txt redirect): user information is
    never sent (`credentials`), a URL that is no crawlable http(s) URL is not
    requested (`invalid-url`), nor one longer than `max_length` once
    canonical (`trap`; 0: no limit).
    """
    canonical = canonical_url(url)
    if canonical is None:
        redacted = redact_userinfo(url)
        if redacted is not None:
            return Refused("credentials", redacted, "the URL carries credentials; they are never sent")
        return Refused("invalid-url", url, "not a crawlable http(s) URL (invalid host or port)")
    if max_length and len(canonical) > max_length:
        return Refused("trap", canonical, f"URL of {len(canonical)} characters, longer than URLLENGTH_LIMIT={max_length}")
    return canonical


def dedupe_key(url: str) -> str:
    """Key under which two canonical URLs count as one document: the same URL
    with its query parameters in sorted order."""
    head, sep, query = url.partition("?")
    if not sep or "&" not in query:
        return url
    return head + "?" + "&".join(sorted(query.split("&")))


def url_host(url: str) -> str:
    """Host name of a canonical URL (no port, no brackets removed)."""
    netloc = url.split("/", 3)[2]
    if netloc.startswith("["):
        return netloc[: netloc.index("]") + 1]
    return netloc.rsplit(":", 1)[0] if ":" in netloc else netloc


@lru_cache(maxsize=65536)
def registered_domain(host: str) -> str:
    """The registrable domain of a host (eTLD+1 per the Public Suffix List).

    Hosts without a known public suffix (IP addresses, `localhost`, intranet
    names) are their own registered domain.
    """
    if host.startswith("[") or host.replace(".", "").isdigit():
        return host
    result = EXTRACT(host)
    if result.suffix and result.domain:
        return f"{result.domain}.{result.suffix}"
    return host


SCOPES = ("domain", "host", "any")


@dataclass(frozen=True)
class Scope:
    """Which links a crawl follows: those on a seed's registered domain
    (`domain`), on a seed's host (`host`), or every http(s) link (`any`)."""

    kind: str
    hosts: frozenset[str]
    domains: frozenset[str]

    @classmethod
    def from_seeds(cls, kind: str, seeds: Iterable[str]) -> Scope:
        if kind not in SCOPES:
            raise ValueError(f"unknown scope {kind!r}: use one of {', '.join(SCOPES)}")
        hosts = frozenset(url_host(u) for u in seeds)
        return cls(kind, hosts, frozenset(registered_domain(h) for h in hosts))

    def allows(self, host: str) -> bool:
        if self.kind == "domain":
            return host in self.hosts or registered_domain(host) in self.domains
        if self.kind == "host":
            return host in self.hosts
        return True


@dataclass(frozen=True)
class SeedProblem:
    """A seed line that is not a crawlable URL."""

    line: int
    text: str


def read_seeds(spec: str) -> tuple[list[str], list[SeedProblem], str]:
    """Seeds from SPEC: a file (one URL per line, blank lines and `#` comments
    ignored) if SPEC names one, else a comma-separated list of URLs.

    Returns the canonical seeds (deduplicated, in order), the lines that were
    not valid URLs, and a description of the source for messages. Raises
    OSError if SPEC looks like a path but cannot be read.
    """
    path = Path(spec)
    if "://" not in spec or _is_file(path):
        text = path.read_text(encoding="utf-8-sig", errors="replace")
        return (*_parse_lines(text.splitlines()), f"seeds file {spec}")
    return (*_parse_lines(spec.split(",")), "seeds list")


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # e.g. a list of URLs too long to be a file name
        return False


_COMMENT = re.compile(r"\s+#")


def _parse_lines(lines: Iterable[str]) -> tuple[list[str], list[SeedProblem]]:
    seeds: dict[str, None] = {}
    problems: list[SeedProblem] = []
    for number, line in enumerate(lines, 1):
        text = _COMMENT.split(line, 1)[0].strip()
        if not text or text.startswith("#"):
            continue
        url = None if any(c.isspace() for c in text) else canonical_url(text)
        if url is None:
            problems.append(SeedProblem(number, text))
        else:
            seeds.setdefault(url, None)
    return list(seeds), problems


def url_fingerprint(url: str) -> int:
    """A stable 64-bit key for a URL: equal for spellings of one document."""
    key = dedupe_key(canonical_url(url) or url)
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


class Recent:
    """Membership among the last `size` to `2 * size` keys added, in bounded
    memory: a cheap first check before a costlier one (the frontier's
    database, a log line already written)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._new: set[int] = set()
        self._old: set[int] = set()

    def __contains__(self, key: int) -> bool:
        return key in self._new or key in self._old

    def add(self, key: int) -> None:
        self._new.add(key)
        if len(self._new) >= self.size:
            self._old, self._new = self._new, set()
