"""robots.txt as RFC 9309 says: parsing, group selection, matching, and the
status-code policy. Pure: bytes and strings in, decisions out.

Protego matches paths (wildcards, `$`, longest match, allow wins ties,
percent-encoding normalization, `/robots.txt` always allowed). This layer
corrects where Protego departs from the RFC:

- groups: consecutive `User-agent` lines form one group, ended only by a
  `User-agent` line that follows a rule; other lines (Crawl-delay, Sitemap,
  unknown ones) never end a group (RFC 9309 2.1, 2.2.4);
- user agents: a line's product token is read up to the first character
  outside `[A-Za-z_-]` and matched to the crawler's token exactly and
  case-insensitively, never as a prefix; all groups naming the token are
  combined, else all `*` groups (2.2.1);
- percent-encoding: `/` and `%2F` compare equal, as reserved characters
  are percent-encoded on both sides before comparison (2.2.2, the table's
  `?baz=https://foo.bar` row); Protego keeps them apart;
- bytes: at most the first 500 KiB are parsed (2.5), a UTF-8 byte-order mark
  (whole or partial) is skipped, invalid UTF-8 is replaced, lines end at CR,
  LF or CRLF only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import NamedTuple
from urllib.parse import quote, unquote, urlsplit

from protego import Protego

MAX_BYTES = 500 * 1024
_LINES = re.compile(r"\r\n|\r|\n")
_TOKEN = re.compile(r"[A-Za-z_-]+")
_USER_AGENT = {"user-agent", "useragent", "user agent"}
_ALLOW = {"allow"}
_DISALLOW = {"disallow", "dissallow", "dissalow", "disalow", "diasllow", "disallaw"}
_SITEMAP = {"sitemap", "sitemaps", "site-map"}
_CRAWL_DELAY = {"crawl-delay", "crawl delay"}
_REQUEST_RATE = {"request-rate", "request rate"}
_CONTENT_USAGE = {"content-usage"}
_KEYS = _USER_AGENT | _ALLOW | _DISALLOW | _SITEMAP | _CRAWL_DELAY | _REQUEST_RATE | _CONTENT_USAGE
_RATE = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*([smhd]?)\s*(?:\s.*)?$", re.I)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class Rule(NamedTuple):
    """One Allow or Disallow line."""

    allow: bool
    pattern: str
    line: int

    def __str__(self) -> str:
        return f"{'Allow' if self.allow else 'Disallow'}: {self.pattern} (line {self.line})"


@dataclass(frozen=True)
class Preference:
    """One Content-Usage line of a group (IETF AI preferences): the path it
    covers (None: the whole site) and its preference string."""

    path: str | None
    value: str
    line: int


@dataclass
class Group:
    agents: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    crawl_delay: float | None = None
    request_rate: tuple[int, int] | None = None
    content_usage: list[Preference] = field(default_factory=list)

    def describe(self) -> str:
        names = ", ".join(self.agents) or "(no valid token)"
        return f"User-agent: {names} (line {self.lines[0]})"


@dataclass(frozen=True)
class Decision:
    """Why a URL is allowed or not: the deciding rule, if any, and the group
    it belongs to."""

    allowed: bool
    rule: Rule | None
    group: str | None
    reason: str

    def __str__(self) -> str:
        return self.reason


def _directive(line: str) -> tuple[str, str] | None:
    key, colon, value = line.partition(":")
    if colon:
        key = key.strip().lower()
        if key in _KEYS:
            return key, value.strip()
    words = line.split(None, 2)
    for count in (2, 1):  # "user agent foo", "disallow /foo": accepted mistakes
        key = " ".join(words[:count]).lower()
        if key in _KEYS:
            return key, " ".join(words[count:]).strip()
    return None


def _token(value: str) -> str | None:
    value = value.strip()
    if value.startswith("*"):
        return "*"
    match = _TOKEN.match(value)
    return match.group().lower() if match else None


def decode(body: bytes) -> str:
    """The first MAX_BYTES of a robots.txt, BOM skipped, decoded safely."""
    body = body[:MAX_BYTES]
    for bom in (b"\xef\xbb\xbf", b"\xef\xbb", b"\xef"):
        if body.startswith(bom):
            body = body[len(bom) :]
            break
    return body.decode("utf-8", errors="replace")


def parse(body: bytes) -> RobotsRules:
    """Parse a robots.txt body."""
    groups: list[Group] = []
    sitemaps: list[str] = []
    current: Group | None = None
    rules_seen = False
    for number, line in enumerate(_LINES.split(decode(body)), 1):
        if "#" in line:
            line = line[: line.index("#")]
        line = line.strip()
        if not line:
            continue
        parsed = _directive(line)
        if parsed is None:
            continue
        key, value = parsed
        if key in _USER_AGENT:
            if current is None or rules_seen:
                current = Group()
                groups.append(current)
                rules_seen = False
            current.lines.append(number)
            token = _token(value)
            if token and token not in current.agents:
                current.agents.append(token)
        elif key in _SITEMAP:
            if value:
                sitemaps.append(value)
        elif current is None:
            continue  # a rule outside any group is ignored (2.2.2)
        elif key in _ALLOW or key in _DISALLOW:
            rules_seen = True
            if value:
                current.rules.append(Rule(key in _ALLOW, value, number))
        elif key in _CRAWL_DELAY:
            current.crawl_delay = _delay(value, current.crawl_delay)
        elif key in _REQUEST_RATE:
            current.request_rate = _rate(value) or current.request_rate
        elif key in _CONTENT_USAGE:
            current.content_usage.append(_preference(value, number))
    return RobotsRules(groups, sitemaps)


def _delay(value: str, previous: float | None) -> float | None:
    try:
        delay = float(value)
    except ValueError:
        return previous
    if not math.isfinite(delay) or delay < 0:
        return previous
    return delay if previous is None else max(previous, delay)


def _rate(value: str) -> tuple[int, int] | None:
    match = _RATE.match(value)
    if not match:
        return None
    requests, seconds = int(match.group(1)), int(match.group(2)) * _UNITS[match.group(3).lower()]
    return (requests, seconds) if requests > 0 and seconds > 0 else None


def _preference(value: str, line: int) -> Preference:
    if value.startswith("/"):
        path, _, rest = value.partition(" ")
        return Preference(path, rest.strip(), line)
    return Preference(None, value, line)


def normalize_path(url_or_path: str) -> str:
    """Path and query as RFC 9309 2.2.2 compares them: escapes of unreserved
    characters decoded, non-ASCII and reserved characters percent-encoded."""
    if "://" in url_or_path:
        parts = urlsplit(url_or_path)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    else:
        path = url_or_path
    return quote(unquote(path, errors="surrogateescape"), safe="/?=&:;,+$*!'()@%~", errors="surrogateescape")


def _slashes(text: str) -> str:
    """`%2F` spelled `/`, so Protego compares both spellings alike."""
    return _ENCODED_SLASH.sub("/", text) if "%2" in text else text


_ENCODED_SLASH = re.compile("%2[fF]")


class _Matcher:
    """Rules of the groups that apply to one agent, matched by Protego."""

    def __init__(self, groups: list[Group], reason: str) -> None:
        self.groups = groups
        self.reason = reason
        self.rules = [rule for group in groups for rule in group.rules]
        text = "User-agent: *\n" + "".join(
            f"{'Allow' if r.allow else 'Disallow'}: {_slashes(r.pattern)}\n" for r in self.rules
        )
        self.protego = Protego.parse(text)
        self._singles: dict[Rule, Protego] = {}

    @cached_property
    def _prefixes(self) -> list[tuple[Rule, str]]:
        """Each rule with the literal start every URL it matches shares."""
        return [
            (rule, normalize_path(re.split(r"[*$]", _slashes(rule.pattern), maxsplit=1)[0]))
            for rule in self.rules
        ]

    def _single(self, rule: Rule) -> Protego:
        """The rule alone: allowed iff it matches (an Allow) or does not (a Disallow)."""
        single = self._singles.get(rule)
        if single is None:
            pattern = _slashes(rule.pattern)
            text = (
                f"User-agent: *\nDisallow: /\nAllow: {pattern}\n"
                if rule.allow
                else f"User-agent: *\nDisallow: {pattern}\n"
            )
            single = self._singles[rule] = Protego.parse(text)
        return single

    def matching(self, url: str) -> list[Rule]:
        """Every rule that matches the URL, to find which one decided."""
        url = _slashes(url)
        path = normalize_path(url)
        return [
            rule
            for rule, prefix in self._prefixes
            if path.startswith(prefix) and self._single(rule).can_fetch(url, "*") == rule.allow
        ]

    def group_of(self, rule: Rule) -> str:
        for group in self.groups:
            if rule in group.rules:
                return group.describe()
        raise ValueError(rule)


class RobotsRules:
    """A parsed robots.txt."""

    def __init__(self, groups: list[Group], sitemaps: list[str]) -> None:
        self.groups = groups
        self.sitemaps = sitemaps
        self._matchers: dict[str, _Matcher] = {}

    def groups_for(self, agent: str) -> tuple[list[Group], str]:
        """The groups that apply to a product token, and how they were chosen."""
        token = agent.strip().lower()
        own = [g for g in self.groups if token in g.agents]
        if own:
            return own, f"group for {agent}"
        star = [g for g in self.groups if "*" in g.agents]
        if star:
            return star, "group for *"
        return [], "no group applies"

    def _matcher(self, agent: str) -> _Matcher:
        matcher = self._matchers.get(agent)
        if matcher is None:
            matcher = self._matchers[agent] = _Matcher(*self.groups_for(agent))
        return matcher

    def allowed(self, url: str, agent: str) -> bool:
        return self._matcher(agent).protego.can_fetch(_slashes(url), "*")

    def explain(self, url: str, agent: str) -> Decision:
        matcher = self._matcher(agent)
        allowed = matcher.protego.can_fetch(_slashes(url), "*")
        if urlsplit(url).path == "/robots.txt":
            return Decision(True, None, None, "allowed: /robots.txt is always allowed")
        if not matcher.groups:
            return Decision(True, None, None, "allowed: no group for this agent or *")
        rules = [r for r in matcher.matching(url) if r.allow == allowed]
        if not rules:
            return Decision(allowed, None, None, f"allowed: no rule matches in the {matcher.reason}")
        rule = max(rules, key=lambda r: len(normalize_path(_slashes(r.pattern).rstrip("$"))))
        group = matcher.group_of(rule)
        verdict = "allowed" if allowed else "disallowed"
        return Decision(allowed, rule, group, f"{verdict} by {rule} in {group}")

    def crawl_delay(self, agent: str) -> float | None:
        """Seconds to wait between requests: the largest of Crawl-delay and
        the gap a Request-rate implies, in the agent's groups, else in `*`'s."""
        for groups in (self.groups_for(agent)[0], [g for g in self.groups if "*" in g.agents]):
            delays = [g.crawl_delay for g in groups if g.crawl_delay is not None]
            delays += [g.request_rate[1] / g.request_rate[0] for g in groups if g.request_rate]
            if delays:
                return max(delays)
        return None

    def content_usage(self, agent: str) -> list[Preference]:
        return [p for g in self.groups_for(agent)[0] for p in g.content_usage]


_DELAY_NOTE = re.compile(r"; crawl-delay (\d[\d.e+-]*) s(?:$|;)")


def delay_note(delay: float) -> str:
    """How the audit's `robots` row records the Crawl-delay the crawler took
    from a robots.txt (appended to its detail): the audit keeps the file's
    digest, not its body, so this is what `scrapy audit` and `scrapy verify`
    read back with `noted_delay`."""
    return f"; crawl-delay {delay:g} s"


def noted_delay(detail: str | None) -> float | None:
    """The Crawl-delay written by `delay_note` into an audit detail, if any."""
    found = _DELAY_NOTE.search(detail or "")
    return float(found.group(1)) if found else None


class Availability(Enum):
    """RFC 9309 2.3.1: what a robots.txt fetch means for its origin."""

    PARSED = "parsed"  # 2xx: follow the rules
    UNAVAILABLE = "unavailable"  # 4xx but 429, or too many redirects: allow all
    UNREACHABLE = "unreachable"  # 5xx, 429, network error, challenge: disallow all


def classify(status: int | None, *, challenged: bool = False) -> Availability:
    """Map a robots.txt fetch outcome (None: no response) to its meaning."""
    if status is None or challenged or status == 429 or status >= 500 or status < 200:
        return Availability.UNREACHABLE
    if status < 300:
        return Availability.PARSED
    return Availability.UNAVAILABLE


def retry_delay(failures: int, base: float, ceiling: float) -> float:
    """Back-off before fetching an unreachable robots.txt again: `base`,
    then four times longer after each further failure, at most `ceiling`."""
    return min(ceiling, base * 4 ** max(0, failures - 1))


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a canonical URL: the scope of one robots.txt."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
