"""A reader for the protobuf text format of Google's robots.txt spec tests.

Strings come back as bytes: a robots.txt body may hold bytes that are not UTF-8.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

_TOKEN = re.compile(
    r'\s+|#[^\n]*|"(?:[^"\\\n]|\\.)*"|[\[\]{}:,]|[A-Za-z_][A-Za-z0-9_.]*|-?[0-9][0-9.]*'
)


def _tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ValueError(f"unexpected text at {pos}: {text[pos:pos + 20]!r}")
        token = match.group()
        pos = match.end()
        if not token.isspace() and not token.startswith("#"):
            tokens.append(token)
    return tokens


def _string(token: str) -> bytes:
    return codecs.escape_decode(token[1:-1].encode("utf-8"))[0]


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def message(self, end: str | None) -> dict[str, list[Any]]:
        fields: dict[str, list[Any]] = {}
        while self.peek() != end:
            name = self.take()
            if self.peek() == ":":
                self.take()
            value = self.value()
            fields.setdefault(name, []).extend(value if isinstance(value, list) else [value])
            if self.peek() == ",":
                self.take()
        if end is not None:
            self.take()
        return fields

    def value(self) -> Any:
        token = self.take()
        if token == "[":
            items = []
            while self.peek() != "]":
                items.append(self.value())
                if self.peek() == ",":
                    self.take()
            self.take()
            return items
        if token == "{":
            return self.message("}")
        if token.startswith('"'):
            parts = [_string(token)]
            while (nxt := self.peek()) is not None and nxt.startswith('"'):
                parts.append(_string(self.take()))
            return b"".join(parts)
        return token


def parse(text: str) -> dict[str, list[Any]]:
    return _Parser(text).message(None)
