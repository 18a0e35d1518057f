"""Who the crawler says it is: the robots.txt product token and the User-Agent.

RFC 9309 2.2.1: the product token is made of letters, `-` and `_`, and should
appear in the User-Agent string; site owners need a contact to reach the
operator.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[A-Za-z_-]+\Z")
_CONTACT = re.compile(
    r"https?://[^\s;()]+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b", re.ASCII
)


def identity_errors(user_agent: str | None, token: str | None) -> list[str]:
    """Problems that must stop a crawl before its first request."""
    if not token:
        return [
            "ROBOTSTXT_USER_AGENT is not set: set it to the crawler's robots.txt "
            "product token (letters, '-' and '_' only)"
        ]
    if not _TOKEN.match(token):
        return [
            f"ROBOTSTXT_USER_AGENT {token!r} is not a valid robots.txt product token: "
            "use letters, '-' and '_' only (RFC 9309 section 2.2.1)"
        ]
    if not user_agent or not re.search(
        rf"(?<![A-Za-z_-]){re.escape(token)}(?![A-Za-z_-])", user_agent, re.IGNORECASE
    ):
        return [
            f"USER_AGENT {user_agent!r} does not contain the product token {token!r}: "
            f"put {token!r} in USER_AGENT so site owners can match it in robots.txt"
        ]
    return []


def identity_warnings(user_agent: str) -> list[str]:
    """Problems worth a warning: the crawl may go on."""
    if _CONTACT.search(user_agent):
        return []
    return [
        f"USER_AGENT {user_agent!r} has no contact: add a URL or an e-mail address "
        "so site owners can reach the operator"
    ]
