"""Can the store take a write right now? The health check's question, asked of the store.

"ok" must mean an SOS would be stored, so the store is probed with a read and a small
write (a counter outside every tenant), each bounded in time.
"""

from __future__ import annotations

import asyncio
import logging

from hub.ports import Store

PROBE_TENANT = "_healthz"  # not a tenant: no tenant listing or sweep ever sees it
log = logging.getLogger(__name__)


class StoreProbe:
    """Asks the store for a read and a write, within `timeout` seconds."""

    def __init__(self, store: Store, timeout: float) -> None:
        self.store = store
        self.timeout = timeout

    @property
    def kind(self) -> str:
        """ "sqlite" or "mongodb"."""
        return self.store.kind

    async def problem(self) -> str | None:
        """None when the store answered a read and a write in time; else what went wrong."""
        try:
            async with asyncio.timeout(self.timeout):
                await self.store.latest_seq(PROBE_TENANT)
                await self.store.next_value(PROBE_TENANT, "probe")
        except TimeoutError:
            return "the store did not answer in time"
        except Exception as exc:
            log.warning("health probe of the store failed: %r", exc)
            return "the store cannot take writes now"
        return None
