"""What an erasure selects, and the deny list that keeps it from being
collected again.

A selector names documents the way a person or a site owner does: one URL,
every URL under a prefix, a host, a registered domain, or a literal text
(a name, an e-mail address) found in a document's URL or text. `scrapy
forget` adds its selector to the deny list, `PRIVACY_DENYLIST`, a text file
of one entry a line (`host www.example.com`); every crawl reads it at start
and never requests a URL it selects, and never stores a document whose text
holds one of its `match` texts. Pure decisions over strings, no Scrapy and
no pyarrow: the crawl imports this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.errors import ConfigError
from crawler.reasons import escape
from crawler.shards import write_atomically
from crawler.urls import canonical_host, canonical_url, dedupe_key, registered_domain, url_host

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

KINDS = ("url", "prefix", "host", "domain", "match")
MIN_MATCH = 3  # characters: a shorter literal would select much of any dataset
SETTING = "PRIVACY_DENYLIST"
HEADER = (
    "# Erased on request (scrapy forget): no crawl requests a URL these entries select, and none\n"
    "# stores a document whose text holds a `match` text. One entry a line: url, prefix, host,\n"
    "# domain or match, a space, then the value. Lines starting with # are comments.\n"
)


@dataclass(frozen=True)
class Selector:
    """One erasure's subject: `kind` (one of KINDS) and its value, in the
    form stored rows use (canonical URL, lower-case host)."""

    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"

    def matches_url(self, url: str) -> bool:
        """Whether the selector selects this URL (any spelling of it)."""
        if self.kind == "match":
            return self.value in url
        canonical = canonical_url(url)
        if canonical is None:
            return False
        if self.kind == "url":
            return dedupe_key(canonical) == dedupe_key(self.value)
        if self.kind == "prefix":
            return canonical.startswith(self.value)
        host = url_host(canonical)
        return host == self.value if self.kind == "host" else registered_domain(host) == self.value


def selector(kind: str, value: str) -> Selector:
    """The selector an option or a deny-list line gives, or a ValueError
    saying what to give instead."""
    if kind not in KINDS:
        raise ValueError(f"unknown entry {escape(kind)!r}: use one of {', '.join(KINDS)}, then a value")
    text = value.strip()
    if kind in ("url", "prefix"):
        url = None if any(c.isspace() for c in text) else canonical_url(text)
        if url is None:
            raise ValueError(f"{kind} {escape(text)!r} is not a crawlable http(s) URL: give an absolute "
                             "http:// or https:// URL without credentials")
        return Selector(kind, url)
    if kind == "match":
        if not text.isprintable() or len(text) < MIN_MATCH:
            raise ValueError(f"match {escape(text)!r} is not accepted: give one line of at least {MIN_MATCH} "
                             "printable characters, such as a full name or an e-mail address")
        return Selector(kind, text)
    malformed = any(c in text for c in "/@ ") or (":" in text and not text.startswith("["))
    host = canonical_host(text) if text and not malformed else None
    if host is None:
        raise ValueError(f"{kind} {escape(text)!r} is not a host name: give one such as www.example.com")
    if kind == "domain" and registered_domain(host) != host:
        domain = registered_domain(host)
        raise ValueError(f"{host} is a host of the registered domain {domain}: give domain {domain}, "
                         f"or host {host} for that host alone")
    return Selector(kind, host)


def chosen(options: Mapping[str, str | None]) -> Selector:
    """The one selector among a command's options (None: not given), or a
    ValueError."""
    given = [(kind, options[kind]) for kind in KINDS if options.get(kind) is not None]
    if len(given) != 1:
        raise ValueError("give exactly one of --url URL, --prefix URL, --host HOST, --domain DOMAIN or --match TEXT")
    return selector(*given[0])


class DenyList:
    """The deny list's entries, indexed so that the crawl checks a URL with a
    few set lookups. Selects a URL exactly when one of its entries does
    (`Selector.matches_url`)."""

    def __init__(self, entries: Iterable[tuple[int, Selector]] = ()) -> None:
        self.entries = list(entries)
        self._exact: dict[str, dict[str, int]] = {"url": {}, "host": {}, "domain": {}}
        self._scanned: list[tuple[int, Selector]] = []  # prefixes and texts, checked one by one
        for line, entry in self.entries:
            value = dedupe_key(entry.value) if entry.kind == "url" else entry.value
            if entry.kind in self._exact:
                self._exact[entry.kind].setdefault(value, line)
            else:
                self._scanned.append((line, entry))
        self._texts = [(line, entry.value) for line, entry in self._scanned if entry.kind == "match"]

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __contains__(self, entry: Selector) -> bool:
        return any(existing == entry for _, existing in self.entries)

    def forbids(self, url: str) -> str | None:
        """Why `url` must never be requested (the evidence for the log, naming
        the entry's line, never its value), or None."""
        canonical = canonical_url(url)
        found: tuple[int, str] | None = None
        if canonical is not None:
            host = url_host(canonical)
            for kind, key in (("url", dedupe_key(canonical)), ("host", host), ("domain", registered_domain(host))):
                line = self._exact[kind].get(key)
                if line is not None:
                    found = (line, kind)
                    break
        if found is None:
            for line, entry in self._scanned:  # as Selector.matches_url, the URL canonicalised once
                if entry.kind == "match":
                    hit = entry.value in url
                else:
                    hit = canonical is not None and canonical.startswith(entry.value)
                if hit:
                    found = (line, entry.kind)
                    break
        return None if found is None else _evidence(*found)

    def forbids_text(self, text: str) -> str | None:
        """Why a document with this text must not be stored (a `match` entry
        found in it), or None."""
        for line, value in self._texts:
            if value in text:
                return _evidence(line, "match")
        return None


def _evidence(line: int, kind: str) -> str:
    return f"erased on request: {kind} entry on line {line} of {SETTING}"


def parse(text: str) -> DenyList:
    """The deny list a file holds, or a ValueError naming the bad line."""
    entries = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        kind, _, value = line.partition(" ")
        try:
            entries.append((number, selector(kind, value)))
        except ValueError as error:
            raise ValueError(f"line {number}: {error}") from None
    return DenyList(entries)


def load(path: Path) -> DenyList:
    """The deny list at `path` (none yet: empty), or a ConfigError naming
    the setting, the line and the fix."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return DenyList()
    except (OSError, UnicodeDecodeError) as exc:
        cause = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"{SETTING}={path} cannot be read ({cause}): give a readable text file") from None
    try:
        return parse(text)
    except ValueError as error:
        raise ConfigError(f"{SETTING}={path}: {error}; fix or remove the line") from None


def add(path: Path, entries: Iterable[Selector], comment: str) -> list[Selector]:
    """Append the entries not yet on the deny list, under a comment line,
    replacing the file atomically (a crawl starting meanwhile reads the old
    list or the new one). Returns the entries added."""
    current = load(path)
    new = list(dict.fromkeys(e for e in entries if e not in current))
    if not new:
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = HEADER
    if text and not text.endswith("\n"):
        text += "\n"
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text += f"# {stamp} {comment}\n" + "".join(f"{entry}\n" for entry in new)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{SETTING}={path} cannot be written ({exc.strerror or exc}): "
                          "give a file in a writable folder") from None
    return new


def denylist_path(settings: Any) -> Path:
    """PRIVACY_DENYLIST, by default `forgotten.txt` beside the documents folder."""
    configured = settings.get(SETTING)
    return Path(configured) if configured else Path(settings.get("PARQUET_DIR")).absolute().parent / "forgotten.txt"


def crawl_denylist(crawler: Crawler) -> DenyList:
    """The crawl's deny list, read once, when the frontier opens, and kept on
    the crawler, so the spider and the frontier apply the same entries. By
    then the crawl holds its shard locks: an erasure adds its entry, then
    looks for crawls holding locks, so a crawl it does not find reads the
    entry."""
    found: DenyList | None = getattr(crawler, "denylist", None)
    if found is None:
        found = load(denylist_path(crawler.settings))
        crawler.denylist = found  # type: ignore[attr-defined]
    return found
