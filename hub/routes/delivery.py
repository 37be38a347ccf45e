"""Deliveries: the outbox API, the admin "Deliveries" page and the one-tap acknowledge link.

`GET /ack/<token>` only shows a page with one button (mail scanners prefetch links); the
button POSTs to the same address, which acknowledges the ticket in the recipient's name.
An expired link answers 410, a forged one 403; neither changes anything.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from quart import Blueprint, g, make_response, render_template, request
from quart_schema import document_querystring, document_response

from hub.accounts.model import Role
from hub.container import hub
from hub.errors import Invalid, NotFound
from hub.i18n import gettext as _
from hub.notify import outbox
from hub.notify.ack import AckLinkExpired, AckLinkInvalid, read_ack_token
from hub.notify.outbox import by_status, delivery_json
from hub.notify.render import local_time, place_of
from hub.ports import Doc, Where
from hub.routes.auth import staff_required, tenant_id
from hub.routes.pages import render_page, staff_page
from hub.tickets.model import Status
from hub.tickets.services import Actor

bp = Blueprint("delivery", __name__)

STATUSES = ("pending", "sent", "failed", "skipped")
KINDS = (
    "alert",
    "escalation",
    "reply",
    "auto_block",
    "flood",
    "kiosk_offline",
    "kiosk_online",
    "threshold",
    "detractor",
)
PAGE_LIMIT = 200


class DeliveriesQuery(BaseModel):
    """GET /api/v1/deliveries' query, as /openapi.json documents it (the route reads it)."""

    ticket: str | None = None  # one ticket's deliveries, oldest first
    status: Literal["pending", "sent", "failed", "skipped"] | None = None
    kind: Literal[KINDS] | None = None  # type: ignore[valid-type]
    limit: int = Field(default=PAGE_LIMIT, ge=1, le=1000)
    cursor: str | None = None  # the previous page's next_cursor


class Delivery(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    ticket_id: str | None
    channel: Literal["email", "sms"]
    to: str | None
    kind: str
    status: Literal["pending", "sent", "failed", "skipped"]
    attempts: int | None = None
    reason: str | None = None
    created_at: str
    sent_at: str | None = None


class DeliveryList(BaseModel):
    """The outbox, newest first (a ticket's, oldest first)."""

    items: list[Delivery]
    next_cursor: str | None  # the next page's cursor; null on the last page


def _pattern(template: str) -> re.Pattern[str]:
    """What a reason written from `template` (outbox's) looks like, its fields captured."""
    return re.compile(re.sub(r"\\\{(\w+)(?:!r)?\\\}", r"(?P<\1>.+?)", re.escape(template)))


BUDGET = _pattern(outbox.BUDGET_EXCEEDED)
BAD_ADDRESS = _pattern(outbox.BAD_ADDRESS)


def reason_text(reason: str) -> str:
    """A delivery's stored reason (English, part of the API) in the page's language.

    Reasons the hub writes itself are translated; a provider's own words are shown as given.
    """
    known = {
        outbox.NO_TRANSPORT: _("Not sent: no SMS or e-mail service is set up."),
        outbox.ACKNOWLEDGED: _("Not sent: the SOS was acknowledged before this step."),
        outbox.TICKET_GONE: _("Not sent: the SOS no longer exists."),
        outbox.NO_SENDER_THREAD: _("Not sent: the SMS service was too busy to send it in time."),
        outbox.PROVIDER_TIMEOUT: _("Time-out: the provider did not answer in time."),
    }
    if reason in known:
        return known[reason]
    if budget := BUDGET.fullmatch(reason):
        return _(
            "Not sent: over the SMS budget (%(sent)s SMS in the last hour, limit %(limit)s).",
            sent=budget["sent"],
            limit=budget["limit"],
        )
    if address := BAD_ADDRESS.fullmatch(reason):
        return _("Not sent: %(address)s is not a valid address.", address=address["to"])
    return reason


def _where(ticket: str | None, status: str | None, kind: str | None) -> Where:
    """The outbox items the filters ask for (an unknown status or kind is a 400 naming it)."""
    where: dict[str, Any] = {}
    if ticket:
        where["ticket_id"] = ticket
    if status:
        if status not in STATUSES:
            raise Invalid(f"status must be one of {', '.join(STATUSES)}", field="status")
        where["status"] = status
    if kind:
        if kind not in KINDS:
            raise Invalid(f"kind must be one of {', '.join(KINDS)}", field="kind")
        where["kind"] = kind
    return where


async def _find(
    tenant: str, *, ticket: str | None, status: str | None, kind: str | None, limit: int
) -> list[Doc]:
    filters = _where(ticket, status, kind)
    return await hub().deliveries.find(tenant, filters, newest_first=not ticket, limit=limit)


@bp.get("/api/v1/deliveries")
@document_querystring(DeliveriesQuery)
@document_response(DeliveryList)
@staff_required(Role.manager)
async def deliveries() -> Any:
    """The outbox, newest first (a ticket's, oldest first, with ?ticket=<id>); `next_cursor`
    pages on (as `cursor`, with the same filters), null on the last page."""
    raw_limit = request.args.get("limit", str(PAGE_LIMIT))
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 1000:
        raise Invalid("limit must be a whole number from 1 to 1000", field="limit")
    ticket = request.args.get("ticket") or None
    if ticket and await hub().tickets.find(tenant_id(), ticket) is None:
        raise NotFound("no such ticket", field="ticket")
    filters = _where(ticket, request.args.get("status") or None, request.args.get("kind") or None)
    cursor = request.args.get("cursor") or None
    if cursor is not None and len(cursor) > 200:
        raise Invalid("cursor: not a next_cursor this list gave", field="cursor")
    docs, next_cursor = await hub().deliveries.page(
        tenant_id(), filters, newest_first=not ticket, limit=int(raw_limit), cursor=cursor
    )
    return {"items": [delivery_json(d) for d in docs], "next_cursor": next_cursor}


@bp.get("/admin/deliveries")
@staff_page(Role.manager)
async def deliveries_page() -> Any:
    """Every notification with its status, attempts and reason (managers)."""
    tickets: dict[str, Doc] = {}
    status = request.args.get("status") or None
    if status not in (None, *STATUSES):
        status = None
    items = await _find(
        tenant_id(),
        ticket=request.args.get("ticket") or None,
        status=status,
        kind=None,
        limit=PAGE_LIMIT,
    )
    for item in items:
        if item["ticket_id"] not in tickets:
            found = await hub().tickets.find(tenant_id(), item["ticket_id"])
            tickets[item["ticket_id"]] = found or {}
    return await render_page(
        "admin/deliveries.html",
        items=items,
        tickets=tickets,
        counts=by_status(items),
        statuses=STATUSES,
        status=status,
        ticket_filter=request.args.get("ticket") or "",
        reason_text=reason_text,
    )


async def _ack_target(token: str) -> tuple[Doc, Doc, Doc]:
    """The item, ticket and tenant a genuine, unexpired link names."""
    tenant_id_, item_id = read_ack_token(hub().settings.secret_key, token)
    item = await hub().deliveries.item(tenant_id_, item_id)
    ticket = await hub().tickets.find(tenant_id_, item["ticket_id"]) if item else None
    tenant = await hub().accounts.tenant(tenant_id_)
    if item is None or ticket is None or tenant is None:
        raise AckLinkInvalid("the link names nothing that exists")
    return item, ticket, tenant


async def _ack_page(token: str, *, post: bool) -> Any:
    try:
        item, ticket, tenant = await _ack_target(token)
    except AckLinkExpired:
        return await _ack_refused(410)
    except AckLinkInvalid:
        return await _ack_refused(403)
    if item.get("language") in hub().catalogs and not request.args.get("lang"):
        g.lang = item["language"]
    acknowledged_now = False
    if post and not ticket.get("acknowledged_at") and ticket["status"] == Status.new.value:
        name = str(item.get("name") or item["to"])
        ticket = await hub().tickets.acknowledge(tenant["id"], ticket["id"], Actor(None, name))
        acknowledged_now = True
    html = await render_template(
        "ack/ack.html",
        token=token,
        ticket=ticket,
        tenant=tenant,
        recipient=item.get("name") or item["to"],
        place=place_of(ticket),
        time=local_time(ticket["created_at"], tenant.get("timezone"), g.lang),
        done=bool(ticket.get("acknowledged_at")),
        acknowledged_now=acknowledged_now,
        console_url=hub().settings.public(f"/console?ticket={ticket['id']}"),
    )
    return await make_response(html, 200)


async def _ack_refused(status: int) -> Any:
    html = await render_template("ack/refused.html", status=status)
    return await make_response(html, status)


@bp.get("/ack/<token>")
async def ack_confirm(token: str) -> Any:
    """A page with one button; showing it changes nothing."""
    return await _ack_page(token, post=False)


@bp.post("/ack/<token>")
async def ack(token: str) -> Any:
    """Acknowledge the ticket in the name of the recipient the link was sent to."""
    return await _ack_page(token, post=True)
