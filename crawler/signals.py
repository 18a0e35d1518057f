"""Opt-out signals beyond robots.txt, and what they mean for one crawl's
purpose. Pure: header values, meta tags and file bodies in, decisions out.

- Robots directives: `<meta name="robots">`, `<meta name="<token>">` and
  `X-Robots-Tag` headers, including the user-agent-scoped form
  (`X-Robots-Tag: otherbot: noindex` does not apply to us). The most
  restrictive applicable value wins; `none` means `noindex, nofollow`.
- noai / noimageai (DeviantArt convention), as robots directives.
- W3C TDMRep: `tdm-reservation` / `tdm-policy` from `<meta>`, then the HTTP
  headers, then the origin's `/.well-known/tdmrep.json` (first matching
  location wins); the more specific source overrides the less specific.
- IETF AI preferences: `Content-Usage` from the HTTP header and from
  robots.txt groups (longest matching path, most restrictive on ties); across
  sources any `n` wins over `y`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from crawler.robots import PathPattern, Preference, path_octets

PURPOSES = ("ai-training", "search", "archive")
_PARAMETERIZED = {"max-snippet", "max-image-preview", "max-video-preview", "unavailable_after"}


@dataclass(frozen=True)
class Signals:
    """Everything a document says about its use, as seen by this crawler."""

    directives: dict[str, str] = field(default_factory=dict)  # directive -> where it was seen
    tdm_reservation: int | None = None
    tdm_policy: str | None = None
    tdm_source: str | None = None
    content_usage: dict[str, str] = field(default_factory=dict)  # category -> "y" / "n"
    content_usage_source: str | None = None

    @property
    def usage_text(self) -> str | None:
        return ", ".join(f"{k}={v}" for k, v in sorted(self.content_usage.items())) or None


def robots_directives(
    token: str, x_robots_tags: Iterable[str], metas: Iterable[tuple[str, str]]
) -> dict[str, str]:
    """Directives that apply to `token`, each with the first place it was seen."""
    token = token.lower()
    found: dict[str, str] = {}

    def add(directive: str, source: str) -> None:
        directive = directive.strip().lower()
        if not directive:
            return
        directive = directive.split(":", 1)[0].strip()
        for name in ("noindex", "nofollow") if directive == "none" else ():
            found.setdefault(name, source)
        found.setdefault(directive, source)

    for name, content in metas:
        name = (name or "").strip().lower()
        if name in ("robots", token):
            for directive in (content or "").split(","):
                add(directive, f'<meta name="{name}"> {directive.strip()}')
    for value in x_robots_tags:
        scope: str | None = None
        for part in value.split(","):
            part = part.strip()
            head, colon, rest = part.partition(":")
            if colon and head.strip().lower() not in _PARAMETERIZED:
                scope = head.strip().lower()
                part = rest.strip()
            if scope is None or scope == token:
                label = f"X-Robots-Tag: {scope}: {part}" if scope else f"X-Robots-Tag: {part}"
                add(part, label)
    return found


def usage_preferences(value: str) -> dict[str, str]:
    """A Content-Usage value (`train-ai=n, search=y`) as category -> y/n;
    unknown values are left out."""
    prefs: dict[str, str] = {}
    for item in value.split(","):
        key, eq, val = item.partition("=")
        key, val = key.strip().lower(), val.strip().strip('"').lower()
        if eq and key and val in ("y", "n"):
            prefs[key] = "n" if prefs.get(key) == "n" else val
    return prefs


def combine_usage(*sources: dict[str, str]) -> dict[str, str]:
    """Across sources, any `n` wins over `y` (draft-ietf-aipref-vocab)."""
    combined: dict[str, str] = {}
    for prefs in sources:
        for key, val in prefs.items():
            combined[key] = "n" if "n" in (val, combined.get(key)) else val
    return combined


def robots_usage(preferences: Sequence[Preference], url: str) -> tuple[dict[str, str], str | None]:
    """The Content-Usage of robots.txt that covers `url`: the longest matching
    path wins, the most restrictive among equally long ones."""
    path = path_octets(url)
    best: list[Preference] = []
    best_length = -1
    for pref in preferences:
        pattern = PathPattern.of(pref.path or "/")
        if pattern.matches(path):
            length = pattern.octets
            if length > best_length:
                best, best_length = [pref], length
            elif length == best_length:
                best.append(pref)
    if not best:
        return {}, None
    prefs = combine_usage(*(usage_preferences(p.value) for p in best))
    lines = ", ".join(str(p.line) for p in best)
    return prefs, f"robots.txt Content-Usage (line {lines})"


@dataclass(frozen=True)
class TdmRule:
    location: str
    reservation: int | None
    policy: str | None
    pattern: PathPattern


def parse_tdmrep(body: bytes) -> list[TdmRule]:
    """The rules of a `/.well-known/tdmrep.json`; unreadable entries are
    left out, values other than 0 and 1 are unset (a protocol error)."""
    try:
        data = json.loads(body.decode("utf-8-sig", errors="replace"))
    except ValueError:
        return []
    rules = []
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("location"), str):
            continue
        location = entry["location"] or "/"
        reservation = entry.get("tdm-reservation")
        reservation = reservation if reservation in (0, 1) and not isinstance(reservation, bool) else None
        policy = entry.get("tdm-policy") if isinstance(entry.get("tdm-policy"), str) else None
        rules.append(TdmRule(location, reservation, policy, PathPattern.of(location if location.startswith("/") else "/" + location)))
    return rules


def tdm_file_rule(rules: Sequence[TdmRule], url: str) -> TdmRule | None:
    """The first rule whose location matches the URL's path."""
    path = path_octets(url)
    return next((rule for rule in rules if rule.pattern.matches(path)), None)


def _reservation(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value in ("0", "1") else None


def tdm(
    meta: dict[str, str], headers: dict[str, str], file_rule: TdmRule | None
) -> tuple[int | None, str | None, str | None]:
    """TDM reservation, policy and source: HTML metadata overrides the HTTP
    header, which overrides the well-known file; absence resets nothing."""
    for source, values in (("meta", meta), ("header", headers)):
        reservation = _reservation(values.get("tdm-reservation"))
        if reservation is not None:
            return reservation, values.get("tdm-policy"), source
    if file_rule is not None and file_rule.reservation is not None:
        return file_rule.reservation, file_rule.policy, f"tdmrep.json location {file_rule.location}"
    return None, None, None


def page_signals(
    token: str,
    headers: dict[str, list[str]],
    metas: Sequence[tuple[str, str]],
    file_rule: TdmRule | None,
    robots_prefs: tuple[dict[str, str], str | None],
) -> Signals:
    """Every signal of one document. `headers` maps lower-case names to all
    their values; `metas` are the page's `<meta name content>` pairs."""
    directives = robots_directives(token, headers.get("x-robots-tag", []), metas)
    meta_tdm = {n.strip().lower(): c for n, c in metas if n and n.strip().lower().startswith("tdm-")}
    header_tdm = {k: v[0] for k, v in headers.items() if k in ("tdm-reservation", "tdm-policy") and v}
    reservation, policy, source = tdm(meta_tdm, header_tdm, file_rule)
    header_usage = combine_usage(*(usage_preferences(v) for v in headers.get("content-usage", [])))
    file_usage, file_source = robots_prefs
    usage = combine_usage(file_usage, header_usage)
    usage_source = " and ".join(
        s for s in (file_source if file_usage else None, "Content-Usage header" if header_usage else None) if s
    ) or None
    return Signals(directives, reservation, policy, source, usage, usage_source)


@dataclass(frozen=True)
class Decision:
    store: str | None  # None, or the reason the document is not stored
    store_detail: str
    follow: bool
    follow_detail: str


def decide(purpose: str, signals: Signals) -> Decision:
    """Whether a document is stored and its links followed, for a purpose
    (the table in README, "Opt-out signals")."""
    d = signals.directives
    reason, detail = None, ""
    if "noindex" in d:
        reason, detail = "noindex", d["noindex"]
    elif purpose == "ai-training" and ("noai" in d or "noimageai" in d):
        key = "noai" if "noai" in d else "noimageai"
        reason, detail = "noai", d[key]
    elif purpose == "ai-training" and signals.tdm_reservation == 1:
        reason, detail = "tdm", f"tdm-reservation: 1 ({signals.tdm_source})"
    elif purpose == "ai-training" and signals.content_usage.get("train-ai") == "n":
        reason, detail = "content-usage", f"train-ai=n ({signals.content_usage_source})"
    elif purpose == "search" and signals.content_usage.get("search") == "n":
        reason, detail = "content-usage", f"search=n ({signals.content_usage_source})"
    elif purpose == "archive" and "noarchive" in d:
        reason, detail = "noarchive", d["noarchive"]
    follow = "nofollow" not in d
    return Decision(reason, detail, follow, "" if follow else d["nofollow"])


def needs_tdmrep(purpose: str) -> bool:
    """Whether a purpose calls for the origin's TDMRep file."""
    return purpose == "ai-training"
