"""The hub's public address (HUB_PUBLIC_URL): who can open it, and the one a hub served.

Every QR code, thread link and e-mail link starts with it. An address only this computer
(127.0.0.1, localhost) or only the business's own network (192.168.1.10, a `.local` name)
can open makes printed material that guests' phones cannot open: the set-up pages warn
before anything is printed (hub/routes/setup_pages.py, the first-run checklist).

`sos-hub serve` records the address it serves under (without HUB_PUBLIC_URL, the one its
`--host` and `--port` give: Settings.serving_on), so that the command line, run without
HUB_PUBLIC_URL beside such a hub, prints the same links the hub's API does.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from urllib.parse import urlsplit

from hub.clock import now_iso
from hub.ports import INSTALLATION, Conflict, Store


class Reach(StrEnum):
    """Who can open an address."""

    internet = "internet"
    local_network = "local_network"  # phones on the business's own network only
    this_computer = "this_computer"  # no phone at all


# Names that never resolve on the internet (RFC 6761, 6762, 8375 and common home routers).
_LOCAL_SUFFIXES = (".local", ".lan", ".internal", ".home.arpa", ".localdomain")
_HERE_NAMES = ("localhost", "localhost.localdomain")


def reach_of(url: str) -> Reach:
    """Who can open `url`: judged from its host alone (nothing is looked up)."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host in _HERE_NAMES or host.endswith(".localhost") or not host:
        return Reach.this_computer
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        local = "." not in host or host.endswith(_LOCAL_SUFFIXES)
        return Reach.local_network if local else Reach.internet
    if ip.is_loopback or ip.is_unspecified:
        return Reach.this_computer
    return Reach.internet if ip.is_global else Reach.local_network


_CONFIGS = "configs"
_RECORD_ID = "public-url"


async def record_public_url(store: Store, url: str) -> None:
    """Remember the address a hub serving this store answers under (the last one wins)."""
    fields = {"url": url, "recorded_at": now_iso()}
    if await store.update(INSTALLATION, _CONFIGS, _RECORD_ID, fields) is not None:
        return
    try:
        await store.insert(INSTALLATION, _CONFIGS, {"id": _RECORD_ID, **fields})
    except Conflict:  # another hub starting on the same store wrote it first
        await store.update(INSTALLATION, _CONFIGS, _RECORD_ID, fields)


async def recorded_public_url(store: Store) -> str | None:
    """The address the last hub served under, or None when no hub has served this store."""
    doc = await store.get(INSTALLATION, _CONFIGS, _RECORD_ID)
    url = doc.get("url") if doc else None
    return url if isinstance(url, str) and url else None
