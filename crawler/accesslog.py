"""Web server access logs as site owners have them, one line at a time: nginx
and Apache "combined" and "common" (with or without a virtual host first, as
Apache's `vhost_combined` or nginx's `$host $remote_addr ...`), and Caddy's
JSON lines; plain or gzipped. Pure: bytes in, `LogLine` or None out, except
`open_log`.

The maintained parser for Apache formats (apachelogs) spends ~17 µs a line
(a datetime per line, every field converted) and reads neither nginx's
escapes nor Caddy; one compiled regular expression on bytes, with times
parsed only for the lines a caller keeps and cached per second, reads a
million lines in a few seconds.
"""

from __future__ import annotations

import calendar
import gzip
import json
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, NamedTuple

from crawler.errors import ConfigError

# Apache `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"` and nginx's
# `$remote_addr - $remote_user [$time_local] "$request" $status
# $body_bytes_sent "$http_referer" "$http_user_agent"`, optionally led by the
# virtual host (`%v:%p` or `$host`); without the last two fields, "common".
# Quoted fields hold backslash escapes (\" \\ \xHH), never a bare quote.
_QUOTED = rb'"([^"\\]*(?:\\.[^"\\]*)*)"'
_CLF = re.compile(
    rb"(?:([^ \[]+) )?([^ ]+) [^ ]+ [^ ]+ \[(\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] "
    + _QUOTED + rb" (\d{3}) (?:\d+|-)(?: " + _QUOTED + rb" " + _QUOTED + rb")?"
)
_ESCAPE = re.compile(rb'\\(x[0-9A-Fa-f]{2}|.)')
_MONTHS = {m.encode(): i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}

# How precise each format's time is, in seconds: combined and common logs
# write whole seconds; Caddy writes fractions.
PRECISION = {"combined": 1.0, "common": 1.0, "caddy": 0.001}


class LogLine(NamedTuple):
    """One request as the server logged it. `time` is when the server wrote
    it (POSIX seconds): Apache logs when the request arrived, nginx when the
    response ended, Caddy when it ended less its duration, i.e. its start."""

    format: str
    time: float
    client: str
    host: str | None  # None: the format names no virtual host
    method: str | None  # None: the request line was not METHOD TARGET PROTOCOL
    target: str
    status: int
    user_agent: str | None  # None: the format has no User-Agent ("common")


def _unescape(field: bytes) -> bytes:
    """Undo nginx's and Apache's escapes (\\xHH, \\", \\\\) in a quoted field."""
    if b"\\" not in field:
        return field
    return _ESCAPE.sub(lambda m: bytes([int(m[1][1:], 16)]) if len(m[1]) == 3 else m[1], field)


def _text(field: bytes) -> str:
    return field.decode("utf-8", "replace")


@lru_cache(maxsize=4096)
def _clf_time(text: bytes) -> float:
    """`29/Nov/2026:10:15:32 +0100` as POSIX seconds; a ValueError if impossible."""
    month = _MONTHS.get(text[3:6])
    day, hour, minute, second = int(text[:2]), int(text[12:14]), int(text[15:17]), int(text[18:20])
    if month is None or not (1 <= day <= 31 and hour < 24 and minute < 60 and second <= 60):
        raise ValueError(text)
    moment = calendar.timegm((int(text[7:11]), month, day, hour, minute, second, 0, 0, 0))
    offset = int(text[22:24]) * 3600 + int(text[24:26]) * 60
    return float(moment - offset if text[21:22] == b"+" else moment + offset)


def host_name(value: str) -> str:
    """A virtual host as logged (`www.example.com:443`, `Example.COM.`) as
    the audit names it: lower case, no port, no final dot."""
    host = value.lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if host.count(":") == 1 else host.rstrip(".")


def parse_clf(raw: bytes) -> LogLine | None:
    """A combined or common log line, or None when it is neither."""
    found = _CLF.match(raw)
    if found is None:
        return None
    vhost, client, when, request, status, _referer, agent = found.groups()
    try:
        moment = _clf_time(when)
    except ValueError:
        return None
    request = _unescape(request)
    parts = request.split(b" ")
    method, target = (_text(parts[0]), _text(parts[1])) if len(parts) == 3 else (None, _text(request))
    return LogLine(
        "common" if agent is None else "combined", moment, _text(client),
        host_name(_text(vhost)) if vhost else None, method, target, int(status),
        None if agent is None else _text(_unescape(agent)),
    )


def _caddy_time(ts: object, duration: object) -> float:
    if isinstance(ts, str):
        moment = datetime.fromisoformat(ts.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            raise ValueError(ts)
        seconds = moment.timestamp()
    elif isinstance(ts, int | float) and not isinstance(ts, bool):
        seconds = ts / 1000 if ts > 1e11 else float(ts)  # time_format unix_milli_float
    else:
        raise ValueError(ts)
    if isinstance(duration, int | float) and not isinstance(duration, bool) and 0 <= duration < 86400:
        return seconds - duration
    return seconds


def parse_caddy(raw: bytes) -> LogLine | None:
    """A line of Caddy's JSON access log (`log { format json }`, the
    default), or None when it is not one."""
    try:
        entry = json.loads(raw)
        request = entry["request"]
        headers = request.get("headers") or {}
        agent = headers.get("User-Agent") or headers.get("user-agent") or []
        client = request.get("client_ip") or request.get("remote_ip") or request.get("remote_addr", "")
        status = entry["status"]
        if not isinstance(status, int) or not isinstance(request["uri"], str):
            return None
        return LogLine(
            "caddy", _caddy_time(entry["ts"], entry.get("duration")), str(client),
            host_name(str(request.get("host", ""))) or None, str(request.get("method", "")) or None,
            request["uri"], status, ", ".join(str(a) for a in agent) if isinstance(agent, list) else str(agent),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def parse_line(raw: bytes) -> LogLine | None:
    """A log line in any supported format (chosen per line, so a file that
    changed format mid-way still reads), or None when it is in none."""
    raw = raw.rstrip(b"\r\n")
    return parse_caddy(raw) if raw.startswith(b"{") else parse_clf(raw)


def open_log(path: Path) -> IO[bytes]:
    """A log file to read as bytes, gunzipped if it is gzip (told by its
    first bytes, not its name); a ConfigError naming the fix otherwise."""
    give = "give a web server access log (plain or gzipped)"
    if not path.exists():
        raise ConfigError(f"{path} does not exist: {give}")
    if path.is_dir():
        raise ConfigError(f"{path} is a folder: {give}")
    try:
        file = path.open("rb")
        if file.peek(2)[:2] == b"\x1f\x8b":
            # read directly, not through a large buffer: a truncated file (a log
            # rotated while copied) then gives every line but its last few KB
            return gzip.GzipFile(fileobj=file)  # type: ignore[return-value]
        return file
    except OSError as exc:
        raise ConfigError(f"cannot read {path} ({exc.strerror}): {give}") from None
