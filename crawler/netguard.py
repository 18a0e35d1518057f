"""May the crawler connect to this address? Pure: a host or an address in,
the reason it is refused (or None) out.

A crawler follows links written by strangers: it must never be turned
against the network it runs in. Loopback, private, link-local (cloud
metadata at 169.254.169.254 included), multicast, unspecified, shared and
otherwise reserved addresses are refused, IPv4 or IPv6, in any literal form
a URL parser accepts (`127.1`, `0x7f000001`, `2130706433`, `0177.0.0.1`,
`[::1]`, `[::ffff:127.0.0.1]`, ...), unless a network is allowed explicitly.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


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


def host_address(host: str) -> Address | None:
    """The address a URL's host names literally, or None for a DNS name.
    `localhost` and names under it are loopback by definition (RFC 6761)."""
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return None
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
    """Why a URL host may not be connected to by its literal form, or None
    (a DNS name is checked again once resolved)."""
    address = host_address(host)
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
