"""ThresholdWatch: counts SOS against the threshold alerts and fires each burst once.

Asked after a ticket is routed (the `route_ticket` job, in-process or under RQ) and when
staff classify a ticket (its category may complete a window). Exactly one fire per burst,
however many processes count at once: the SOS is stored before it is counted, so the last
of a burst's SOS to be counted sees them all; and firing is a compare-and-set on the
alert's `burst_until`, which only one counter wins. The winner stores one outbox item of
kind `threshold` per recipient (ids derived from the alert and the burst's first SOS, so
a re-run stores nothing twice, and a job that died between winning and storing them
stores them when the sweeper runs it again); the outbox jobs send them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from hub.alerts.model import COLLECTION, KIND, MAX_ALERTS, counts, densest, in_burst
from hub.clock import iso, parse_iso
from hub.notify import outbox
from hub.ports import Doc, Find, Store
from hub.tickets.model import held_back
from hub.tickets.repository import TICKETS

# The read of a business's alerts (at most MAX_ALERTS), for Store.read_many.
ALERTS_READ = Find(COLLECTION, limit=MAX_ALERTS)
ATTEMPTS = 8  # compare-and-set rounds before giving up (each lost round is another's win)
WINDOW_LIMIT = 5000  # tickets read around one SOS; a burst larger than this still fires
LISTED = 50  # tickets named in a fire (and in its e-mail)


class ThresholdWatch:
    """Counts one ticket against every active alert of its business."""

    def __init__(self, store: Store, clock: Callable[[], datetime], minute: float = 60.0) -> None:
        self.store = store
        self.clock = clock
        self.minute = minute  # seconds in an alert's minute (tests shorten it)

    async def ticket_counted(
        self, tenant_id: str, ticket: Doc, alerts: list[Doc] | None = None
    ) -> list[Doc]:
        """Fire the alerts this ticket completes a burst for; the new outbox items.

        `alerts`: the business's alerts as `ALERTS_READ` found them, if the caller has them."""
        if held_back(ticket) or not ticket.get("created_at"):
            return []
        if alerts is None:
            alerts = await self.store.find(tenant_id, COLLECTION, limit=MAX_ALERTS)
        items: list[Doc] = []
        for alert in alerts:
            if alert.get("active") is not False and counts(alert, ticket):
                items.extend(await self._consider(tenant_id, alert["id"], ticket))
        return items

    @staticmethod
    def concerned(ticket: Doc, alerts: list[Doc]) -> bool:
        """Whether counting this ticket against `alerts` has anything to do (a burst to seek)."""
        if held_back(ticket) or not ticket.get("created_at"):
            return False
        return any(a.get("active") is not False and counts(a, ticket) for a in alerts)

    def _width(self, alert: Doc) -> timedelta:
        return timedelta(seconds=float(alert["minutes"]) * self.minute)

    async def _burst(self, tenant_id: str, alert: Doc, moment: str) -> list[Doc]:
        """The densest run of counted SOS within the alert's minutes around `moment`."""
        width = self._width(alert)
        where: dict[str, object] = {"created_at": {"gte": iso(parse_iso(moment) - width)}}
        if alert.get("point"):
            where["point.code"] = alert["point"]
        upper = iso(parse_iso(moment) + width)
        # Newest first: past the limit, what is dropped is the oldest, never the SOS counted.
        found = await self.store.find(
            tenant_id, TICKETS, where, sort="created_at", descending=True, limit=WINDOW_LIMIT
        )
        near = [
            t
            for t in reversed(found)
            if t["created_at"] <= upper and not held_back(t) and counts(alert, t)
        ]
        times = set(densest([t["created_at"] for t in near], moment, width))
        return [t for t in near if t["created_at"] in times]

    async def _consider(self, tenant_id: str, alert_id: str, ticket: Doc) -> list[Doc]:
        moment = str(ticket["created_at"])
        for _ in range(ATTEMPTS):
            alert = await self.store.get(tenant_id, COLLECTION, alert_id)
            if alert is None or alert.get("active") is False or not counts(alert, ticket):
                return []
            width = self._width(alert)
            burst = await self._burst(tenant_id, alert, moment)
            if len(burst) < int(alert["count"]):
                return []
            until = iso(parse_iso(burst[-1]["created_at"]) + width)
            expected = {"burst_until": alert.get("burst_until")}
            if in_burst(alert, moment, width):  # the burst goes on: it only lasts longer
                last = alert.get("last_fire") or {}
                if last.get("ticket_id") == ticket["id"]:  # a re-run of the firing SOS's job
                    return await self._deliver(tenant_id, alert, ticket, last)
                if until <= str(alert["burst_until"]):
                    return []
                if await self.store.update_if(
                    tenant_id, COLLECTION, alert_id, expected, {"burst_until": until}
                ):
                    return []
                continue
            fire = _fire(alert, burst, ticket, iso(self.clock()))
            won = await self.store.update_if(
                tenant_id,
                COLLECTION,
                alert_id,
                expected,
                {
                    "burst_from": burst[0]["created_at"],
                    "burst_until": until,
                    "fired_at": fire["at"],
                    "fires": int(alert.get("fires") or 0) + 1,
                    "last_fire": fire,
                },
            )
            if won is not None:
                return await self._deliver(tenant_id, won, ticket, fire)
        return []

    async def _deliver(self, tenant_id: str, alert: Doc, ticket: Doc, fire: Doc) -> list[Doc]:
        """One item of kind `threshold` per recipient, stored (once) for the outbox jobs."""
        moment = self.clock()
        items = []
        for person in alert.get("recipients") or []:
            item = outbox.new_item(
                ticket_id=ticket["id"],
                channel=str(person["channel"]),
                to=str(person["to"]),
                name=str(person.get("name") or ""),
                language=str(person.get("language") or "es"),
                kind=KIND,
                created_at=moment,
                source_id=f"{KIND}:{alert['id']}:{fire['from']}",
            )
            item["alert_id"] = alert["id"]
            item["fire"] = fire
            items.append(item)
        return await outbox.add_new_items(self.store, tenant_id, items)


def _fire(alert: Doc, burst: list[Doc], ticket: Doc, at: str) -> Doc:
    """What a fire says: which alert, where, how many in how long, which tickets."""
    point = alert.get("point")
    label = next((str((t.get("point") or {}).get("label") or "") for t in burst if point), "")
    return {
        "alert_id": alert["id"],
        "name": alert.get("name") or "",
        "point": point,
        "point_label": label or point,
        "category": alert.get("category"),
        "found": len(burst),
        "count": int(alert["count"]),
        "minutes": int(alert["minutes"]),
        "from": burst[0]["created_at"],
        "to": burst[-1]["created_at"],
        "at": at,
        "ticket_id": ticket["id"],
        "tickets": [{"id": t["id"], "number": t.get("number")} for t in burst[-LISTED:]],
    }
