"""The customer's network address, trusting X-Forwarded-For only from our own proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[str]) -> str:
    """The first address, from the right, that is not one of our trusted proxies.

    A spoofed X-Forwarded-For from a client that is not a trusted proxy is ignored, and
    so are entries a client prepended before reaching our proxy.
    """
    peer = peer or "unknown"
    if not trusted or not forwarded_for or not _trusted(peer, trusted):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _trusted(hop, trusted):
            return hop
    return peer


def _trusted(address: str, trusted: Sequence[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net) for net in trusted)


def network_of(address: str) -> str:
    """The network a limit counts for an address: an IPv6 host's whole /64, which it
    changes at will (an IPv4-mapped one is its IPv4 address); an IPv4 address as it is."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address
