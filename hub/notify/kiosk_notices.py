"""Notices about a kiosk's health through the outbox: it went silent, it is back.

Who is told: the business's active managers and administrators with an e-mail (the
people who can walk to the hall, call the hotel's IT, or switch the kiosk off), as for an
automatic block (hub/notify/notices.py). Not the routing rules' recipients: those are
chosen for guests' SOS by place and category, and a dead screen is not a guest's alert.
Items are of kind `kiosk_offline` / `kiosk_online`, stored first and sent by the same
jobs, retries and sweeper as every alert; their ids derive from the kiosk and the moment
it turned, so a second call for the same turn stores nothing twice.

At most one notice per kiosk per hour (`NOTICE_EVERY`): a kiosk flapping on bad Wi-Fi sent
an e-mail per turn (16 in an afternoon). The first notice is written at once; a turn within
the hour after it is held back (the consoles still show it), and the kiosk watch tells the
state then once the hour has passed (hub/accounts/kiosk_watch.py, `notice_owed`). Which
instance tells is a compare-and-set on the kiosk's `notice_at` (`claim_notice`).
"""

from __future__ import annotations

from hub.accounts.kiosk_watch import OFFLINE, ONLINE, Clock, claim_notice
from hub.notify import outbox
from hub.notify.delivery import Sender
from hub.notify.notices import ManagerNotices
from hub.ports import Doc

KINDS = (OFFLINE, ONLINE)


class KioskNotices:
    """Writes and schedules the e-mails the kiosk watch asks for."""

    def __init__(self, sender: Sender, *, clock: Clock | None = None) -> None:
        self.sender = sender
        self.store = sender.store
        self.managers = ManagerNotices(sender).managers
        self.clock = clock or sender.clock  # the kiosk watch's: its turns are stamped by it

    async def __call__(self, kiosk: Doc, kind: str) -> list[Doc]:
        """One e-mail per manager about this kiosk's turn (`kind`: offline or online), unless
        this kiosk's managers were told of it less than an hour ago: then nothing."""
        if kind not in KINDS:
            raise ValueError(f"not a kiosk notice: {kind!r}")
        tenant_id = kiosk["tenant_id"]
        if not await claim_notice(self.store, kiosk, kind, self.clock()):
            return []  # told within the hour: the kiosk watch tells the state later
        tenant = await self.store.get(tenant_id, "tenants", tenant_id) or {}
        turned = kiosk.get("offline_since") if kind == OFFLINE else kiosk.get("online_since")
        points = await self.store.find(tenant_id, "points", {"code": kiosk.get("point")}, limit=1)
        place = points[0].get("label") if points else None
        moment = self.sender.clock()
        items = []
        for user in await self.managers(tenant_id):
            item = outbox.new_item(
                ticket_id="",
                channel="email",
                to=str(user["email"]),
                name=str(user.get("name") or ""),
                language=str(user.get("language") or tenant.get("language") or "es"),
                kind=kind,
                created_at=moment,
                source_id=f"{kind}:{kiosk['id']}:{turned}",
            )
            item["kiosk"] = {
                "id": kiosk["id"],
                "name": kiosk.get("name"),
                "point": kiosk.get("point"),
                "place": place,
                "last_seen_at": kiosk.get("last_seen_at"),
                "offline_minutes": kiosk.get("offline_minutes"),
                "offline_since": kiosk.get("offline_since"),
            }
            items.append(item)
        stored = await outbox.add_new_items(self.store, tenant_id, items)
        for item in stored:
            await self.sender.schedule(tenant_id, item)
        return stored
