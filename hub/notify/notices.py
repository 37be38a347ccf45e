"""Notices to a business's managers through the outbox: what the hub held back on its own.

An e-mail to every active manager and administrator (the people who can review the held-back
messages and lift a block), as outbox items: `auto_block` when a sender was blocked after
repeated insults, `flood` when SOS from one network started being held back as a flood.
Stored first, then sent by the same jobs, retries and sweeper as every alert
(hub/notify/delivery.py renders them).
"""

from __future__ import annotations

from hub.accounts.model import Role
from hub.clock import parse_iso
from hub.notify import outbox
from hub.notify.delivery import Sender
from hub.ports import Doc

KIND = "auto_block"
FLOOD_KIND = "flood"
MANAGING = (Role.manager.value, Role.admin.value)


class ManagerNotices:
    """Tells a business's managers what the hub did on its own."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self.store = sender.store

    async def managers(self, tenant_id: str) -> list[Doc]:
        """Active managers and administrators with an e-mail."""
        users = await self.store.find(tenant_id, "users", {"role": {"in": list(MANAGING)}})
        return [u for u in users if u.get("active") is not False and u.get("email")]

    async def auto_blocked(self, tenant: Doc, ticket: Doc, blocks: list[Doc]) -> list[Doc]:
        """One e-mail per manager about this ticket's sender, blocked after repeated insults."""
        items = await self._items(tenant, ticket, KIND, f"{KIND}:{ticket['id']}")
        return await self._send(tenant, await outbox.add_items(self.store, tenant["id"], items))

    async def flood_held(self, tenant: Doc, ticket: Doc) -> list[Doc]:
        """One e-mail per manager when a network's SOS start being held back as a flood: at
        most one a clock hour per network, whichever of its held SOS comes first (the id of
        the items is made of the network and the hour, hashed: the address is not kept)."""
        hour = parse_iso(ticket["created_at"]).strftime("%Y%m%d%H")
        episode = f"{FLOOD_KIND}:{ticket.get('network') or ticket['id']}:{hour}"
        items = await self._items(tenant, ticket, FLOOD_KIND, episode)
        new = await outbox.add_new_items(self.store, tenant["id"], items)  # the first only
        return await self._send(tenant, new)

    async def _items(self, tenant: Doc, ticket: Doc, kind: str, source_id: str) -> list[Doc]:
        """An e-mail item of `kind` about `ticket` per manager, in each one's language."""
        moment = self.sender.clock()
        return [
            outbox.new_item(
                ticket_id=ticket["id"],
                channel="email",
                to=str(user["email"]),
                name=str(user.get("name") or ""),
                language=str(user.get("language") or tenant.get("language") or "es"),
                kind=kind,
                created_at=moment,
                source_id=source_id,
            )
            for user in await self.managers(tenant["id"])
        ]

    async def _send(self, tenant: Doc, stored: list[Doc]) -> list[Doc]:
        for item in stored:
            await self.sender.schedule(tenant["id"], item)
        return stored
