"""Each business's filter settings, kept in the store (the defaults until it saves its own)."""

from __future__ import annotations

from hub import clock
from hub.ports import Store
from hub.tickets.filters import FilterConfig


def config_id(tenant_id: str) -> str:
    """Config ids are unique across tenants in the store, so the tenant is part of it."""
    return f"filters:{tenant_id}"


async def load_config(store: Store, tenant_id: str) -> FilterConfig:
    """The tenant's filter settings (defaults when never saved)."""
    return FilterConfig.from_doc(await store.get(tenant_id, "configs", config_id(tenant_id)))


async def save_config(
    store: Store, tenant_id: str, config: FilterConfig, by: str | None
) -> FilterConfig:
    """Store the tenant's filter settings, replacing the previous ones."""
    fields = {**config.to_doc(), "kind": "filters", "updated_at": clock.now_iso(), "updated_by": by}
    if await store.update(tenant_id, "configs", config_id(tenant_id), fields) is None:
        await store.insert(tenant_id, "configs", {"id": config_id(tenant_id), **fields})
    return config
