"""Scans: how often each access point's page (`GET /q/<code>`) is opened, per local day.

A manager asks "which posters work?": openings per point beside the SOS sent from it
(hub/tickets/stats.py). A scan is one browser opening one point's page; the same browser
opening it again within `hub.http.recent.WINDOW_SECONDS` (a reload, the back button after
sending, a tab restored) is the same scan, so SOS per scan means something. That check
uses the page's own device cookie, through a keyed hash that lives only minutes in memory
or Redis (`RecentVisits`); the store keeps nothing but a number per point and local day —
no address, no device, no user agent. HEAD requests, link previewers and other crawlers,
unknown and inactive points, kiosks and re-rendered forms are not scans (the route decides).

Counting is best effort: a store or Redis that fails costs a scan, never the customer's
page, and one that is slow holds the page `SCAN_WAIT` at most (the count goes on behind it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.clock import now
from hub.ports import Doc, RecentVisits, Store

log = logging.getLogger(__name__)

SCAN_WAIT = 1.0  # seconds the page waits for the count at most
MAX_PENDING = 200  # counts waiting on a slow store at most; later openings are not counted


def local_day(moment: datetime, timezone: str | None) -> str:
    """The business's local date of an instant, `YYYY-MM-DD` (an unknown zone: UTC)."""
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).date().isoformat()


def scan_id(tenant_id: str, code: str, day: str) -> str:
    """One counter document per point and local day."""
    return f"{tenant_id}:{code}:{day}"


class Scans:
    """Counts openings of the points' pages, and reads them back per point."""

    def __init__(
        self,
        store: Store,
        recent: RecentVisits | None = None,
        clock: Callable[[], datetime] = now,
    ) -> None:
        self.store = store
        self.recent = recent
        self.clock = clock
        self._pending: set[asyncio.Task[bool]] = set()

    async def opened(self, tenant: Doc, point: Doc, visitor: str | None) -> bool:
        """Count one opening of `point`'s page today (local day); never raises.

        `visitor` is the browser's device cookie (None: none yet), used only to recognise
        a repeat within the window. True when it was counted by the time this returns; a
        count that takes longer than SCAN_WAIT goes on in the background (never cancelled
        half-way) while the page is served.
        """
        if len(self._pending) >= MAX_PENDING:  # the store is stuck: stop piling up writes
            log.warning(
                "a scan of %s was not counted: %d still pending", point["code"], MAX_PENDING
            )
            return False
        task = asyncio.create_task(self._count(tenant, point, visitor))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        try:
            return await asyncio.wait_for(asyncio.shield(task), SCAN_WAIT)
        except TimeoutError:
            return False

    async def _count(self, tenant: Doc, point: Doc, visitor: str | None) -> bool:
        code = str(point["code"])
        try:
            if visitor and self.recent and not await self.recent.first_visit(code, visitor):
                return False
            day = local_day(self.clock(), tenant.get("timezone"))
            await self.store.increment(
                tenant["id"],
                "scans",
                scan_id(tenant["id"], code, day),
                "count",
                fields={"point": code, "day": day},
            )
            return True
        except Exception:  # never the customer's problem
            log.warning("a scan of %s was not counted", code, exc_info=True)
            return False

    async def drain(self) -> None:
        """Let counts still in flight finish (at shutdown, before the store closes)."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=SCAN_WAIT * 5)

    async def per_point(self, tenant_id: str, days: Sequence[str]) -> dict[str, int]:
        """Scans per point code over these local days (`YYYY-MM-DD`)."""
        if not days:
            return {}
        totals: dict[str, int] = {}
        for doc in await self.store.find(tenant_id, "scans", {"day": {"in": list(days)}}):
            code = str(doc.get("point"))
            totals[code] = totals.get(code, 0) + int(doc.get("count") or 0)
        return totals


__all__ = ["MAX_PENDING", "SCAN_WAIT", "Scans", "local_day", "scan_id"]
