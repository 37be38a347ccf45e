"""Blocked senders: an e-mail, a phone, a device or a network whose SOS are held back.

A block names one of the sender's identifiers; "block this sender" blocks the sender's own
(e-mail, phone, device) unless staff explicitly add the network or a kiosk. Staff never see
a customer's device id or network address: such blocks show the ticket they came from.

A phone block holds the number as E.164, read in the business's country like the guest's
phone at intake (hub/phones.py), and matches exactly: "22 33 44 55" typed at a Danish
hotel is +45 22 33 44 55, the number its guests' tickets carry. Blocks stored before kept
the last nine digits ("22334455", which no E.164 number's last nine digits are): they are
found by those, then read again from the text staff typed, in the business's country.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta
from typing import Any

from hub import clock
from hub.accounts.model import check_email
from hub.errors import Invalid, NotFound
from hub.phones import comparable, international, old_block_values, region_of, same_number, tail
from hub.ports import Doc, Find, Store

BLOCK_KINDS = ("email", "phone", "device", "ip")
# Networks a block may name: an IPv6 host changes its address within its /64 at will.
IP_PREFIXES = {4: (32, 24, 16), 6: (128, 64, 56, 48)}
_DEVICE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _ip_values(raw: str) -> list[str]:
    """A network address and the networks around it that a block may name."""
    try:
        ip = ipaddress.ip_address(raw.strip())
    except ValueError:
        return []
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    values = [str(ip)]
    for prefix in IP_PREFIXES[ip.version][1:]:
        values.append(str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False)))
    return values


async def tenant_region(store: Store, tenant_id: str) -> str | None:
    """The business's country (from its time zone): where a phone without one is read."""
    tenant = await store.get(tenant_id, "tenants", tenant_id) or {}
    return region_of(tenant.get("timezone"))


def block_value(kind: str, value: str, region: str | None = None) -> str:
    """The normalised value a block matches on (a phone: E.164, read in `region` when typed
    without its country); Invalid (naming `value`) when malformed."""
    value = value.strip()
    if kind == "email":
        return check_email(value, "value")
    if kind == "phone":
        if len(re.sub(r"\D", "", value)) < 6 or not re.fullmatch(r"\+?[0-9 ().-]{6,32}", value):
            raise Invalid("value: a phone number needs at least 6 digits", field="value")
        number = international(value, region)
        if number is None:
            raise Invalid(
                "value: not a phone number of the business's country nor an international"
                " one; write it with its country, e.g. +34 600 111 222",
                field="value",
            )
        return number
    if kind == "device":
        if not _DEVICE.match(value):
            raise Invalid("value: not a device id", field="value")
        return value
    if kind == "ip":
        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise Invalid(
                "value: not a network address (203.0.113.7 or 203.0.113.0/24)", field="value"
            ) from None
        if net.prefixlen not in IP_PREFIXES[net.version]:
            sizes = ", ".join(f"/{p}" for p in IP_PREFIXES[net.version])
            raise Invalid(f"value: IPv{net.version} networks may be {sizes}", field="value")
        return str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)
    raise Invalid(f"kind must be one of {', '.join(BLOCK_KINDS)}", field="kind")


def sender_of(ticket: Doc, region: str | None) -> dict[str, str]:
    """Who sent a ticket, as block kinds: e-mail, phone (E.164, an older ticket's read in
    the business's country `region`; see hub/phones.py `comparable`), device, address."""
    contact = ticket.get("contact") or {}
    phone = str(contact.get("phone") or "").strip()
    out = {
        "email": str(contact.get("email") or "").strip().lower(),
        "phone": comparable(phone, region) if phone else "",
        "device": str(ticket.get("device_id") or ""),
        "ip": str(ticket.get("ip") or ""),
    }
    return {k: v for k, v in out.items() if v}


def _candidates(ticket: Doc, region: str | None) -> list[str]:
    """The block values that may name this ticket's sender (phone blocks' older ones too)."""
    sender = sender_of(ticket, region)
    values = [v for k, v in sender.items() if k != "ip"]
    if "phone" in sender:
        values += old_block_values(sender["phone"])
    return values + (_ip_values(sender["ip"]) if "ip" in sender else [])


def _names_phone(block: Doc, phone: str, region: str | None) -> bool:
    """Whether a phone block names the sender's phone (`comparable` form). One stored
    before blocks were kept E.164 is read again from what staff typed; failing that, its
    last nine digits are compared as they were then."""
    value = str(block.get("value") or "")
    if not value.startswith("+"):
        number = international(str(block.get("shown_value") or ""), region)
        if number is None:
            return value in (old_block_values(phone) if phone.startswith("+") else [tail(phone)])
        value = number
    return same_number(value, phone)


def _active(block: Doc, now: datetime) -> bool:
    expires = block.get("expires_at")
    return expires is None or clock.parse_iso(expires) > now


def block_read(ticket: Doc, region: str | None) -> Find | None:
    """The read that finds the blocks naming this ticket's sender (None: it names none)."""
    candidates = _candidates(ticket, region)
    if not candidates:
        return None
    return Find("blocks", {"value": {"in": candidates}})


def matching_block(blocks: list[Doc], ticket: Doc, now: datetime, region: str | None) -> Doc | None:
    """Of the blocks `block_read` found, an active one that names this ticket's sender."""
    sender = sender_of(ticket, region)
    ip_values = set(_ip_values(sender.get("ip", "")))
    for block in blocks:
        kind, value = str(block.get("kind")), block.get("value")
        if not _active(block, now):
            continue
        if kind == "phone":
            if "phone" in sender and _names_phone(block, sender["phone"], region):
                return block
        elif (kind == "ip" and value in ip_values) or (kind != "ip" and sender.get(kind) == value):
            return block
    return None


async def blocks_naming(
    store: Store, tenant_id: str, tickets: list[Doc], region: str | None
) -> list[Doc]:
    """The blocks naming any of these tickets' senders, in one read (`matching_block` then
    says which, if any, holds each one back, as at intake)."""
    values = sorted({value for ticket in tickets for value in _candidates(ticket, region)})
    if not values:
        return []
    return await store.find(tenant_id, "blocks", {"value": {"in": values}})


async def find_block(store: Store, tenant_id: str, ticket: Doc, now: datetime) -> Doc | None:
    """An active block that names this ticket's sender, if any."""
    region = await tenant_region(store, tenant_id)
    read = block_read(ticket, region)
    if read is None:
        return None
    blocks = await store.find(tenant_id, read.collection, read.where)
    return matching_block(blocks, ticket, now, region)


async def add_block(
    store: Store,
    tenant_id: str,
    kind: str,
    value: str,
    *,
    by: Doc,
    expires_in_hours: float | None = None,
    note: str | None = None,
    ticket: Doc | None = None,
) -> Doc:
    """Block a sender (or renew the block when it exists): later SOS from it are held back.

    A phone is kept E.164, read in the business's country; one a stored `ticket` carries
    that reads as no number (kept as typed before intake checked them) by its last nine
    digits, as blocks were before: blocking by what the ticket has beats not blocking."""
    region = await tenant_region(store, tenant_id) if kind == "phone" else None
    try:
        normalised = block_value(kind, value, region)
    except Invalid:
        if kind != "phone" or ticket is None or len(tail(value)) < 6:
            raise
        normalised = tail(value)
    now = clock.now()
    expires = clock.iso(now + timedelta(hours=expires_in_hours)) if expires_in_hours else None
    fields: Doc = {
        "expires_at": expires,
        "note": (note or "").strip()[:200] or None,
        "updated_at": clock.iso(now),
    }
    for old in await _same_blocks(store, tenant_id, kind, normalised, region):
        # an older phone block is renewed E.164: found exactly from then on
        updated = await store.update(
            tenant_id, "blocks", old["id"], {**fields, "value": normalised}
        )
        if updated is not None:
            return updated
    # Staff never see a customer's device id or network address: such blocks name the ticket.
    hidden = ticket is not None and kind in ("device", "ip")
    doc: Doc = {
        "id": clock.new_id(),
        "kind": kind,
        "value": normalised,
        "shown_value": None if hidden else (value.strip() if kind == "phone" else normalised),
        "ticket_id": ticket["id"] if ticket else None,
        "ticket_number": ticket.get("number") if ticket else None,
        "created_at": clock.iso(now),
        "created_by": by.get("name") or by.get("email"),
        **fields,
    }
    return await store.insert(tenant_id, "blocks", doc)


async def _same_blocks(
    store: Store, tenant_id: str, kind: str, value: str, region: str | None
) -> list[Doc]:
    """The stored blocks naming this value: for a phone, those kept before as its last
    nine digits too (the same number, read again from what staff typed)."""
    if kind != "phone" or not value.startswith("+"):
        return await store.find(tenant_id, "blocks", {"kind": kind, "value": value})
    values = [value, *old_block_values(value)]
    found = await store.find(tenant_id, "blocks", {"kind": kind, "value": {"in": values}})
    return [b for b in found if _names_phone(b, value, region)]


def ticket_block_value(kind: str, ticket: Doc) -> str | None:
    """What "block this sender" blocks for `kind`: an IPv6 sender's whole /64."""
    contact = ticket.get("contact") or {}
    if kind in ("email", "phone"):
        return str(contact.get(kind) or "").strip() or None
    if kind == "device":
        return str(ticket.get("device_id") or "") or None
    values = _ip_values(str(ticket.get("ip") or ""))
    if not values:
        return None
    return values[0] if ":" not in values[0] else values[1]


def block_json(doc: Doc, now: datetime | None = None) -> dict[str, Any]:
    """A block as staff see it: no device id or address that came from a ticket."""
    return {
        "id": doc["id"],
        "kind": doc["kind"],
        "value": doc.get("shown_value"),
        "ticket_id": doc.get("ticket_id"),
        "ticket_number": doc.get("ticket_number"),
        "note": doc.get("note"),
        "created_at": doc.get("created_at"),
        "created_by": doc.get("created_by"),
        "expires_at": doc.get("expires_at"),
        "active": _active(doc, now or clock.now()),
    }


async def list_blocks(store: Store, tenant_id: str) -> list[Doc]:
    return await store.find(tenant_id, "blocks", sort="created_at", descending=True)


async def remove_block(store: Store, tenant_id: str, block_id: str) -> None:
    if not await store.delete(tenant_id, "blocks", block_id):
        raise NotFound("no such block", field="id")
