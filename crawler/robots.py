"""robots.txt as RFC 9309 says: parsing, group selection, matching, and the
status-code policy. Pure: bytes and strings in, decisions out.

The file is parsed and matched here, not by Protego, whose grouping,
agent matching, escapes, `$` and longest-match count depart from the RFC
(CONFORMANCE.md lists how):

- groups: consecutive `User-agent` lines form one group, ended only by a
  `User-agent` line that follows a rule; other lines (Crawl-delay, Sitemap,
  unknown ones) never end a group (RFC 9309 2.1, 2.2.4);
- user agents: a line's product token is read up to the first character
  outside `[A-Za-z_-]` and matched to the crawler's token exactly and
  case-insensitively, never as a prefix; all groups naming the token are
  combined, else all `*` groups (2.2.1);
- rules: a value that starts with neither `/` nor `*` (the RFC's example
  in 5.1 has `Disallow: *.gif$`) is no path pattern (2.2's ABNF:
  `path-pattern = "/" ...`): the line adds no rule, as it is not parseable
  as one (2.3.1.5). Nor do rules written as absolute URLs (`Disallow:
  https://example.com/private/`): the file's origin is not known here,
  such rules often name other hosts (`Disallow: http://dr.example.com`
  read as `/` would close a whole site), and read as paths they match
  nothing. Google's accepted mistakes (no colon, a space in the path) are
  read in Disallow lines only: an Allow the grammar rejects would allow
  more than the RFC does (`_grammatical`);
- comparison: the URL's path and query and each rule are compared as octets,
  every valid `%XX` escape decoded exactly once (`path_octets`), so `/` and
  `%2F` compare equal, as the RFC's table says, and `%3%41` is never `:`;
- patterns: `*` matches any octets, `$` at the end of a rule ends it
  (2.2.3); `%2A`, `%24`, a `$` elsewhere in a rule and a `$` in a URL are
  ordinary octets;
- longest match: the rule with the most octets decides, each escape counting
  as the one octet it stands for and `*` or `$` as one; Allow wins a tie
  (2.2.2). No match, or the URI `/robots.txt` (no query): allowed.
  Google's extension that `Allow: /x/index.html` also allows `/x/` is not
  followed: it allows more than the file says;
- bytes: at most the first 500 KiB are parsed (2.5), less a last line that
  limit cuts; a UTF-8 byte-order mark (whole or partial) is skipped,
  invalid UTF-8 is replaced, lines end at CR, LF or CRLF only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple
from urllib.parse import unquote_to_bytes

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


def _directive(line: str) -> tuple[str, str, bool] | None:
    """A line's key (one of _KEYS), its value, and whether a colon separated
    them, as RFC 9309 2.2's grammar has it."""
    key, colon, value = line.partition(":")
    if colon:
        key = key.strip().lower()
        if key in _KEYS:
            return key, value.strip(), True
    words = line.split(None, 2)
    for count in (2, 1):  # "user agent foo", "disallow /foo": accepted mistakes
        key = " ".join(words[:count]).lower()
        if key in _KEYS:
            return key, " ".join(words[count:]).strip(), False
    return None


def _grammatical(value: str, colon: bool) -> bool:
    """Whether an Allow line is one RFC 9309 2.2's grammar reads: a colon,
    then a path with no space or control octet. Other lines are skipped
    (2.3.1.5). A Disallow line is read as Google reads it (no colon, spaces
    in the path): that can only make the crawler fetch less, while an Allow
    the grammar rejects would fetch what the RFC's reading disallows."""
    return colon and _NOT_IN_PATH.search(value) is None


# A path pattern starts with "/" (2.2), or with "*" as in the RFC's own
# example (5.1: `Disallow: *.gif$`); other values are no rule.
_PATH_START = ("/", "*")
_NOT_IN_PATH = re.compile(r"[\x00-\x20]")


def _token(value: str) -> str | None:
    value = value.strip()
    if value.startswith("*"):
        return "*"
    match = _TOKEN.match(value)
    return match.group().lower() if match else None


def decode(body: bytes) -> str:
    """The first MAX_BYTES of a robots.txt, BOM skipped, decoded safely.

    A body longer than the limit loses its last line unless the limit falls
    on a line end: the start of a rule is another rule (`Disallow:
    /html/E12243_01/` cut to `Disallow: /html/E` disallows far more)."""
    if len(body) > MAX_BYTES:
        head = body[:MAX_BYTES]
        if body[MAX_BYTES] not in b"\r\n":
            head = head[: max(head.rfind(b"\n"), head.rfind(b"\r")) + 1]
        body = head
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
        key, value, colon = parsed
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
            if value.startswith(_PATH_START) and (key in _DISALLOW or _grammatical(value, colon)):
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


def path_octets(url_or_path: str) -> bytes:
    """The octets rules are matched against (RFC 9309 2.2.2): the path and
    query of a URL (fragment dropped), or a path as given.

    Both sides of a comparison are reduced to octets: text as UTF-8, every
    valid `%XX` escape decoded exactly once. That is the RFC's comparison
    (non-ASCII and reserved octets percent-encoded on both sides, unreserved
    ones decoded) with one spelling per octet, so `/` and `%2F`, `~` and
    `%7E`, `ツ` and `%E3%83%84` compare equal, while `%3%41` is `%`, `3`, `A`
    and never `:`."""
    match = _AUTHORITY.match(url_or_path)
    target = url_or_path[match.end() :] if match else url_or_path
    if "#" in target:
        target = target[: target.index("#")]
    return _octets(target if target.startswith("/") else "/" + target)


_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")


def _octets(text: str) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    return unquote_to_bytes(raw) if b"%" in raw else raw


class PathPattern(NamedTuple):
    """A rule's path pattern as octets: `head` before the first `*`, `tail`
    the pieces after each `*`, `anchored` if it ends with `$` (2.2.3). `%2A`
    and `%24` are ordinary octets, as is a `$` anywhere but at the end.
    Content-Usage lines and tdmrep.json locations use the same patterns."""

    head: bytes
    tail: tuple[bytes, ...]
    anchored: bool

    @classmethod
    def of(cls, pattern: str) -> PathPattern:
        anchored = pattern.endswith("$")
        head, *tail = (_octets(piece) for piece in (pattern[:-1] if anchored else pattern).split("*"))
        return cls(head, tuple(tail), anchored)

    @property
    def octets(self) -> int:
        """Its length for the longest match (2.2.2): octets, `*` and `$` one each."""
        return len(self.head) + sum(len(piece) + 1 for piece in self.tail) + self.anchored

    def matches(self, path: bytes) -> bool:
        """Whether the pattern matches `path` from its first octet. Each piece
        is searched once, leftmost after the previous one (which is enough for
        `*`): no backtracking, so no rule can make matching blow up."""
        if not path.startswith(self.head):
            return False
        if not self.tail:
            return not self.anchored or len(path) == len(self.head)
        at = len(self.head)
        *middle, last = self.tail
        for piece in middle:
            at = path.find(piece, at)
            if at < 0:
                return False
            at += len(piece)
        if self.anchored:
            return len(path) - len(last) >= at and path.endswith(last)
        return path.find(last, at) >= 0


class _Matcher:
    """The rules of the groups that apply to one agent, longest first."""

    def __init__(self, groups: list[Group], reason: str) -> None:
        self.groups = groups
        self.reason = reason
        rules = [(PathPattern.of(rule.pattern), rule) for group in groups for rule in group.rules]
        # longest first, Allow first among equals (2.2.2); the sort is stable,
        # so the earliest line decides among identical rules
        self.ordered = sorted(rules, key=lambda pair: (-pair[0].octets, not pair[1].allow))
        plain = [pattern for pattern, _ in self.ordered if not pattern.tail and not pattern.anchored]
        self.prefixes = tuple(pattern.head for pattern in plain)
        self.special = [(p, rule) for p, rule in self.ordered if p.tail or p.anchored]

    def decide(self, path: bytes) -> Rule | None:
        """The rule that decides for `path`: the longest that matches, None if none does.
        A path no plain prefix starts needs only the wildcard and anchored rules."""
        for pattern, rule in self.ordered if path.startswith(self.prefixes) else self.special:
            if pattern.matches(path):
                return rule
        return None

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

    def _decide(self, url: str, agent: str) -> tuple[_Matcher, Rule | None] | None:
        """The one computation behind allowed() and explain(): None for
        `/robots.txt` (always allowed, 2.2.2), else the agent's matcher and
        the deciding rule (None: no rule matches)."""
        path = path_octets(url)
        if path == b"/robots.txt":
            return None
        matcher = self._matcher(agent)
        return matcher, matcher.decide(path)

    def allowed(self, url: str, agent: str) -> bool:
        decided = self._decide(url, agent)
        return decided is None or decided[1] is None or decided[1].allow

    def explain(self, url: str, agent: str) -> Decision:
        decided = self._decide(url, agent)
        if decided is None:
            return Decision(True, None, None, "allowed: /robots.txt is always allowed")
        matcher, rule = decided
        if not matcher.groups:
            return Decision(True, None, None, "allowed: no group for this agent or *")
        if rule is None:
            return Decision(True, None, None, f"allowed: no rule matches in the {matcher.reason}")
        group = matcher.group_of(rule)
        verdict = "allowed" if rule.allow else "disallowed"
        return Decision(rule.allow, rule, group, f"{verdict} by {rule} in {group}")

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
