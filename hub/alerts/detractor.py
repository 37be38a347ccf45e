"""Detractor alerts: a "bad" rating or an NPS of 6 or less on a resolved ticket.

The ticket reopens (hub/tickets/ticket.py, `Ticket.answer_survey`) and the people the
routing rules that matched it alerted are told, by an outbox item of kind `detractor`;
a ticket no rule matched tells the business's managers by e-mail. Once per ticket: the
items' ids derive from the ticket alone, and the ticket remembers it reopened.
"""

from __future__ import annotations

from datetime import datetime

from hub.accounts.model import Role
from hub.notify import outbox
from hub.ports import Doc, Store

KIND = "detractor"
MANAGING = (Role.manager.value, Role.admin.value)


async def recipients(store: Store, tenant: Doc, ticket: Doc) -> list[Doc]:
    """The recipients of the rules that matched the ticket; else the managers by e-mail."""
    people: dict[tuple[str, str], Doc] = {}
    for rule_id in ticket.get("routed_rules") or []:
        rule = await store.get(tenant["id"], "rules", str(rule_id))
        for person in (rule or {}).get("recipients") or []:
            key = (str(person["channel"]), str(person["to"]).strip().lower())
            people.setdefault(key, person)
    if people:
        return list(people.values())
    users = await store.find(tenant["id"], "users", {"role": {"in": list(MANAGING)}})
    home = str(tenant.get("language") or "es")
    return [
        {
            "channel": "email",
            "to": str(u["email"]),
            "name": str(u.get("name") or ""),
            "language": str(u.get("language") or home),
        }
        for u in users
        if u.get("active") is not False and u.get("email")
    ]


async def detractor_items(store: Store, tenant: Doc, ticket: Doc, moment: datetime) -> list[Doc]:
    """Store the detractor items of this ticket (once); answer the ones stored now."""
    items = [
        outbox.new_item(
            ticket_id=ticket["id"],
            channel=str(p["channel"]),
            to=str(p["to"]),
            name=str(p.get("name") or ""),
            language=str(p.get("language") or tenant.get("language") or "es"),
            kind=KIND,
            created_at=moment,
            source_id=f"{KIND}:{ticket['id']}",
        )
        for p in await recipients(store, tenant, ticket)
    ]
    return await outbox.add_new_items(store, tenant["id"], items)
