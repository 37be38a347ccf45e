"""Floods: a stream of new SOS from one network is held back past a budget, never refused.

The rate limits must stay generous per network address (a hotel's guests share one), so a
script that sends each SOS with a new device cookie and a new text from one address gets
about two a minute through them, each a new ticket: on every console, and by SMS and
e-mail to whoever the rules name. Past FLOOD_LIMIT new tickets from one network within
FLOOD_WINDOW_MINUTES for one business, the guard holds the next ones back (reason
"flood"): they reach no console and no phone, and staff see them under "Held back", where
a real incident's SOS (a whole wing without hot water) are one click from the consoles.

Counted from the stored tickets themselves (their `network`: the address, or an IPv6
site's whole /56, which providers hand a home or an office: 256 networks of /64 to rotate
through), so every instance agrees and the privacy sweep, which clears it, ends what it
counts. Kiosks' SOS carry no network: a kiosk has its own limits, and sits on the hotel's
network. A guest's repeat still joins their ticket: a flood counts new tickets only.

SOS held back for another reason (a blocked sender, spam, insults) are not counted: once
staff block the flooder, its network's other guests get through again. Nor are those up
to the newest SOS staff released: releasing a busy evening's flood, they vouched for it.

What it cannot tell apart: everyone on one network shares its budget, so a flood (or a busy
evening behind one hotel's address) holds back the real guests' SOS there too, under "Held
back", until the window has room; and a hub behind a proxy not named in
HUB_TRUSTED_PROXIES sees every customer at the proxy's address (`client_address` warns).

A business names its trusted networks on the filters page (an integrator's server that
forwards its web form, the staff's own Wi-Fi): their SOS are neither held back nor counted
against their neighbours. An IPv6 entry narrower than a /56 leaves the rest of the /56
counted; the read then skips the trusted ones among the `limit` newest, so a mixed /56
may take a little longer to be held back.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timedelta

from hub import clock
from hub.ports import Doc, Find
from hub.tickets.model import Status
from hub.tickets.repository import TICKETS

FLOOD_LIMIT = 20  # new tickets from one network, per business and window, before holding back
FLOOD_WINDOW_MINUTES = 10
FLOOD = "flood"

log = logging.getLogger(__name__)
# Told when an SOS is held back as a flood: (tenant, ticket) -> None (the managers' e-mail).
TellManagers = Callable[[Doc, Doc], Awaitable[object]]
# Told the same: tenant id -> None (the consoles' notice, hub/moderation/held_floods.py).
TellConsoles = Callable[[str], Awaitable[object]]


def flood_read(ticket: Doc, created: datetime, limit: int) -> Find | None:
    """The read of up to `limit` tickets from this SOS's network within the window (None
    when it has no network: a kiosk's, or one from an address the hub could not tell)."""
    network = ticket.get("network")
    if not network:
        return None
    since = clock.iso(created - timedelta(minutes=FLOOD_WINDOW_MINUTES))
    where = {"network": network, "created_at": {"gte": since}}
    return Find(TICKETS, where, sort="created_at", descending=True, limit=limit)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def held_for_another_reason(ticket: Doc) -> bool:
    """Held back as blocked, spam, offensive...: staff already keep that sender's SOS away,
    so they must not fill the network's budget and hold its real guests back too."""
    return ticket.get("status") == Status.quarantined and ticket.get("quarantine_reason") != FLOOD


def flooding(found: list[Doc], limit: int, trusted: Sequence[Network] = ()) -> bool:
    """Whether the network has already sent `limit` new tickets within the window (those
    from a trusted network, and those held back for another reason, not counted; nor any
    up to the newest one staff released: releasing the flood, they vouched for what came
    until then, so the next guest on that Wi-Fi is not held at once)."""
    vouched = max((str(d["created_at"]) for d in found if d.get("released_at")), default="")
    counted = [
        d
        for d in found
        if str(d["created_at"]) > vouched
        and not from_trusted(d, trusted)
        and not held_for_another_reason(d)
    ]
    return len(counted) >= limit


# The widest network a business may trust: a company's or a provider's block, never "all".
WIDEST_PREFIX = {4: 16, 6: 32}
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")


class TooWide(ValueError):
    """A trusted network that would turn the flood check off for much of the internet."""


def trusted_network(value: str) -> str:
    """A trusted network as stored: CIDR, host bits cleared ("203.0.113.7" is
    "203.0.113.7/32"; an IPv4-mapped IPv6 one is stored as the IPv4 network senders are
    compared in); ValueError for anything that is not an IPv4 or IPv6 network, TooWide for
    one wider than WIDEST_PREFIX (0.0.0.0/0, or a typo such as 198.51.100.77/1)."""
    network: Network = ipaddress.ip_network(value.strip(), strict=False)
    if isinstance(network, ipaddress.IPv6Network) and network.subnet_of(_MAPPED):
        mapped = network.network_address.ipv4_mapped
        assert mapped is not None  # inside ::ffff:0:0/96
        network = ipaddress.IPv4Network((mapped, network.prefixlen - 96))
    if network.prefixlen < WIDEST_PREFIX[network.version]:
        raise TooWide(str(network))
    return str(network)


def parsed_networks(networks: Iterable[str]) -> list[Network]:
    """The stored trusted networks, parsed once per SOS (one stored unreadable: left out)."""
    out: list[Network] = []
    for net in networks:
        try:
            out.append(ipaddress.ip_network(net, strict=False))
        except ValueError:  # stored before validation: ignored, never a crash at intake
            continue
    return out


def from_trusted(ticket: Doc, networks: Sequence[Network]) -> bool:
    """Whether the ticket's sender address lies in one of these (parsed) trusted networks."""
    address = ticket.get("ip")
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(str(address))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == n.version and ip in n for n in networks)


class FloodAlarm:
    """A TicketListener: the managers hear of a flood (it holds back real guests too), once
    an hour per network at most (`ManagerNotices`); the business's consoles, at each held
    SOS, how many wait as a flood (`FloodNotice`)."""

    def __init__(
        self, tell_managers: TellManagers, tell_consoles: TellConsoles | None = None
    ) -> None:
        self.tell_managers = tell_managers
        self.tell_consoles = tell_consoles

    async def ticket_held(self, tenant: Doc, ticket: Doc) -> None:
        if ticket.get("quarantine_reason") != FLOOD:
            return
        if self.tell_consoles is not None:  # those on shift, live (it holds real guests too)
            await self.tell_consoles(tenant["id"])
        try:
            await self.tell_managers(tenant, ticket)
        except Exception:  # the SOS is stored and held: a failed notice must not undo that
            log.exception("could not tell the managers of a flood")

    async def ticket_accepted(self, tenant: Doc, ticket: Doc) -> None:
        """Not a flood."""

    async def staff_replied(self, tenant: Doc, ticket: Doc, message: Doc) -> None:
        """Not a flood."""

    async def ticket_acknowledged(self, tenant: Doc, ticket: Doc) -> None:
        """Not a flood."""

    async def category_changed(self, tenant: Doc, ticket: Doc) -> None:
        """Not a flood."""

    async def message_held(self, tenant: Doc, ticket: Doc, message: Doc) -> None:
        """A thread message makes no ticket: not a flood."""

    async def ticket_detractor(self, tenant: Doc, ticket: Doc) -> None:
        """Not a flood."""
