"""Moderation: the tenant's filters, blocked senders, held-back tickets and their release.

API: /api/v1/filters (manager), /api/v1/blocks (manager), "block this sender", release and
a private warning to the sender on a ticket (agent), held floods per network (agent) and
a whole network's release (manager). Pages: /admin/filters (manager) and
/held-back (every staff member; the network release buttons for managers only).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Literal

from pydantic import Field, field_validator
from quart import Blueprint, request
from quart_schema import validate_request

from hub.accounts.model import Role
from hub.container import hub
from hub.errors import Invalid
from hub.moderation.blocks import block_json, ticket_block_value
from hub.moderation.floods import (
    FLOOD_LIMIT,
    FLOOD_WINDOW_MINUTES,
    WIDEST_PREFIX,
    TooWide,
    trusted_network,
)
from hub.ports import MAX_SEQ
from hub.routes.auth import staff, staff_required, tenant_id
from hub.routes.bodies import Body, Flag, no_body
from hub.routes.openapi import responds
from hub.routes.pages import render_page, staff_page
from hub.routes.schemas import TextIn
from hub.tickets.filters import CHECKS, FilterConfig, mask, screen_text
from hub.tickets.model import message_json, staff_ticket
from hub.tickets.services import Actor

bp = Blueprint("moderation", __name__)

BlockKind = Literal["email", "phone", "device", "ip"]
MAX_TERMS = 500
MAX_HOURS = 24 * 365 * 5
MAX_TRUSTED = 100  # trusted networks per business


def _terms(values: list[str] | None, field: str) -> list[str] | None:
    """Trimmed, de-duplicated words or phrases of 1-100 characters, each with a letter."""
    if values is None:
        return None
    out: list[str] = []
    for value in values:
        term = " ".join(value.split())
        if not term:
            continue
        if len(term) > 100 or not re.search(r"[^\W_]", term):
            raise ValueError(
                f"{field}: each entry needs a letter or digit and at most 100 "
                f"characters (got {term[:40]!r})"
            )
        if term.casefold() not in (t.casefold() for t in out):
            out.append(term)
    return out


class FiltersIn(Body):
    """A tenant's filter settings; fields left out stay as they are."""

    checks: dict[str, Flag] | None = None
    words: list[str] | None = Field(default=None, max_length=MAX_TERMS)
    allow: list[str] | None = Field(default=None, max_length=MAX_TERMS)
    spam_phrases: list[str] | None = Field(default=None, max_length=MAX_TERMS)
    repeat_window_minutes: int | None = Field(default=None, ge=1, le=1440)
    mask_for_agents: Flag | None = None
    trusted_networks: list[str] | None = Field(default=None, max_length=MAX_TRUSTED)

    @field_validator("checks")
    @classmethod
    def _checks(cls, value: dict[str, Flag] | None) -> dict[str, Flag] | None:
        unknown = sorted(set(value or {}) - set(CHECKS))
        if unknown:
            raise ValueError(f"unknown check {unknown[0]!r}; known: {', '.join(CHECKS)}")
        return value

    @field_validator("words", "allow", "spam_phrases")
    @classmethod
    def _lists(cls, value: list[str] | None) -> list[str] | None:
        return _terms(value, "entry")

    @field_validator("trusted_networks")
    @classmethod
    def _networks(cls, value: list[str] | None) -> list[str] | None:
        """Each an IPv4 or IPv6 address or network (CIDR), stored as a network."""
        if value is None:
            return None
        out: list[str] = []
        for entry in value:
            if not entry.strip():
                continue
            try:
                network = trusted_network(entry)
            except TooWide as wide:
                prefixes = WIDEST_PREFIX
                raise ValueError(
                    f"{entry.strip()[:60]!r} is too wide ({wide}): trust at most a /"
                    f"{prefixes[4]} of IPv4 or a /{prefixes[6]} of IPv6, your own networks"
                ) from None
            except ValueError:
                raise ValueError(
                    f"{entry.strip()[:60]!r} is not an IPv4 or IPv6 address or network "
                    "(such as 203.0.113.7 or 2001:db8:7::/56)"
                ) from None
            if network not in out:
                out.append(network)
        return out


class FilterTestIn(Body):
    text: str = Field(min_length=1, max_length=2000)
    contact: dict[str, str] | None = None


class BlockIn(Body):
    kind: BlockKind
    value: str = Field(min_length=1, max_length=320)
    expires_in_hours: float | None = Field(default=None, gt=0, le=MAX_HOURS)
    note: str | None = Field(default=None, max_length=200)


OWN_KINDS: tuple[BlockKind, ...] = ("email", "phone", "device")


class BlockSenderIn(Body):
    """ "Block this sender": which of the ticket's identifiers, for how long.

    Left out, `by` is the sender's own identifiers: e-mail, phone and their own device
    (until 2026-12 it also named the address: every guest on a hotel's Wi-Fi was held
    back). Many guests share a network address and every guest at a kiosk shares its
    device, so those are blocked only when asked: `network` (or `"ip"` named in `by`)
    and `kiosk`.
    """

    by: list[BlockKind] = Field(default_factory=lambda: list(OWN_KINDS), min_length=1)
    network: Flag = False
    kiosk: Flag = False
    expires_in_hours: float | None = Field(default=None, gt=0, le=MAX_HOURS)
    note: str | None = Field(default=None, max_length=200)

    def kinds_for(self, ticket: dict[str, Any]) -> list[BlockKind]:
        """The kinds to block on `ticket`: a kiosk's device only with `kiosk`."""
        kinds = list(self.by) + (["ip"] if self.network else [])
        from_kiosk = bool(ticket.get("kiosk"))
        if from_kiosk:
            kinds = [k for k in kinds if k != "device"] + (["device"] if self.kiosk else [])
        return list(dict.fromkeys(kinds))


@bp.get("/api/v1/filters")
@staff_required(Role.manager)
async def get_filters() -> Any:
    """The tenant's filter settings."""
    return (await hub().moderation.settings(tenant_id())).to_doc()


@bp.put("/api/v1/filters")
@staff_required(Role.manager)
@validate_request(FiltersIn)
async def put_filters(data: FiltersIn) -> Any:
    """Change the filter settings; fields left out keep their value."""
    current = await hub().moderation.settings(tenant_id())
    given = data.model_dump(exclude_none=True)
    if "checks" in given:
        given["checks"] = {**current.checks, **given["checks"]}
    for key in ("words", "allow", "spam_phrases", "trusted_networks"):
        if key in given:
            given[key] = tuple(given[key])
    config = dataclasses.replace(current, **given)
    user = staff()
    await hub().moderation.save_settings(tenant_id(), config, user.get("name") or user["email"])
    return config.to_doc()


@bp.post("/api/v1/filters/test")
@staff_required(Role.manager)
@validate_request(FilterTestIn)
async def test_filters(data: FilterTestIn) -> Any:
    """What the text filters would say about a sample SOS (blocks, bots, repeats aside)."""
    config = await hub().moderation.settings(tenant_id())
    result = screen_text(data.text, config, data.contact)
    offensive = [f for f in result.findings if f.kind in ("insult", "vulgar")]
    return {
        "reason": result.reason,
        "findings": [{"kind": f.kind, "text": f.text} for f in result.findings],
        "masked": mask(data.text, offensive),
    }


@bp.get("/api/v1/blocks")
@staff_required(Role.manager)
async def get_blocks() -> Any:
    """Blocked senders, newest first, expired ones included (`active` false)."""
    return {"items": [block_json(b) for b in await hub().moderation.blocks(tenant_id())]}


@bp.post("/api/v1/blocks")
@responds(201)
@staff_required(Role.manager)
@validate_request(BlockIn)
async def post_block(data: BlockIn) -> Any:
    """Block an e-mail, phone, device id or network address (optionally until a time)."""
    doc = await hub().moderation.block(
        tenant_id(),
        data.kind,
        data.value,
        by=staff(),
        expires_in_hours=data.expires_in_hours,
        note=data.note,
    )
    return block_json(doc), 201


@bp.delete("/api/v1/blocks/<block_id>")
@responds(204)
@staff_required(Role.manager)
async def delete_block(block_id: str) -> Any:
    await hub().moderation.unblock(tenant_id(), block_id)
    return "", 204


@bp.post("/api/v1/tickets/<ticket_id>/block")
@responds(201)
@staff_required()
@validate_request(BlockSenderIn)
async def block_sender(ticket_id: str, data: BlockSenderIn) -> Any:
    """ "Block this sender": their own identifiers unless a network or kiosk is asked for."""
    ticket = await hub().tickets.get(tenant_id(), ticket_id)
    made = []
    kinds = data.kinds_for(ticket)
    for kind in kinds:
        value = ticket_block_value(kind, ticket)
        if value is None:
            continue
        try:
            made.append(
                await hub().moderation.block(
                    tenant_id(),
                    kind,
                    value,
                    by=staff(),
                    expires_in_hours=data.expires_in_hours,
                    note=data.note,
                    ticket=ticket,
                )
            )
        except Invalid:  # a forged device cookie, say: block by what is usable
            continue
    if not made:
        shared = (
            "its kiosk (kiosk: true)"
            if ticket.get("kiosk")
            else "its network address (network: true)"
        )
        raise Invalid(
            f"by: this ticket carries none of {', '.join(kinds) or 'the kinds named'}; blocking "
            f"{shared} would hold back every guest who shares it",
            field="by",
        )
    return {"items": [block_json(b) for b in made]}, 201


@bp.post("/api/v1/tickets/<ticket_id>/release")
@staff_required()
@no_body
async def release(ticket_id: str) -> Any:
    """Let a held-back SOS through: pushed to the consoles and routed as if just arrived."""
    doc = await hub().tickets.release(tenant_id(), ticket_id, Actor.staff(staff()))
    await hub().floods.released(tenant_id(), doc)  # a flood's: the consoles' count drops
    return (await hub().moderation.viewer_mask(staff()))(staff_ticket(doc))


@bp.get("/api/v1/floods")
@staff_required()
async def held_floods() -> Any:
    """SOS held back as a flood: `held` (how many, the consoles' notice) and `items`, one per
    network, named by its oldest held SOS (`ticket`), never by its address."""
    return {
        "held": await hub().floods.count(tenant_id()),
        "items": await hub().floods.groups(tenant_id()),
    }


@bp.get("/api/v1/floods/count")
@staff_required()
async def held_flood_count() -> Any:
    """`held` alone: what every console reads on each (re)connect, one count in the store."""
    return {"held": await hub().floods.count(tenant_id())}


@bp.post("/api/v1/floods/<ticket_id>/release")
@staff_required(Role.manager)
@no_body
async def release_flood(ticket_id: str) -> Any:
    """Release every held flood SOS from the network of `ticket_id`, oldest first, each
    routed and pushed as if just arrived and never twice; `remaining` > 0: ask again.
    Managers only: one click lets hundreds of SOS through to every console and phone (the
    flooder's too, unless blocked first), a call for whoever answers for the business; an
    agent releases the SOS they have read one at a time.
    `?through=` the last number staff were shown: none that arrived since; a blocked
    sender's stay held (`blocked`: how many)."""
    raw = request.args.get("through")
    through = None
    if raw is not None:
        if not raw.isdigit() or not 0 < int(raw) <= MAX_SEQ:
            raise Invalid("through: the number of the last SOS shown", field="through")
        through = int(raw)
    return await hub().floods.release_network(tenant_id(), ticket_id, staff(), through)


@bp.post("/api/v1/tickets/<ticket_id>/warning")
@responds(201)
@staff_required()
@validate_request(TextIn)
async def warn_sender(ticket_id: str, data: TextIn) -> Any:
    """A private warning to a held-back SOS's sender ("offensive messages are not allowed"):
    on their thread, and by e-mail or SMS when they left contact. The SOS stays held back."""
    message = await hub().tickets.warn(tenant_id(), ticket_id, Actor.staff(staff()), data.text)
    return {**message_json(message), "warning": True}, 201


@bp.get("/admin/filters")
@staff_page(Role.manager)
async def filters_page() -> Any:
    """Edit the filters, try a sample message, manage blocked senders."""
    return await render_page(
        "admin/filters.html",
        checks=CHECKS,
        defaults=FilterConfig().to_doc(),
        flood_limit=FLOOD_LIMIT,
        flood_minutes=FLOOD_WINDOW_MINUTES,
    )


@bp.get("/held-back")
@staff_page(Role.agent)
async def held_back_page() -> Any:
    """Held-back SOS: why each was held, and a button to release it; a flood's whole
    network at once only for managers (as the API allows)."""
    may_release = Role(staff()["role"]).allows(Role.manager)
    return await render_page("staff/held_back.html", release_networks=may_release)
