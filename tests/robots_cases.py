"""URLs generated from a robots.txt file's own rules, so that a comparison
lands where rules decide: on each rule's path, just past it, at its `$`,
and on other spellings of the same octets; and the check that explain()
agrees with allowed().

The file is read with regular expressions of its own, not with
`crawler.robots`, so the cases do not inherit the parser's reading of it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote, urlsplit

ORIGIN = "http://example.com"
OWN_TOKEN = "PoliteCrawler"  # asks for the `*` group: no file names it
_LINES = re.compile(r"\r\n|\r|\n")
_AGENT = re.compile(r"\s*user-agent\s*:\s*(\*|[A-Za-z_-]+)", re.I)
_RULE = re.compile(r"\s*(?:dis)?allow(?:\s*:\s*|\s+)([^#]+)", re.I)  # with or without colon
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def paths_for(pattern: str) -> list[str]:
    """Paths (with queries) around one rule's pattern: the pattern with its
    `*`s filled, longer, with a literal `$` (bare and `%24`), with a query,
    its octets spelled otherwise (reserved ones escaped, escapes decoded or
    in lower case) and its last character as a malformed double escape
    (`:` as `%3%41`, which must not read as `%3A`)."""
    anchored = pattern.endswith("$")
    core = (pattern[:-1] if anchored else pattern).replace(" ", "%20")
    paths = []
    if core.lower().startswith(("http://", "https://")):  # a rule written as a URL
        parts = urlsplit(core)
        paths.append((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        core = "/" + core
    filled = [core.replace("*", "x"), core.replace("*", "")]
    filled = [path if path.startswith("/") else "/" + path for path in filled]
    if "//" in filled[1] and "//" not in filled[0]:  # `/*/x` as `//x`: valid, but no site has it
        filled.pop()
    for path in filled:
        paths += [path, path + "x", path.rstrip("/") + "/a", path + "$", path + "%24", path + "?a=b"]
    path = filled[0]
    paths.append("/" + quote(path[1:], safe="%"))
    paths.append(quote(unquote(path), safe="/"))
    if "%" in path:
        paths.append(unquote(path).replace("#", "%23").replace(" ", "%20"))
        paths.append(_ESCAPE.sub(lambda m: m.group().lower(), path))
    last = path.rstrip("/")[-1:]
    if last.isascii() and last.isprintable() and last not in "/%":
        code = f"{ord(last):02X}"
        paths.append(path[: path.rindex(last)] + f"%{code[0]}%{ord(code[1]):02X}")
    return list(dict.fromkeys(paths))


def rule_cases(text: str, per_file: int | None = None) -> list[tuple[str, str]]:
    """(agent, URL) pairs from every rule line of a file, each asked by the
    token of the last `User-agent` line above it (`*`: OWN_TOKEN). With
    `per_file`, only that many rule lines, spread evenly over the file."""
    agent = OWN_TOKEN
    rules = []
    for line in _LINES.split(text):
        if match := _AGENT.match(line):
            agent = OWN_TOKEN if match.group(1) == "*" else match.group(1)
        elif match := _RULE.match(line):
            rules.append((agent, match.group(1).strip()))
    if per_file is not None and len(rules) > per_file:
        rules = [rules[len(rules) * i // per_file] for i in range(per_file)]
    return [(agent, ORIGIN + path) for agent, pattern in rules for path in paths_for(pattern)]


def explains(rules: Any, url: str, agent: str) -> bool:
    """Whether `rules.explain()` says what `rules.allowed()` decides: the
    same verdict, in its words too, and a deciding rule that decides so
    (none only when the URL is allowed: nothing matched, or /robots.txt)."""
    allowed = rules.allowed(url, agent)
    decision = rules.explain(url, agent)
    verdict = str(decision).split(" ", 1)[0].rstrip(":")
    if decision.allowed is not allowed or verdict != ("allowed" if allowed else "disallowed"):
        return False
    return allowed if decision.rule is None else decision.rule.allow is allowed
