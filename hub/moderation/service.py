"""The moderation use cases on the hub's store: filter settings, blocked senders, masking.

Routes call these instead of the store; the functions they wrap stay usable on their own
(the guard and the tests call them with a store).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.moderation.blocks import add_block, list_blocks, remove_block
from hub.moderation.masking import viewer_mask
from hub.moderation.settings import load_config, save_config
from hub.ports import Doc, Store
from hub.tickets.filters import FilterConfig


class Moderation:
    """A business's filters, blocks and how each staff member sees offensive words."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def settings(self, tenant_id: str) -> FilterConfig:
        return await load_config(self.store, tenant_id)

    async def save_settings(self, tenant_id: str, config: FilterConfig, by: str | None) -> None:
        await save_config(self.store, tenant_id, config, by)

    async def blocks(self, tenant_id: str) -> list[Doc]:
        """Blocked senders, newest first (expired ones too)."""
        return await list_blocks(self.store, tenant_id)

    async def block(
        self,
        tenant_id: str,
        kind: str,
        value: str,
        *,
        by: Doc,
        expires_in_hours: float | None = None,
        note: str | None = None,
        ticket: Doc | None = None,
    ) -> Doc:
        return await add_block(
            self.store,
            tenant_id,
            kind,
            value,
            by=by,
            expires_in_hours=expires_in_hours,
            note=note,
            ticket=ticket,
        )

    async def unblock(self, tenant_id: str, block_id: str) -> None:
        await remove_block(self.store, tenant_id, block_id)

    async def viewer_mask(self, user: Doc) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """How this staff user sees ticket text: masked for agents when the business asks."""
        return await viewer_mask(self.store, user)
