"""Deliveries: the outbox API, the admin "Deliveries" page and the one-tap acknowledge link.

`GET /ack/<token>` only shows a page with one button (mail scanners prefetch links); the
button POSTs to the same address, which acknowledges the ticket in the recipient's name.
An expired link answers 410, a forged one 403; neither changes anything.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from quart import Blueprint, g, make_response, redirect, render_template, request
from quart_schema import document_querystring, document_response

from hub.accounts.model import Role
from hub.container import hub
from hub.errors import Invalid, NotFound
from hub.i18n import gettext as _
from hub.notify import outbox
from hub.notify.ack import AckLinkExpired, AckLinkInvalid, read_ack_token
from hub.notify.channels import unconfigured
from hub.notify.outbox import by_status, delivery_json
from hub.notify.render import local_time, place_of
from hub.ports import Doc, Where
from hub.routes.auth import staff, staff_required, tenant_id
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


_PARTS = re.compile(r"^Vonage accepted (\d+) part\(s\)")
_SMTP_CODE = re.compile(r"^SMTP: .*?\(?([45]\d\d)\b")
_UNREACHABLE = re.compile(
    r"unreachable|Error connecting|Connection refused|ConnectionError|Name or service|"
    r"Errno|Timed out|timed out|Timeout|disconnected",
    re.IGNORECASE,
)


def reason_summary(item: Doc) -> tuple[str, str]:
    """What happened to a delivery in the page's language, and the raw text behind it.

    The summary names the class of outcome (provider unreachable, address refused, accepted
    in N parts …); the provider's own words (English, as it gave them) stay as the detail
    for whoever needs them. The detail is "" when the summary says it all.
    """
    reason = str(item.get("reason") or "")
    if not reason:
        return _answer_summary(str(item.get("provider_answer") or ""))
    own = reason_text(reason)
    if own != reason:
        return own, ""
    if reason.startswith("not a phone number"):
        return _("Not a phone number: the address was refused."), reason
    if reason.startswith("Vonage: SmsError"):
        if "error code 1:" in reason:
            return _("The SMS provider asked to slow down."), reason
        return _("The SMS provider refused the message."), reason
    if reason.startswith("Vonage") and ("ServerError" in reason or "RateLimited" in reason):
        return _("The SMS provider had a fault."), reason
    if _UNREACHABLE.search(reason):
        return _("The provider could not be reached."), reason
    if code := _SMTP_CODE.match(reason):
        if code[1].startswith("4"):
            return _("The mail server asked to try again later."), reason
        return _("The mail server refused the address or the message."), reason
    if reason.startswith("Vonage"):
        return _("The SMS provider refused the message."), reason
    return _("The provider gave an error."), reason


def _answer_summary(answer: str) -> tuple[str, str]:
    """A provider's acceptance in the page's language, its own words as the detail."""
    if parts := _PARTS.match(answer):
        count = int(parts[1])
        if count == 1:
            return _("Accepted by the SMS provider."), answer
        return _("Accepted by the SMS provider in %(parts)s parts.", parts=count), answer
    if answer.startswith("Vonage accepted it on an earlier attempt"):
        return _("Accepted by the SMS provider on an earlier attempt."), answer
    if answer.startswith("SMTP"):
        return _("Accepted by the mail server."), answer
    return answer, ""


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
        reason_summary=reason_summary,
        resent=request.args.get("resent"),
        can_resend=_can_resend,
        unconfigured=unconfigured(hub().settings),
    )


def _can_resend(item: Doc) -> bool:
    """Whether the page offers "Send again" for this item (hub/notify/delivery.py decides)."""
    service = hub().delivery
    return service is not None and service.sender.can_resend(item)


@bp.post("/admin/deliveries/<item_id>/resend")
@staff_page(Role.manager)
async def resend_page(item_id: str) -> Any:
    """Send a delivery again (a manager's button): a failed one, or one skipped because its
    channel had no service and has one now. It goes back to pending by compare-and-set: a
    double click or two managers at once send it once."""
    service = hub().delivery
    item = await hub().deliveries.item(tenant_id(), item_id)
    if item is None or service is None:
        raise NotFound("no such delivery")
    user = staff()
    again = await service.sender.resend(tenant_id(), item, str(user.get("name") or user["email"]))
    back = request.args.get("back") or ""  # the page's own filters, to land where it was
    query = back + "&" if re.fullmatch(r"[\w=&%.\-]*", back) and back else ""
    return redirect(f"/admin/deliveries?{query}resent={'1' if again else '0'}#d-{item_id}", 303)


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
        # a ticket stored without an establishment is placed by its point's
        place=place_of(await hub().tickets.placed(tenant["id"], ticket), tenant),
        # the recipient reads the SOS in their own language too, as in the alert e-mail
        translation=(ticket.get("translations") or {}).get(g.lang)
        if g.lang != ticket.get("language")
        else None,
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
