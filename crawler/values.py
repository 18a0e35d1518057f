"""Row values made safe for Arrow before they reach a shard writer. Pure.

Everything in a row comes from the web one way or another: a decoded body
can hold lone surrogates (`charset=unicode_escape`), a status line can say
`99999`. Arrow refuses such a value when a whole batch is converted, which
would take every other row of the batch with it. So each row is checked and
normalised on its own first: text is made valid Unicode (lone surrogates and
Unicode non-characters become U+FFFD), and a value that still does not fit
its column (a number out of range, a missing required value, a wrong type)
rejects that row alone with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import pyarrow as pa

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    chr(plane * 0x10000 + low) for plane in range(17) for low in (0xFFFE, 0xFFFF)
)
_INVALID = re.compile(f"[\ud800-\udfff{_NONCHARACTERS}]")
# Byte pairs present in the UTF-8 form of every non-character (and of a few
# other characters, which only cost a closer look): a fast pre-check.
_SUSPECT_BYTES = (b"\xbf\xbe", b"\xbf\xbf", b"\xef\xb7")


class RowRejected(ValueError):
    """A row that cannot be stored as it is; the message says which column and why."""


def clean_text(text: str) -> str:
    """`text` as valid Unicode: lone surrogates and non-characters replaced by
    U+FFFD. ASCII (most text) costs one C-level scan."""
    if text.isascii():
        return text
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return _INVALID.sub("\ufffd", text)
    if any(pair in data for pair in _SUSPECT_BYTES):
        return _INVALID.sub("\ufffd", text)
    return text


Convert = Callable[[Any], Any]


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise RowRejected(f"{type(value).__name__} where text is expected")
    return clean_text(value)


def _integer(bits: int, signed: bool) -> Convert:
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)

    def convert(value: Any) -> int:
        if not isinstance(value, int):
            raise RowRejected(f"{type(value).__name__} where a whole number is expected")
        if not low <= value <= high:
            raise RowRejected(f"{value} is outside {low}..{high}")
        return value

    return convert


def _real(value: Any) -> float:
    if not isinstance(value, (int, float)):
        raise RowRejected(f"{type(value).__name__} where a number is expected")
    return value


def _moment(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    return _integer(64, True)(value)


def _binary(value: Any) -> bytes:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise RowRejected(f"{type(value).__name__} where bytes are expected")
    return value


def _converter(arrow_type: pa.DataType, nullable: bool, name: str) -> Convert:
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        inner: Convert = _text
    elif pa.types.is_integer(arrow_type):
        inner = _integer(arrow_type.bit_width, pa.types.is_signed_integer(arrow_type))
    elif pa.types.is_floating(arrow_type):
        inner = _real
    elif pa.types.is_timestamp(arrow_type):
        inner = _moment
    elif pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
        inner = _binary
    elif pa.types.is_list(arrow_type):
        item = _converter(arrow_type.value_type, arrow_type.value_field.nullable, name)

        def inner(value: Any) -> list[Any]:
            if not isinstance(value, (list, tuple)):
                raise RowRejected(f"{type(value).__name__} where a list is expected")
            return [item(v) for v in value]
    elif pa.types.is_struct(arrow_type):
        fields = [(f.name, _converter(f.type, f.nullable, f"{name}.{f.name}")) for f in arrow_type]

        def inner(value: Any) -> dict[str, Any]:
            if not isinstance(value, Mapping):
                raise RowRejected(f"{type(value).__name__} where a record is expected")
            return {key: convert(value.get(key)) for key, convert in fields}
    elif pa.types.is_map(arrow_type):
        key = _converter(arrow_type.key_type, False, f"{name} key")
        item = _converter(arrow_type.item_type, arrow_type.item_field.nullable, f"{name} value")

        def inner(value: Any) -> list[tuple[Any, Any]]:
            if isinstance(value, Mapping):
                return [(key(k), item(v)) for k, v in value.items()]
            if isinstance(value, (list, tuple)):
                return [(key(k), item(v)) for k, v in value]
            raise RowRejected(f"{type(value).__name__} where a map is expected")
    else:
        raise TypeError(f"column {name}: no check for Arrow type {arrow_type}")

    def convert(value: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise RowRejected("a value is required")
        return inner(value)

    return convert


def row_preparer(schema: pa.Schema) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """A function that returns a row's values checked and normalised for
    `schema`, or raises RowRejected naming the column."""
    columns = [(f.name, _converter(f.type, f.nullable, f.name)) for f in schema]

    def prepare(row: Mapping[str, Any]) -> dict[str, Any]:
        prepared = {}
        for name, convert in columns:
            try:
                prepared[name] = convert(row.get(name))
            except RowRejected as error:
                raise RowRejected(f"column {name}: {error}") from None
        return prepared

    return prepare
