"""The project's robots.txt decisions against an independent parser's,
robotspy's, on the vendored corpus of real files, with URLs generated from
each file's own rules (tests/robots_cases.py).

Every disagreement is put in a named class by `classify`. Each class is a
difference already examined against RFC 9309 and listed in CONFORMANCE.md
with what robotspy does and the RFC text that makes the project right. A
disagreement outside them fails the test: a bug to fix, or a class to
examine and document. explain() must agree with allowed() on every URL."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import pytest
from robots import RobotsParser

from crawler.robots import MAX_BYTES, decode, parse
from tests.corpora import robots_corpus
from tests.robots_cases import OWN_TOKEN, explains, rule_cases
from tests.support import REPO

RULES_PER_FILE = 40  # rule lines per file, spread evenly: the whole run takes ~25 s
NO_TOKEN = "x-no-product-token"  # an agent no generated case asks as

# Read in this order: the first that explains a disagreement names it.
CLASSES = {
    "beyond_500_kib": "robotspy parses the whole file; here parsing stops at 500 KiB",
    "cr_line_end": "robotspy ends lines at LF only; here CR, LF and CRLF end a line",
    "agent_line_without_token": "robotspy skips a User-agent line with no product token (`008`)",
    "agent_line_beyond_token": "robotspy skips a User-agent line whose text after the token has `s` or `]`",
    "accepted_mistake": "robotspy does not read `User agent`, `useragent` or `Dissallow` lines",
    "allow_outside_grammar": "robotspy reads `Allow /x`, with no colon",
    "disallow_with_space": "robotspy skips a Disallow line with a space in its path",
    "robots_txt": "robotspy applies the rules to /robots.txt",
    "repeated_slashes": "robotspy reads `//` in a URL (not in a rule) as `/`",
    "literal_dollar": "robotspy matches a rule's end anchor `$` with a `$` in the URL",
    "escaped_special_in_rule": "robotspy decodes `%24` and `%2A` in a rule into `$` and `*`",
    "fnmatch_brackets": "robotspy reads `[...]` in a rule as an fnmatch character class",
    "fnmatch_question_mark": "robotspy reads `?` in a `*...$` rule as any one character",
    "invalid_utf8_escape": "robotspy decodes escapes as UTF-8, invalid ones all to U+FFFD",
}

_LINES = re.compile(r"\r\n|\r|\n")
_AGENT_LINE = re.compile(r"\s*(user-agent|user agent|useragent)(?:\s*:\s*|\s+)([^#]*).*", re.I)
_TOKEN = re.compile(r"\*|[A-Za-z_-]+")
_RULE_LINE = re.compile(
    r"\s*(allow|disallow|dissallow|dissalow|disalow|diasllow|disallaw)(\s*:\s*|\s+)([^#]*).*", re.I
)
_SPECIAL_ESCAPE = re.compile("%2[aA4]")


def robotspy_text(body: bytes) -> str:
    """The file as robotspy's own loader reads it: UTF-8, BOM dropped."""
    return body.decode("utf-8", errors="replace").removeprefix("\ufeff")


def _agent_line(line: str) -> tuple[str, str, str | None] | None:
    """A User-agent line's key as spelled (lower case), its value and the
    product token this project reads in it (None: there is none)."""
    match = _AGENT_LINE.fullmatch(line)
    if match is None:
        return None
    value = match.group(2).strip()
    token = _TOKEN.match(value)
    return match.group(1).lower(), value, token.group() if token else None


def _agent_without_token(line: str) -> str:
    """`User-agent: 008` as this project reads it: a group no crawler matches."""
    agent = _agent_line(line)
    if agent and agent[0] == "user-agent" and agent[2] is None:
        return f"User-agent: {NO_TOKEN}"
    return line


def _agent_beyond_token(line: str) -> str:
    """`User-agent: Foo Spider/3.0 (+http://foo.example)` as this project reads it."""
    agent = _agent_line(line)
    if agent and agent[0] == "user-agent" and agent[2] not in (None, agent[1]):
        return f"User-agent: {agent[2]}"
    return line


def _accepted_mistake(line: str) -> str:
    """`User agent: x`, `useragent: x`, `Dissallow: /x` spelled as robotspy reads them."""
    if (agent := _agent_line(line)) and agent[0] != "user-agent":
        return f"User-agent: {agent[2] or NO_TOKEN}"
    if (match := _RULE_LINE.fullmatch(line)) and match.group(1).lower() not in ("allow", "disallow"):
        return f"Disallow: {match.group(3).strip()}"
    return line


def _allow_outside_grammar(line: str) -> str:
    """An Allow line this project reads as adding no rule, written so."""
    match = _RULE_LINE.fullmatch(line)
    if match and match.group(1).lower() == "allow":
        value = match.group(3).strip()
        if ":" not in match.group(2) or re.search(r"[\x00-\x20]", value):
            return "Allow:"
    return line


def _disallow_with_space(line: str) -> str:
    """`Disallow: /a b` with its path's spaces escaped, which robotspy reads."""
    match = _RULE_LINE.fullmatch(line)
    value = match.group(3).strip() if match else ""
    if match and match.group(1).lower() != "allow" and re.search(r"\s", value):
        return "Disallow: " + re.sub(r"\s", lambda space: f"%{ord(space.group()):02X}", value)
    return line


def _by_line(rewrite: Callable[[str], str]) -> Callable[[str, bytes], str]:
    return lambda text, _: "\n".join(rewrite(line) for line in text.split("\n"))


# Each step rewrites robotspy's copy of the file a little closer to this
# project's reading of it; the steps add up.
_STEPS: list[tuple[str, Callable[[str, bytes], str]]] = [
    ("beyond_500_kib", lambda _, body: decode(body)),
    ("cr_line_end", lambda text, _: "\n".join(_LINES.split(text))),
    ("agent_line_without_token", _by_line(_agent_without_token)),
    ("agent_line_beyond_token", _by_line(_agent_beyond_token)),
    ("accepted_mistake", _by_line(_accepted_mistake)),
    ("allow_outside_grammar", _by_line(_allow_outside_grammar)),
    ("disallow_with_space", _by_line(_disallow_with_space)),
]


@lru_cache(maxsize=4)
def _rewritten(body: bytes) -> list[tuple[str, RobotsParser]]:
    """robotspy's parse of the file after each step."""
    text = robotspy_text(body)
    parsers = []
    for name, step in _STEPS:
        text = step(text, body)
        parsers.append((name, RobotsParser.from_string(text)))
    return parsers


def _robotspy_rule(parser: RobotsParser, agent: str, url: str) -> tuple[str, str | None]:
    """The path robotspy compares and the (decoded) rule that decides, by its
    own loop in RobotsParser.can_fetch."""
    _, path = RobotsParser.normalize_url(url)
    for rule in parser.find_rules(agent):
        if (
            (rule.path.endswith("$") and rule.path[:-1] == path)
            or path.startswith(rule.path)
            or (rule.path != "*" and "*" in rule.path and RobotsParser.startswith_pattern(path, rule.path))
            or rule.path == "*"
        ):
            return path, rule.path
    return path, None


def classify(body: bytes, agent: str, url: str, allowed: bool) -> str:
    """The class of a disagreement: robotspy does not return `allowed`."""
    steps = _rewritten(body)
    for name, parser in steps:
        if parser.can_fetch(agent, url) == allowed:
            return name
    path = urlsplit(url).path
    if path == "/robots.txt":
        return "robots_txt"
    decoded = unquote(url.split("://", 1)[1].partition("/")[2])
    if RobotsParser.dedup_slash("/" + decoded) != "/" + decoded:
        return "repeated_slashes"
    their_path, theirs = _robotspy_rule(steps[-1][1], agent, url)
    rules = parse(body)
    decision = rules.explain(url, agent)
    ours = decision.rule.pattern if decision.rule else None
    if theirs and theirs.endswith("$") and their_path.startswith(theirs):
        return "literal_dollar"
    raw = [r.pattern for group in rules.groups_for(agent)[0] for r in group.rules]
    deciding_raw = [p for p in raw if p == ours or (theirs is not None and unquote(p) == theirs)]
    if any(_SPECIAL_ESCAPE.search(p) for p in deciding_raw):
        return "escaped_special_in_rule"
    deciding = [unquote(p) for p in deciding_raw] + ([theirs] if theirs else [])
    if any("[" in p or "]" in p for p in deciding):
        return "fnmatch_brackets"
    if any("*" in p and "?" in p and p.endswith("$") for p in deciding):
        return "fnmatch_question_mark"
    if "\ufffd" in their_path or any("\ufffd" in p for p in deciding):
        return "invalid_utf8_escape"
    return "unexplained"


def documented_classes() -> set[str]:
    """The classes CONFORMANCE.md's table of disagreements with robotspy names."""
    text = (REPO / "CONFORMANCE.md").read_text()
    section = text.split("## Where this crawler and robotspy disagree", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(\w+)` \|", section, re.M))


def test_conformance_documents_exactly_these_classes():
    assert documented_classes() == set(CLASSES)


# A smallest case of each class: robotspy disagrees, and classify() says why.
EXAMPLES = {
    "beyond_500_kib": (b"User-agent: *\n" + b"#" * MAX_BYTES + b"\nDisallow: /a\n", "/a"),
    "cr_line_end": (b"User-agent: *\rDisallow: /a\r", "/a"),
    "agent_line_without_token": (b"User-agent: *\nDisallow: /a\n\nUser-agent: 008\nDisallow: /\n", "/b"),
    "agent_line_beyond_token": (b"User-agent: *\nDisallow: /a\n\nUser-agent: Sogou spider\nDisallow: /\n", "/b"),
    "accepted_mistake": (b"User agent: *\nDisallow: /a\n", "/a"),
    "allow_outside_grammar": (b"User-agent: *\nDisallow: /\nAllow /a\n", "/a"),
    "disallow_with_space": (b"User-agent: *\nDisallow: /a b\n", "/a%20b"),
    "robots_txt": (b"User-agent: *\nDisallow: /\n", "/robots.txt"),
    "repeated_slashes": (b"User-agent: *\nDisallow: //a\n", "//a"),
    "literal_dollar": (b"User-agent: *\nDisallow: /a$\n", "/a$"),
    "escaped_special_in_rule": (b"User-agent: *\nDisallow: /a%24\n", "/a"),
    "fnmatch_brackets": (b"User-agent: *\nDisallow: /*[0]\n", "/x0"),
    "fnmatch_question_mark": (b"User-agent: *\nDisallow: /*a?$\n", "/ab"),
    "invalid_utf8_escape": (b"User-agent: *\nDisallow: /%FF\n", "/%FE"),
}


@pytest.mark.parametrize("name", CLASSES)
def test_each_class_has_a_smallest_case(name):
    body, path = EXAMPLES[name]
    url = "http://example.com" + path
    allowed = parse(body).allowed(url, OWN_TOKEN)
    assert RobotsParser.from_string(robotspy_text(body)).can_fetch(OWN_TOKEN, url) is not allowed
    assert classify(body, OWN_TOKEN, url, allowed) == name


def test_the_project_and_robotspy_disagree_only_in_documented_classes():
    seen: Counter[str] = Counter()
    examples: dict[str, tuple[str, str, str, bool]] = {}
    decisions = 0
    for site, body in robots_corpus():
        text = robotspy_text(body)
        ours, theirs = parse(body), RobotsParser.from_string(text)
        for agent, url in rule_cases(text, RULES_PER_FILE):
            decisions += 1
            allowed = ours.allowed(url, agent)
            assert explains(ours, url, agent), (site, agent, url)
            if theirs.can_fetch(agent, url) != allowed:
                name = classify(body, agent, url, allowed)
                seen[name] += 1
                examples.setdefault(name, (site, agent, url, allowed))
    print(f"\n{decisions} decisions, {sum(seen.values())} disagreements")
    for name, count in seen.most_common():
        print(f"{count:7} {name}: {CLASSES.get(name, 'UNDOCUMENTED')}, e.g. {examples[name]}")
    undocumented = {name: examples[name] for name in seen if name not in documented_classes()}
    assert not undocumented
    assert decisions > 500_000
