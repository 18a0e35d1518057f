"""Is this response a login wall, a paywall, a challenge, a block or a rate
limit, rather than content? Pure: status, headers, URLs and the head of the
body in, a verdict and its evidence out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Headers that only a challenge carries (vendor headers such as
# `server: cloudflare` or `x-datadome: protected` are on every response).
_DECISIVE = {
    "cf-mitigated": ("challenge",),
    "x-amzn-waf-action": ("captcha", "challenge"),
    "x-vercel-mitigated": ("challenge",),
    "sg-captcha": ("challenge",),
}


@dataclass(frozen=True)
class Verdict:
    kind: str  # content, login, paywall, challenge, block, ratelimit
    evidence: str = ""

    @property
    def is_content(self) -> bool:
        return self.kind == "content"


CONTENT = Verdict("content")


def classify(status: int, headers: Mapping[str, str], body: bytes = b"") -> Verdict:
    """What a response is. `headers` maps lower-case names to values."""
    for name, values in _DECISIVE.items():
        value = headers.get(name, "").strip().lower()
        if value in values:
            return Verdict("challenge", f"{name}: {value}")
    return CONTENT
