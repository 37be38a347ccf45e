"""The survey invitation after resolution: one e-mail or SMS, once per ticket, expiring.

When a ticket whose customer left contact data becomes resolved, one outbox item of kind
`survey` is stored (e-mail when there is a valid address, else SMS) and sent by the same
jobs, retries and sweeper as every delivery. Its id derives from the ticket, and any earlier
`survey` item of the ticket stops a new one, so reopening and resolving again sends nothing
more. Anonymous customers get none: they see the survey on their thread.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from hub.clock import iso, now, parse_iso
from hub.notify import outbox
from hub.notify.render import Rendered, Renderer
from hub.notify.sms import phone_number
from hub.ports import Doc, Store
from hub.surveys.links import invite_token
from hub.surveys.service import Surveys
from hub.tickets.model import held_back

KIND = "survey"
_EMAIL = re.compile(r"^[^@\s<>,;\"']{1,64}@[^@\s<>,;\"']{1,255}\.[^@\s<>,;\"']{1,63}$")
Schedule = Callable[[str, Doc], Awaitable[None]]


def invitation_item(ticket: Doc, tenant: Doc, moment: datetime, days: int) -> Doc | None:
    """The one invitation for this ticket (e-mail first, else SMS); None: nobody to ask."""
    contact = ticket.get("contact") or {}
    if ticket.get("anonymous") or not contact or held_back(ticket):
        return None
    email = str(contact.get("email") or "").strip()
    phone = str(contact.get("phone") or "").strip()
    if email and _EMAIL.match(email):
        channel, to = "email", email
    elif phone and phone_number(phone):
        channel, to = "sms", phone
    else:
        return None
    item = outbox.new_item(
        ticket_id=ticket["id"],
        channel=channel,
        to=to,
        name=str(contact.get("name") or ""),
        language=str(ticket.get("language") or tenant.get("language") or "es"),
        kind=KIND,
        created_at=moment,
        source_id=f"{KIND}:{ticket['id']}",
    )
    item["expires_at"] = iso(moment + timedelta(days=days))
    return item


class SurveyInvitations:
    """The TicketListener that invites a reachable customer once their ticket is resolved."""

    def __init__(
        self,
        store: Store,
        surveys: Surveys,
        schedule: Schedule,
        clock: Callable[[], datetime] = now,
    ) -> None:
        self.store = store
        self.surveys = surveys
        self.schedule = schedule
        self.clock = clock

    async def ticket_resolved(self, tenant: Doc, ticket: Doc) -> None:
        """Store and schedule the invitation, unless this ticket ever had one."""
        config = await self.surveys.config(tenant["id"])
        if not config.invite:
            return
        item = invitation_item(ticket, tenant, self.clock(), config.invite_days)
        if item is None:
            return
        earlier = await self.store.count(
            tenant["id"], outbox.COLLECTION, {"ticket_id": ticket["id"], "kind": KIND}
        )
        if earlier:
            return
        for stored in await outbox.add_new_items(self.store, tenant["id"], [item]):
            await self.schedule(tenant["id"], stored)

    # The rest of hub.tickets.hooks.TicketListener: nothing to do for a survey.
    async def ticket_accepted(self, tenant: Doc, ticket: Doc) -> None:
        """Nothing: the survey waits for the resolution."""

    async def staff_replied(self, tenant: Doc, ticket: Doc, message: Doc) -> None:
        """Nothing: a reply is not a resolution."""

    async def ticket_acknowledged(self, tenant: Doc, ticket: Doc) -> None:
        """Nothing."""

    async def ticket_held(self, tenant: Doc, ticket: Doc) -> None:
        """Nothing: a held-back SOS is never invited."""

    async def category_changed(self, tenant: Doc, ticket: Doc) -> None:
        """Nothing."""

    async def message_held(self, tenant: Doc, ticket: Doc, message: Doc) -> None:
        """Nothing."""

    async def ticket_detractor(self, tenant: Doc, ticket: Doc) -> None:
        """Nothing: the ticket reopened; resolving it again invites no second time."""


def invitation_words(
    renderer: Renderer,
    item: Doc,
    ticket: Doc,
    tenant: Doc,
    *,
    secret: str,
    public: Callable[[str], str],
) -> Rendered:
    """The invitation in the customer's language, with its expiring link."""
    expires = parse_iso(str(item.get("expires_at") or item["created_at"]))
    token = invite_token(secret, tenant["id"], ticket["id"], expires)
    language = str(item.get("language") or ticket.get("language") or "en")
    context = {
        "number": ticket.get("number"),
        "tenant_name": tenant.get("name") or "",
        "name": item.get("name") or "",
        "url": public(f"/survey/{token}"),
        "days": max(1, round((expires - parse_iso(item["created_at"])).total_seconds() / 86400)),
    }
    if item["channel"] == "sms":
        return renderer.sms(language, "survey", context)
    return renderer.email(language, "survey", context)
