"""Access-log lines in the formats site owners have, written from what the
local web saw (`crawler.localweb.Seen`) or from plain values: the same
fields, in the byte layout nginx, Apache and Caddy give them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

CLIENT = "127.0.0.1"  # the crawler, as the local web sees it

NGINX_ESCAPED = set(b'"\\') | set(range(0x20)) | set(range(0x7F, 0x100))


def _escape(value: str) -> str:
    """nginx's and Apache's escaping of a quoted field: `"`, `\\`, control and
    non-ASCII bytes as \\xHH."""
    return "".join(f"\\x{b:02X}" if b in NGINX_ESCAPED else chr(b) for b in value.encode("utf-8"))


def clf_time(seconds: float, offset_hours: int) -> str:
    """`%t` / `$time_local`: whole seconds, in a server's local zone."""
    zone = timezone(timedelta(hours=offset_hours))
    return datetime.fromtimestamp(int(seconds), UTC).astimezone(zone).strftime("%d/%b/%Y:%H:%M:%S %z")


def nginx(seconds: float, target: str, status: int, agent: str, *, client: str = CLIENT,
          vhost: str | None = None, method: str = "GET", offset_hours: int = 1) -> str:
    """nginx's `combined`, or with `$host` first."""
    lead = f"{vhost} " if vhost else ""
    return (f'{lead}{client} - - [{clf_time(seconds, offset_hours)}] "{_escape(f"{method} {target} HTTP/1.1")}" '
            f'{status} 612 "-" "{_escape(agent)}"')


def apache(seconds: float, target: str, status: int, agent: str | None, *, client: str = CLIENT,
           vhost: str | None = None, method: str = "GET", offset_hours: int = -7) -> str:
    """Apache's `combined` (`vhost_combined` with a host: `%v:%p` first), or
    `common` / `vhost_common` when `agent` is None."""
    lead = f"{vhost}:80 " if vhost else ""
    line = f'{lead}{client} - - [{clf_time(seconds, offset_hours)}] "{_escape(f"{method} {target} HTTP/1.1")}" {status} -'
    return line if agent is None else f'{line} "-" "{_escape(agent)}"'


def caddy(end: float, duration: float, host: str, target: str, status: int, agent: str, *,
          client: str = CLIENT, method: str = "GET") -> str:
    """Caddy's JSON access log, as `log { format json }` writes it."""
    return json.dumps({
        "level": "info", "ts": end, "logger": "http.log.access.log0", "msg": "handled request",
        "request": {"remote_ip": client, "remote_port": "41342", "client_ip": client, "proto": "HTTP/1.1",
                    "method": method, "host": host, "uri": target,
                    "headers": {"User-Agent": [agent], "Accept": ["*/*"]}},
        "bytes_read": 0, "user_id": "", "duration": round(duration, 9), "size": 612, "status": status,
        "resp_headers": {"Server": ["Caddy"], "Content-Type": ["text/html; charset=utf-8"]},
    }, separators=(",", ":"))
