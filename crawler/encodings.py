"""Which encoding of the web (WHATWG Encoding Standard) a response was decoded
with. Pure.

Scrapy decodes a page with the Python codec its charset label names (through
w3lib, which widens some labels to their supersets: `shift_jis` to `cp932`,
`latin-1` to `cp1252`). Two problems follow. A hostile page can name any
Python codec (`charset=unicode_escape` turns `\\ud800` in the bytes into a
lone surrogate); browsers only know the Encoding Standard's labels. And the
codec's Python name (`cp932`) is not a name DuckDB, Polars or a browser
knows. So the codec is mapped back to the standard's name (`shift_jis`),
and a codec with no such name is not an encoding of the web.
"""

from __future__ import annotations

import codecs

import webencodings
from w3lib.encoding import resolve_encoding

# Encodings the standard defines only to refuse them (they decode to U+FFFD).
_REFUSED = {"replacement", "x-user-defined"}


def _codec_names() -> dict[str, str]:
    """Python codec name -> WHATWG encoding name: each encoding's own codec
    first, then the codecs w3lib widens its labels to."""
    names: dict[str, str] = {}
    encodings = {webencodings.lookup(label) for label in webencodings.LABELS}
    for encoding in sorted(encodings, key=lambda e: e.name):
        if encoding.name not in _REFUSED:
            names.setdefault(codecs.lookup(encoding.codec_info.name).name, encoding.name)
    for label in sorted(webencodings.LABELS):
        encoding = webencodings.lookup(label)
        widened = resolve_encoding(label)
        if encoding.name not in _REFUSED and widened is not None:
            names.setdefault(codecs.lookup(widened).name, encoding.name)
    return names


_NAMES = _codec_names()


def web_encoding(codec: str | None) -> str | None:
    """The Encoding Standard's name (`windows-1252`, `shift_jis`, `utf-8`)
    for the Python codec a response was decoded with, or None when the
    codec is not an encoding of the web."""
    if not codec:
        return None
    try:
        return _NAMES.get(codecs.lookup(codec).name) or _NAMES.get(codecs.lookup(resolve_encoding(codec) or "").name)
    except LookupError:
        return None
