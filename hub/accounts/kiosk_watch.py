"""Is each kiosk alive? Heartbeats in, "offline" and "back online" out, each said once.

A paired kiosk sends a heartbeat over `/kiosk` every `HEARTBEAT_SECONDS` (and connecting
or sending an SOS counts as one): `seen` records `last_seen_at` on the kiosk. `check`, run
periodically by every hub process (`run_forever`, started with the hub like the privacy
sweep, so scale-out needs no scheduled job), flags a kiosk silent for longer than its
`offline_minutes` as offline. Both turns are compare-and-sets on the kiosk document, so
however many instances check or hear a heartbeat at once, exactly one flags the change,
tells the consoles (`kiosk.status` on `/staff`) and asks `notify` to write the notice to
the outbox (kind `kiosk_offline` or `kiosk_online`; hub/notify/kiosk_notices.py).

A kiosk never seen (paired but not yet switched on) or switched off by its business is
never flagged: only a kiosk that was alive and went quiet is news.

A kiosk flapping on bad Wi-Fi turns every few minutes: every turn is still flagged on the
consoles, but managers get at most one notice per kiosk per `NOTICE_EVERY` (the notifier
keeps `notice_at` and `notice_kind` on the kiosk). A turn held back is not forgotten: once
the hour has passed, `check` tells the kiosk's state then if it differs from the last one
told (`notice_owed`), so the last e-mail a manager reads is never a stale one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import socketio

from hub.accounts.kiosk_requests import KioskRequests
from hub.clock import iso, now, parse_iso
from hub.ports import Doc, Store

log = logging.getLogger(__name__)

OFFLINE_MINUTES = (2, 1440)  # bounds of a kiosk's silence before it is flagged
DEFAULT_OFFLINE_MINUTES = 10
HEARTBEAT_SECONDS = 30  # how often a kiosk says it is alive (sent in its config)
SEEN_EVERY = timedelta(seconds=15)  # at most one last_seen write per kiosk in this time
STATUS_EVENT = "kiosk.status"
OFFLINE = "kiosk_offline"
ONLINE = "kiosk_online"
NOTICE_EVERY = timedelta(hours=1)  # at most one e-mail per kiosk in this time

Clock = Callable[[], datetime]
Notify = Callable[[Doc, str], Awaitable[object]]


def kiosk_status(kiosk: Doc) -> dict[str, Any]:
    """What staff see of a kiosk's health: never its token nor its settings."""
    return {
        "id": kiosk["id"],
        "name": kiosk.get("name"),
        "point": kiosk.get("point"),
        "online": not kiosk.get("offline"),
        "last_seen_at": kiosk.get("last_seen_at"),
        "offline_since": kiosk.get("offline_since") if kiosk.get("offline") else None,
        "offline_minutes": kiosk.get("offline_minutes", DEFAULT_OFFLINE_MINUTES),
    }


def silent_too_long(kiosk: Doc, moment: datetime) -> bool:
    """Alive once, switched on, not yet flagged, and quiet for more than its limit."""
    seen = kiosk.get("last_seen_at")
    if not seen or kiosk.get("offline") or not kiosk.get("active", True):
        return False
    limit = timedelta(minutes=int(kiosk.get("offline_minutes") or DEFAULT_OFFLINE_MINUTES))
    return moment - parse_iso(str(seen)) > limit


def notice_owed(kiosk: Doc, moment: datetime) -> str | None:
    """The kind of notice a kiosk is owed: its state differs from the last one told, and
    the hour since that notice has passed (a turn within it was held back). Else None."""
    told = kiosk.get("notice_kind")
    if not told or not kiosk.get("active", True):
        return None
    state = OFFLINE if kiosk.get("offline") else ONLINE
    last = kiosk.get("notice_at")
    if state == told or (last and moment - parse_iso(str(last)) < NOTICE_EVERY):
        return None
    return state


async def claim_notice(store: Store, kiosk: Doc, kind: str, moment: datetime) -> bool:
    """May a notice of `kind` about this kiosk be written now? Only when none was within
    NOTICE_EVERY, and only for the one caller whose compare-and-set on `notice_at` wins."""
    last = kiosk.get("notice_at")
    if last and moment - parse_iso(str(last)) < NOTICE_EVERY:
        return False
    won = await store.update_if(
        kiosk["tenant_id"],
        "kiosks",
        kiosk["id"],
        {"notice_at": last},
        {"notice_at": iso(moment), "notice_kind": kind},
    )
    return won is not None


class KioskWatch:
    """Records heartbeats and flags silent kiosks (see the module's docstring)."""

    def __init__(
        self,
        store: Store,
        sio: socketio.AsyncServer,
        *,
        notify: Notify | None = None,
        clock: Clock = now,
        every: float = 30.0,
    ) -> None:
        self.store = store
        self.sio = sio
        self.notify = notify
        self.clock = clock
        self.every = every
        self._task: asyncio.Task[None] | None = None

    async def seen(self, tenant_id: str, kiosk_id: str) -> None:
        """A sign of life from this kiosk: note it, and flag it back online if it was off."""
        kiosk = await self.store.get(tenant_id, "kiosks", kiosk_id)
        if kiosk is None:
            return
        moment = self.clock()
        if kiosk.get("offline"):
            back = await self.store.update_if(
                tenant_id,
                "kiosks",
                kiosk_id,
                {"offline": True},
                {"offline": False, "last_seen_at": iso(moment), "online_since": iso(moment)},
            )
            if back is not None:
                await self._changed(back, ONLINE)
            return
        last = kiosk.get("last_seen_at")
        if last and moment - parse_iso(str(last)) < SEEN_EVERY:
            return  # a write per kiosk every few seconds is plenty
        await self.store.update(tenant_id, "kiosks", kiosk_id, {"last_seen_at": iso(moment)})

    async def check(self) -> int:
        """Flag every kiosk silent too long (once each); returns how many were flagged.

        The same round tells managers a turn held back within the hour (`notice_owed`), and
        forgets week-old Idempotency-Key claims (hub/accounts/kiosk_requests.py).
        """
        moment = self.clock()
        flagged = 0
        for tenant_id in await self.store.tenant_ids():
            await KioskRequests(self.store).purge(tenant_id)
            for kiosk in await self.store.find(tenant_id, "kiosks"):
                if not silent_too_long(kiosk, moment):
                    owed = notice_owed(kiosk, moment)
                    if owed is not None and self.notify is not None:
                        await self.notify(kiosk, owed)
                    continue
                done = await self.store.update_if(
                    tenant_id,
                    "kiosks",
                    kiosk["id"],
                    {"offline": kiosk.get("offline"), "last_seen_at": kiosk["last_seen_at"]},
                    {"offline": True, "offline_since": iso(moment)},
                )
                if done is not None:  # another instance may have flagged it first
                    flagged += 1
                    await self._changed(done, OFFLINE)
        return flagged

    async def _changed(self, kiosk: Doc, kind: str) -> None:
        """Tell the consoles at once, and the managers through the outbox."""
        room = f"tenant:{kiosk['tenant_id']}"  # hub.realtime.publisher.tenant_room
        try:
            await self.sio.emit(STATUS_EVENT, kiosk_status(kiosk), room=room, namespace="/staff")
        except Exception:  # the flag is stored; consoles read it again on reconnect
            log.exception("could not tell the consoles about kiosk %s", kiosk["id"])
        if self.notify is not None:
            await self.notify(kiosk, kind)

    async def run_forever(self) -> None:
        """Check every `every` seconds until cancelled; a failed round is logged, not fatal."""
        while True:
            await asyncio.sleep(self.every)
            try:
                flagged = await self.check()
                if flagged:
                    log.warning("%d kiosk(s) went silent", flagged)
            except Exception:
                log.exception("kiosk check failed")

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.run_forever(), name="kiosk-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
