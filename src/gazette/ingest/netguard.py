"""Which network addresses Gazette may connect to.

Feeds, pages, images and OPML URLs come from strangers, so every outbound
connection is checked against these rules on the address actually connected
to (see ``fetch.GuardedBackend``). Only public unicast addresses pass; an admin
allowlist of exact ``host:port`` pairs opens specific local services.

Hosts are read the way browsers read them (WHATWG URL standard), so the
obfuscated IPv4 spellings ``0177.0.0.1``, ``0x7f.1``, ``2130706433`` and
``127.1`` all mean 127.0.0.1 here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address

METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    {
        IPv4Address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack, ...
        IPv4Address("100.100.100.200"),  # Alibaba Cloud
        IPv6Address("fd00:ec2::254"),  # AWS over IPv6
    }
)

_V4_RULES: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(net), reason)
    for net, reason in (
        ("0.0.0.0/8", "unspecified"),
        ("127.0.0.0/8", "loopback"),
        ("10.0.0.0/8", "private network"),
        ("172.16.0.0/12", "private network"),
        ("192.168.0.0/16", "private network"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("169.254.0.0/16", "link-local"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
    )
)

_V6_RULES: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(net), reason)
    for net, reason in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("::/96", "IPv4-compatible"),
        ("64:ff9b:1::/48", "local-use NAT64"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("fc00::/7", "unique local"),
        ("ff00::/8", "multicast"),
    )
)

_NAT64 = IPv6Network("64:ff9b::/96")
_LOCAL_NAMES = ("localhost", "localhost.localdomain")
_HEX = re.compile(r"[0-9a-fA-F]*")
_OCTAL = re.compile(r"[0-7]*")
_DECIMAL = re.compile(r"[0-9]+")


def blocked_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` must not be connected to (e.g. ``"loopback"``), or None when it is public."""
    if ip in METADATA_ADDRESSES:
        return "cloud metadata"
    if isinstance(ip, IPv6Address):
        return _blocked_v6_reason(ip)
    for net, reason in _V4_RULES:
        if ip in net:
            return reason
    return None if ip.is_global else "non-public"


def _blocked_v6_reason(ip: IPv6Address) -> str | None:
    for net, reason in _V6_RULES:
        if ip in net:
            return reason
    embedded = embedded_ipv4(ip)
    if embedded:
        reasons = [r for r in (blocked_reason(v4) for v4 in embedded) if r]
        return f"{reasons[0]} (embedded IPv4)" if reasons else None
    return None if ip.is_global else "non-public"


def embedded_ipv4(ip: IPv6Address) -> tuple[IPv4Address, ...]:
    """IPv4 addresses an IPv6 address leads to: IPv4-mapped, NAT64, 6to4 and Teredo."""
    if ip.ipv4_mapped is not None:
        return (ip.ipv4_mapped,)
    if ip in _NAT64:
        return (IPv4Address(int(ip) & 0xFFFFFFFF),)
    if ip.sixtofour is not None:
        return (ip.sixtofour,)
    if ip.teredo is not None:
        return ip.teredo
    return ()


def parse_ip(host: str) -> IPAddress | None:
    """The address a URL host names literally, or None for a domain name.

    Accepts bracketed or bare IPv6 (a zone id is dropped) and every IPv4
    spelling a browser accepts.
    """
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ip_address(text.split("%", 1)[0])
        except ValueError:
            return None
    return parse_loose_ipv4(text)


def parse_loose_ipv4(host: str) -> IPv4Address | None:
    """WHATWG IPv4 parsing: 1-4 dot-separated decimal, octal (``0``) or hex (``0x``) parts."""
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    numbers = [_ipv4_number(part) for part in parts]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    total = values[-1]
    for index, value in enumerate(values[:-1]):
        total += value << (8 * (3 - index))
    return IPv4Address(total)


def _ipv4_number(part: str) -> int | None:
    if not part or len(part) > 40:
        return None
    if part[:2].lower() == "0x":
        digits, pattern, base = part[2:], _HEX, 16
    elif len(part) > 1 and part[0] == "0":
        digits, pattern, base = part[1:], _OCTAL, 8
    else:
        digits, pattern, base = part, _DECIMAL, 10
    if not pattern.fullmatch(digits):
        return None
    return int(digits, base) if digits else 0


def canonical_host(host: str) -> str:
    """Lower-cased host without brackets or trailing dot; IP literals in standard form."""
    ip = parse_ip(host)
    if ip is not None:
        return str(ip)
    return host.strip().strip("[]").rstrip(".").lower()


def is_local_name(host: str) -> bool:
    """Names that always mean this machine, whatever DNS says (RFC 6761)."""
    name = canonical_host(host)
    return name in _LOCAL_NAMES or name.endswith(".localhost")


def parse_allow_entry(entry: str) -> tuple[str, int]:
    """``"127.0.0.1:8101"`` or ``"[::1]:8101"`` as ``(canonical host, port)``."""
    host, sep, port = entry.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"allowlist entries are host:port, not {entry!r}")
    if ":" in host and not host.startswith("["):
        raise ValueError(f"put IPv6 addresses in brackets: {entry!r}")
    return canonical_host(host), int(port)


def parse_allowlist(entries: Iterable[str]) -> frozenset[tuple[str, int]]:
    return frozenset(parse_allow_entry(entry) for entry in entries)
