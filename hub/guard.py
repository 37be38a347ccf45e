"""StoreGuard: the intake guard on the store — blocked senders, bot signals, repeats, filters.

Beside it: each tenant's filter settings and block list (both kept in the store), the signed
stamp behind the form's minimum time-to-submit, and the masking of offensive words for agents.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from hub import clock
from hub.accounts.model import Role, check_email
from hub.errors import Invalid, NotFound
from hub.ports import Doc, Store
from hub.tickets.filters import (
    MIN_SUBMIT_SECONDS,
    FilterConfig,
    mask_offensive,
    nearly_same,
    phone_tail,
    screen_text,
)
from hub.tickets.hooks import ACCEPT, Verdict
from hub.tickets.model import Status
from hub.tickets.ticket import Ticket

log = logging.getLogger(__name__)

BLOCK_KINDS = ("email", "phone", "device", "ip")
# Networks a block may name: an IPv6 host changes its address within its /64 at will.
IP_PREFIXES = {4: (32, 24, 16), 6: (128, 64, 56, 48)}
_DEVICE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_STAMP_SALT = "sos-hub.form-stamp"
_SETTLED = (Status.resolved.value, Status.closed.value)
REPEAT_CANDIDATES = 10  # the most recent open tickets of one sender a new SOS is compared with


def config_id(tenant_id: str) -> str:
    """Config ids are unique across tenants in the store, so the tenant is part of it."""
    return f"filters:{tenant_id}"


async def load_config(store: Store, tenant_id: str) -> FilterConfig:
    """The tenant's filter settings (defaults when never saved)."""
    return FilterConfig.from_doc(await store.get(tenant_id, "configs", config_id(tenant_id)))


async def save_config(
    store: Store, tenant_id: str, config: FilterConfig, by: str | None
) -> FilterConfig:
    """Store the tenant's filter settings, replacing the previous ones."""
    fields = {**config.to_doc(), "kind": "filters", "updated_at": clock.now_iso(), "updated_by": by}
    if await store.update(tenant_id, "configs", config_id(tenant_id), fields) is None:
        await store.insert(tenant_id, "configs", {"id": config_id(tenant_id), **fields})
    return config


# Blocked senders -------------------------------------------------------------------------


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


def block_value(kind: str, value: str) -> str:
    """The normalised value a block matches on; Invalid (naming `value`) when malformed."""
    value = value.strip()
    if kind == "email":
        return check_email(value, "value")
    if kind == "phone":
        if len(re.sub(r"\D", "", value)) < 6 or not re.fullmatch(r"\+?[0-9 ().-]{6,32}", value):
            raise Invalid("value: a phone number needs at least 6 digits", field="value")
        return phone_tail(value)
    if kind == "device":
        if not _DEVICE.match(value):
            raise Invalid("value: not a device id", field="value")
        return value
    if kind == "ip":
        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise Invalid("value: not a network address (203.0.113.7 or 203.0.113.0/24)",
                          field="value") from None
        if net.prefixlen not in IP_PREFIXES[net.version]:
            sizes = ", ".join(f"/{p}" for p in IP_PREFIXES[net.version])
            raise Invalid(f"value: IPv{net.version} networks may be {sizes}", field="value")
        return str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)
    raise Invalid(f"kind must be one of {', '.join(BLOCK_KINDS)}", field="kind")


def sender_of(ticket: Doc) -> dict[str, str]:
    """Who sent a ticket, as block kinds: e-mail, phone (last 9 digits), device, address."""
    contact = ticket.get("contact") or {}
    out = {
        "email": str(contact.get("email") or "").strip().lower(),
        "phone": phone_tail(str(contact.get("phone") or "")),
        "device": str(ticket.get("device_id") or ""),
        "ip": str(ticket.get("ip") or ""),
    }
    return {k: v for k, v in out.items() if v}


def _candidates(ticket: Doc) -> list[str]:
    sender = sender_of(ticket)
    values = [v for k, v in sender.items() if k != "ip"]
    return values + (_ip_values(sender["ip"]) if "ip" in sender else [])


def _active(block: Doc, now: datetime) -> bool:
    expires = block.get("expires_at")
    return expires is None or clock.parse_iso(expires) > now


async def find_block(store: Store, tenant_id: str, ticket: Doc, now: datetime) -> Doc | None:
    """An active block that names this ticket's sender, if any."""
    sender = sender_of(ticket)
    ip_values = set(_ip_values(sender.get("ip", "")))
    candidates = _candidates(ticket)
    if not candidates:
        return None
    for block in await store.find(tenant_id, "blocks", {"value": {"in": candidates}}):
        kind, value = str(block.get("kind")), block.get("value")
        if not _active(block, now):
            continue
        if (kind == "ip" and value in ip_values) or (kind != "ip" and sender.get(kind) == value):
            return block
    return None


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
    """Block a sender (or renew the block when it exists): later SOS from it are held back."""
    normalised = block_value(kind, value)
    now = clock.now()
    expires = clock.iso(now + timedelta(hours=expires_in_hours)) if expires_in_hours else None
    fields: Doc = {"expires_at": expires, "note": (note or "").strip()[:200] or None,
                   "updated_at": clock.iso(now)}
    for old in await store.find(tenant_id, "blocks", {"kind": kind, "value": normalised}):
        updated = await store.update(tenant_id, "blocks", old["id"], fields)
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


# The form's bot signals ------------------------------------------------------------------


def form_stamp(secret: str, code: str, served_ms: int | None = None) -> str:
    """A signed "served at" time (milliseconds) for the form behind `code`."""
    served = int(clock.now().timestamp() * 1000) if served_ms is None else served_ms
    return URLSafeSerializer(secret, salt=_STAMP_SALT).dumps([code, served])


def form_signals(secret: str, code: str, website: str | None, stamp: str | None) -> Doc:
    """What the form tells about its sender: a filled honeypot, the time taken to submit."""
    signals: Doc = {"honeypot": bool((website or "").strip())}
    if not stamp:
        signals["stamp"] = "missing"
        return signals
    try:
        stamped = URLSafeSerializer(secret, salt=_STAMP_SALT).loads(stamp[:200])
    except BadSignature:
        stamped = None
    if (isinstance(stamped, list) and len(stamped) == 2 and stamped[0] == code
            and isinstance(stamped[1], int)):
        signals["elapsed_ms"] = int(clock.now().timestamp() * 1000) - stamped[1]
    else:
        signals["stamp"] = "invalid"
    return signals


def bot_reason(signals: Any) -> str | None:
    """honeypot or too_fast, from the signals the form route recorded."""
    if not isinstance(signals, dict):
        return None
    if signals.get("honeypot"):
        return "honeypot"
    elapsed = signals.get("elapsed_ms")
    if isinstance(elapsed, int) and elapsed < MIN_SUBMIT_SECONDS * 1000:
        return "too_fast"
    return None


# The guard --------------------------------------------------------------------------------


KIOSK_DEVICE_PREFIX = "kiosk-"  # a kiosk's SOS carry its id as device id: see routes/kiosks.py
_UNSETTLED = tuple(s.value for s in Status if s.value not in _SETTLED)


def shared_device(ticket: Doc) -> bool:
    """Whether the ticket's device id is a kiosk's, which every guest in the hall shares."""
    device = str(ticket.get("device_id") or "")
    return bool(ticket.get("kiosk")) or device.startswith(KIOSK_DEVICE_PREFIX)


def repeat_identity(ticket: Doc) -> dict[str, str]:
    """Who wrote a ticket, as far as repeats go: their own device, e-mail and phone.

    Never the network address (many guests behind one hotel's NAT) nor a kiosk's id (every
    guest at that kiosk): merging on those would hand one guest another one's private thread.
    """
    sender = sender_of(ticket)
    out: dict[str, str] = {k: sender[k] for k in ("email", "phone") if k in sender}
    if sender.get("device") and not shared_device(ticket):
        out["device"] = sender["device"]
    return out


def _same_sender(a: dict[str, str], b: dict[str, str]) -> bool:
    """One person: no conflicting device, e-mail or phone, and the same device or contact.

    When either has a device of their own, both must have that device; without devices, the
    same e-mail or phone (and no other one) ties them.
    """
    if any(a.get(k) and b.get(k) and a[k] != b[k] for k in ("device", "email", "phone")):
        return False
    if a.get("device") or b.get("device"):
        return a.get("device") == b.get("device")
    return any(a.get(k) and a.get(k) == b.get(k) for k in ("email", "phone"))


def _sender_queries(ticket: Doc) -> list[Doc]:
    """Store conditions that find this ticket's sender's earlier tickets (see _same_sender)."""
    identity = repeat_identity(ticket)
    if "device" in identity:
        return [{"device_id": identity["device"]}]
    contact = ticket.get("contact") or {}
    return [{f"contact.{key}": contact[key]} for key in ("email", "phone") if contact.get(key)]


class StoreGuard:
    """The IntakeGuard: blocked senders, bot signals, repeats and text filters, per tenant.

    `similar` tells two texts apart for the repeat check (a counting one in tests).
    """

    def __init__(
        self,
        store: Store,
        *,
        now: Callable[[], datetime] = clock.now,
        similar: Callable[[str, str], bool] = nearly_same,
    ) -> None:
        self.store = store
        self.now = now
        self.similar = similar

    async def screen(self, tenant: Doc, ticket: Doc) -> Verdict:
        """Merge a repeat, hold back what a filter objects to, accept the rest."""
        tenant_id = tenant["id"]
        config = await load_config(self.store, tenant_id)
        reason: str | None = None
        if await find_block(self.store, tenant_id, ticket, self.now()) is not None:
            reason = "blocked"
        elif config.on("bots"):
            reason = bot_reason(ticket.get("signals"))
        if reason is None:
            reason = screen_text(ticket["text"], config, ticket.get("contact")).reason
        if config.on("repeats"):
            earlier = await self._earlier(tenant_id, ticket, config.repeat_window_minutes)
            # A repeat of a held-back SOS joins it; one that a filter objects to never
            # reaches an accepted ticket (it would be pushed with it).
            if earlier is not None and (reason is None or Ticket(earlier).held_back):
                return Verdict("merge", "repeat", earlier["id"])
        return Verdict("quarantine", reason) if reason else ACCEPT

    async def screen_message(self, tenant: Doc, ticket: Doc, text: str) -> Verdict:
        """Hold back a thread message from a blocked sender, or one a text filter objects to."""
        tenant_id = tenant["id"]
        if await find_block(self.store, tenant_id, ticket, self.now()) is not None:
            return Verdict("quarantine", "blocked")
        config = await load_config(self.store, tenant_id)
        reason = screen_text(text, config, ticket.get("contact")).reason
        return Verdict("quarantine", reason) if reason else ACCEPT

    async def _earlier(self, tenant_id: str, ticket: Doc, minutes: int) -> Doc | None:
        """The first unsettled ticket within the window from the same sender with nearly this
        text, among the sender's REPEAT_CANDIDATES most recent ones: bounded work per SOS."""
        queries = _sender_queries(ticket)
        if not queries:
            return None
        created = clock.parse_iso(ticket.get("created_at") or clock.now_iso())
        since = {"created_at": {"gte": clock.iso(created - timedelta(minutes=minutes))},
                 "status": {"in": list(_UNSETTLED)}}
        found: dict[str, Doc] = {}
        for query in queries:
            for doc in await self.store.find(
                tenant_id, "tickets", {**since, **query},
                sort="created_at", descending=True, limit=REPEAT_CANDIDATES,
            ):
                found[doc["id"]] = doc
        sender = repeat_identity(ticket)
        recent = sorted(found.values(), key=lambda d: str(d.get("created_at")), reverse=True)
        candidates = [
            doc for doc in recent
            if doc["id"] != ticket.get("id") and doc.get("status") not in _SETTLED
            and _same_sender(sender, repeat_identity(doc))
        ][:REPEAT_CANDIDATES]
        for doc in reversed(candidates):  # the first ticket of a run of repeats collects them
            if self.similar(ticket["text"], doc["text"]):
                return doc
        return None


# Masking for agents ------------------------------------------------------------------------


def mask_ticket(data: dict[str, Any], config: FilterConfig) -> dict[str, Any]:
    """A ticket's JSON with offensive words masked in the customer's text and messages."""

    def hide(text: Any) -> Any:
        return mask_offensive(text, config.words, config.allow) if isinstance(text, str) else text

    def hide_all(texts: Any) -> Any:
        return {k: hide(v) for k, v in texts.items()} if isinstance(texts, dict) else texts

    out = {**data, "text": hide(data.get("text"))}
    out["translations"] = hide_all(data.get("translations"))
    if isinstance(data.get("survey"), dict):
        out["survey"] = {**data["survey"], "comment": hide(data["survey"].get("comment"))}
    if isinstance(data.get("repeats"), list):
        out["repeats"] = [{**r, "text": hide(r.get("text"))} if isinstance(r, dict) else r
                          for r in data["repeats"]]
    if isinstance(data.get("messages"), list):
        out["messages"] = [
            {**m, "text": hide(m.get("text")), "translations": hide_all(m.get("translations"))}
            if isinstance(m, dict) and m.get("author") == "customer" else m
            for m in data["messages"]
        ]
    return out


# Staff events that may carry a customer's words: the ticket, or one message of it.
MASKABLE_EVENTS = ("ticket.created", "ticket.updated", "ticket.message")


def mask_staff_event(name: str, payload: dict[str, Any], config: FilterConfig) -> dict[str, Any]:
    """A console event's payload as an agent sees it (`mask_ticket` for its kind of payload)."""
    if name == "ticket.message":
        message = payload.get("message")
        if not isinstance(message, dict) or message.get("author") != "customer":
            return payload
        return {**payload, "message": mask_ticket(message, config)}
    if name in MASKABLE_EVENTS:
        return mask_ticket(payload, config)
    return payload


async def agent_masking(store: Store, tenant_id: str) -> FilterConfig | None:
    """The tenant's filter settings when it masks offensive words for agents, else None."""
    config = await load_config(store, tenant_id)
    return config if config.mask_for_agents else None


def _unmasked(data: dict[str, Any]) -> dict[str, Any]:
    return data


async def viewer_mask(store: Store, user: Doc) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """How this staff user sees ticket text: masked for agents when the tenant asks for it."""
    if Role(user["role"]) is not Role.agent:
        return _unmasked
    config = await load_config(store, user["tenant_id"])
    return partial(mask_ticket, config=config) if config.mask_for_agents else _unmasked
