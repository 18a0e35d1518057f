"""HTTP messages as plain data: headers for the pure decision modules, and
the digest of a payload."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping


def plain_headers(headers: Mapping[bytes, Iterable[bytes]]) -> dict[str, str]:
    """Lower-case names to values (repeated headers joined by `, `), from
    Scrapy's `Headers` or any mapping of bytes to lists of bytes."""
    return {
        name.decode("latin-1").lower(): ", ".join(v.decode("latin-1") for v in values)
        for name, values in headers.items()
    }


def header_list(headers: Mapping[bytes, Iterable[bytes]]) -> list[dict[str, str]]:
    """Name/value pairs in order, repeated names kept: the shards' `headers`."""
    return [
        {"name": name.decode("latin-1"), "value": value.decode("latin-1")}
        for name, values in headers.items()
        for value in values
    ]


def sha1_digest(body: bytes) -> str:
    """`sha1:` + base32, the WARC / Common Crawl spelling of a payload digest."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()  # noqa: S324
