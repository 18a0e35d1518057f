"""May the crawler connect to this address? Pure: a host or an address in,
the reason it is refused (or None) out.

A crawler follows links written by strangers: it must never be turned
against the network it runs in. Loopback, private, link-local (cloud
metadata at 169.254.169.254 included), multicast, unspecified, shared and
otherwise reserved addresses are refused, IPv4 or IPv6, in any literal form
a URL parser accepts (`127.1`, `0x7f000001`, `2130706433`, `0177.0.0.1`,
`[::1]`, `[::ffff:127.0.0.1]`, ...), unless a network is allowed explicitly.

A host is decoded first, as a WHATWG URL parser (a browser, many proxies)
decodes it before connecting: percent-escapes, IDNA, case and trailing dots
(`%31%32%37.0.0.1`, `127.0.0.1%2e`, `①②⑦.0.0.1` and `LOCALHOST.` all name
loopback). A host that does not decode to a valid name or address is
refused: what it would connect to cannot be known.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from urllib.parse import unquote_to_bytes

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_HOST_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_\-.]*[a-z0-9_])?\Z")


def _ipv4_part(part: str) -> int | None:
    """One dotted part as a WHATWG URL parser reads it: decimal, 0x hex, or
    0-prefixed octal."""
    if not part:
        return None
    try:
        if part[:2].lower() == "0x":
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part[0] == "0":
            return int(part[1:], 8)
        return int(part, 10) if part.isdigit() else None
    except ValueError:
        return None


def ipv4_literal(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a numeric host name stands for (1 to 4 parts, the
    last filling the remaining bytes), or None if it is a name."""
    parts = host.split(".")
    if parts and parts[-1] == "":
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    numbers = [_ipv4_part(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(parts)):  # type: ignore[operator]
        return None
    value = last
    for index, number in enumerate(head):
        value += number << (8 * (3 - index))  # type: ignore[operator]
    return ipaddress.IPv4Address(value)


def decode_host(host: str) -> str | None:
    """The host a URL names, as a WHATWG URL parser decodes it before
    connecting: percent-escapes decoded (as UTF-8), IDNA-encoded, lower-case,
    without trailing dots, a numeric IPv4 host in any form as dotted-quad
    and an IPv6 host in brackets, compressed. None if it is not a valid host
    (an escape that decodes to `%`, `/`, `@`, a space, invalid UTF-8, ...)."""
    if host.startswith("[") or ":" in host:
        literal = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        try:
            return f"[{ipaddress.IPv6Address(literal).compressed}]" if "%" not in literal else None
        except ValueError:
            return None
    if "%" in host:
        try:
            host = unquote_to_bytes(host).decode("utf-8")
        except UnicodeDecodeError:
            return None
    host = host.lower()
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    host = host.rstrip(".")
    if not host or len(host) > 253 or not _HOST_NAME.match(host) or ".." in host:
        return None
    address = ipv4_literal(host)
    return str(address) if address is not None else host


def host_address(host: str) -> Address | None:
    """The address a URL's host names literally, once decoded, or None for a
    DNS name or an invalid host."""
    decoded = decode_host(host.strip())
    return _literal(decoded) if decoded is not None else None


def _literal(host: str) -> Address | None:
    """The address a decoded host names. `localhost` and names under it are
    loopback by definition (RFC 6761)."""
    if host.startswith("["):
        return ipaddress.IPv6Address(host[1:-1])
    if host == "localhost" or host.endswith(".localhost"):
        return ipaddress.IPv4Address("127.0.0.1")
    return ipv4_literal(host)


def _embedded(address: Address) -> Iterable[Address]:
    """IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            yield address.ipv4_mapped
        if address.sixtofour is not None:
            yield address.sixtofour
        if address.teredo is not None:
            yield from address.teredo
        if address in _NAT64:
            yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


def _kind(address: Address) -> str | None:
    if address.is_loopback:
        return "loopback"
    if address.is_unspecified:
        return "unspecified"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_reserved:
        return "reserved"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "not globally routable"
    return None


def refusal(address: Address, allowed: Sequence[Network] = ()) -> str | None:
    """Why the crawler must not connect to `address`, or None."""
    for candidate in (*_embedded(address), address):
        if any(candidate in network for network in allowed if candidate.version == network.version):
            continue
        kind = _kind(candidate)
        if kind is not None:
            shown = f" ({candidate} inside {address})" if candidate is not address else ""
            return f"{kind} address {address}{shown}"
    return None


def host_refusal(host: str, allowed: Sequence[Network] = ()) -> str | None:
    """Why a URL host may not be connected to by its literal form, once
    decoded, or None (a DNS name is checked again once resolved)."""
    decoded = decode_host(host.strip())
    if decoded is None:
        return f"invalid host {host!r}: what it would connect to cannot be checked"
    address = _literal(decoded)
    return refusal(address, allowed) if address is not None else None


def networks(specs: Iterable[str]) -> list[Network]:
    """Parse NETGUARD_ALLOWED_NETWORKS; raises ValueError naming a bad entry."""
    parsed = []
    for spec in specs:
        try:
            parsed.append(ipaddress.ip_network(spec.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{spec!r} is not a network (use CIDR, e.g. 127.0.0.0/8 or ::1/128)") from None
    return parsed
