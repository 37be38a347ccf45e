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
