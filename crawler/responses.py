"""Is a response what it claims to be? Pure: the status, the declared length
and the head of the body in; a reason to treat it as an error out.

A hostile or broken server can send a status line no client should trust
(`99999`, `0`, `-5`), a body that does not match its `Content-Length`, or
random bytes announced as HTML. None of them is a document: each is an
`error`, with the evidence in the audit trail.
"""

from __future__ import annotations

#: Statuses HTTP defines (RFC 9110 15: three digits, first digit 1 to 5).
STATUS_RANGE = range(100, 600)
#: How much of a text body is looked at for binary content.
SNIFF_BYTES = 4096
# Control bytes that never appear in text: NUL and the C0 controls other
# than tab, line feed, form feed, carriage return and escape. Every other
# byte is deleted by translate(), which leaves the control bytes to count.
_BINARY = bytes(b for b in range(0x20) if b not in b"\t\n\f\r\x1b")
_NOT_BINARY = bytes(b for b in range(256) if b not in _BINARY)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def valid_status(status: int | None) -> bool:
    return status in STATUS_RANGE


def status_problem(status: int) -> str | None:
    if valid_status(status):
        return None
    return f"invalid HTTP status {status} (a status is 100 to 599)"


def length_problem(declared: bytes | None, received: int) -> str | None:
    """A body that is not as long as its Content-Length says (raw bytes, as
    received, before any content-coding is removed)."""
    if declared is None:
        return None
    try:
        length = int(declared.strip())
    except ValueError:
        return f"Content-Length {declared[:40]!r} is not a number"
    if length != received:
        return f"Content-Length {length} but {received} bytes received"
    return None


def binary_problem(head: bytes) -> str | None:
    """Bytes announced as text that are not text: control bytes that text
    never holds, in more than 1 % of the first SNIFF_BYTES (UTF-16 text
    starts with its byte-order mark and is left alone)."""
    head = head[:SNIFF_BYTES]
    if not head or head.startswith(_UTF16_BOMS):
        return None
    count = len(head.translate(None, _NOT_BINARY))
    if count * 100 > len(head):
        return f"binary content announced as text ({count} control bytes in the first {len(head)})"
    return None
