"""The customer's network address, trusting X-Forwarded-For only from our own proxies."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Sequence

log = logging.getLogger(__name__)
_warned: set[str] = set()


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[str]) -> str:
    """The first address, from the right, that is not one of our trusted proxies.

    A spoofed X-Forwarded-For from a client that is not a trusted proxy is ignored, and
    so are entries a client prepended before reaching our proxy.
    """
    peer = peer or "unknown"
    if not forwarded_for:
        return peer
    if not trusted or not _trusted(peer, trusted):
        _warn_untrusted_proxy(peer)
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _trusted(hop, trusted):
            return hop
    return peer


def _warn_untrusted_proxy(peer: str) -> None:
    """Say once per peer that it forwards for others: if it is our own proxy, not naming it
    in HUB_TRUSTED_PROXIES makes every customer one address to the rate limits and floods."""
    if peer in _warned or len(_warned) >= 100:  # a client's own header: a few lines at most
        return
    _warned.add(peer)
    log.warning(
        "X-Forwarded-For from %s, which HUB_TRUSTED_PROXIES does not name: ignored. If %s is"
        " your reverse proxy, name it there, or every customer counts as that one address"
        " (rate limits, flood budget).",
        peer,
        peer,
    )


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


def household_of(network: str) -> str:
    """A network as one household counts: an IPv6 site's whole /56 (providers hand a home
    or an office 256 networks of /64 to change between), an IPv4 address as it is."""
    if ":" not in network:
        return network
    try:
        return str(ipaddress.ip_network(network, strict=False).supernet(new_prefix=56))
    except ValueError:
        return network
