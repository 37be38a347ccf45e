"""Which establishment a point is in, said only when the business has several.

A restaurant group has a "Barra" in each restaurant: staff must tell them apart wherever a
point is named. A business with one establishment (or none) names no establishment: it
would add nothing, so its pages look as they always have.
"""

from __future__ import annotations

from collections.abc import Mapping

from hub.ports import Store

SEPARATOR = " · "  # as e-mail alerts name the place (hub/notify/render.py place_of)


async def establishment_names(store: Store, tenant_id: str) -> dict[str, str]:
    """slug → name of this tenant's establishments; empty when it has fewer than two."""
    found = await store.find(tenant_id, "establishments", sort="name")
    if len(found) < 2:
        return {}
    return {e["slug"]: str(e.get("name") or e["slug"]) for e in found}


def labelled_with_establishment(label: str, slug: str | None, names: Mapping[str, str]) -> str:
    """ "Barra · Sabores Playa": the point's label, then its establishment's name when the
    business has several (`names` from establishment_names) and the point is in one."""
    name = names.get(slug or "")
    return f"{label}{SEPARATOR}{name}" if name else label


__all__ = ["SEPARATOR", "establishment_names", "labelled_with_establishment"]
