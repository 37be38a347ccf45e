"""A business's triage settings in the store: its own word lists and its reply targets.

Word lists are a `configs` document (`triage:<tenant>`); the tenant carries
`triage_version`, changed on every save, so intake (which has the tenant already) finds
its compiled classifier in this process's cache without reading the store, and every
hub process sees a change on the next SOS. Reply targets live on the tenant
(`reply_targets`), next to the `sla_hours` promise they refine.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from hub.clock import new_id, now_iso
from hub.ports import Doc, Store
from hub.tickets.targets import check_targets
from hub.tickets.triage import Classifier, Keywords, check_keywords, default_classifier

CACHED = 256  # compiled classifiers kept (businesses with their own words)


def config_id(tenant_id: str) -> str:
    return f"triage:{tenant_id}"


class TriageSettings:
    """Read and save a business's word lists and targets; its classifier, cached."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: OrderedDict[tuple[str, str], Classifier] = OrderedDict()

    async def keywords(self, tenant_id: str) -> Keywords:
        """The business's own lists (empty until it saves some)."""
        return Keywords.from_doc(await self.store.get(tenant_id, "configs", config_id(tenant_id)))

    async def save_keywords(
        self, tenant: Doc, keywords: dict[str, Any], ignore: dict[str, Any], by: str
    ) -> Keywords:
        """Check and store the business's lists whole (Invalid names the wrong entry)."""
        checked = check_keywords(keywords, ignore)
        tenant_id = tenant["id"]
        fields = {**checked.to_doc(), "kind": "triage", "updated_at": now_iso(), "updated_by": by}
        if await self.store.update(tenant_id, "configs", config_id(tenant_id), fields) is None:
            await self.store.insert(tenant_id, "configs", {"id": config_id(tenant_id), **fields})
        await self.store.update(tenant_id, "tenants", tenant_id, {"triage_version": new_id()})
        return checked

    async def save_targets(self, tenant: Doc, raw: dict[str, Any]) -> Doc:
        """Replace the business's reply targets (minutes per category or group)."""
        targets = check_targets(raw)
        doc = await self.store.update(
            tenant["id"], "tenants", tenant["id"], {"reply_targets": targets}
        )
        return doc or {**tenant, "reply_targets": targets}

    async def classifier(self, tenant: Doc) -> Classifier:
        """The classifier for this business's current lists (the built-in one if it has none)."""
        version = tenant.get("triage_version")
        if not version:
            return default_classifier()
        key = (str(tenant["id"]), str(version))
        found = self._cache.get(key)
        if found is None:
            found = Classifier(await self.keywords(tenant["id"]))
            self._cache[key] = found
            while len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return found

    async def suggest(self, tenant: Doc, text: str, *, insulted: bool = False) -> str | None:
        """The category this business's lists suggest for `text`."""
        return (await self.classifier(tenant)).suggest(text, insulted=insulted)
