"""Setup: a manager's changes to the business, its establishments, departments and points.

Every method is scoped to one tenant. A change is checked whole before anything is
written, so a refused request leaves nothing behind: a point naming an unknown department
is refused (400 naming `department`), never created with a new department on the side.
Codes and slugs never change once made (printed QR codes and rules carry them); points
are deactivated, not deleted, so their tickets keep their place. Kiosk screens show names,
labels and languages, so they are told after each change (`on_change`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from hub.accounts.business import (
    NAME_MAX,
    business_languages,
    check_color,
    check_name,
    main_and_names,
    refused,
    settings_changes,
)
from hub.accounts.first_run import SETTINGS_SAVED_AT
from hub.accounts.model import check_code, check_kind, check_slug, slugify
from hub.clock import new_id, now_iso
from hub.errors import Conflicting, NotFound
from hub.ports import Conflict, Doc, Store
from hub.tickets import places
from hub.tickets.place_names import establishment_names

LABEL_MAX = 120
ADDRESS_MAX = 300
# The two kinds of place a point belongs to: collection → the field naming one.
PLACES = {"departments": "department", "establishments": "establishment"}


def place_json(doc: Doc, collection: str) -> dict[str, Any]:
    """A department (`slug`, `name`, `names`) or an establishment (`slug`, `name`,
    `brand_color`, `address`) as the API shows it."""
    out: dict[str, Any] = {"slug": doc["slug"], "name": doc["name"]}
    if collection == "departments":
        out["names"] = dict(doc.get("names") or {})
    else:
        out["brand_color"] = doc.get("brand_color")
        out["address"] = doc.get("address")
    return out


def _kept_names(current: Doc | None, key: str, languages: list[str]) -> dict[str, Any]:
    """The stored texts per language still among the business's languages."""
    stored: Mapping[str, Any] = (current or {}).get(key) or {}
    return {lang: text for lang, text in stored.items() if lang in languages}


def _texts(
    fields: Mapping[str, Any],
    current: Doc | None,
    languages: list[str],
    *,
    field: str,
    names_field: str,
) -> tuple[str, dict[str, str]]:
    """The main text and the texts per language after this change (see `main_and_names`)."""
    names = _kept_names(current, names_field, languages)
    if fields.get(names_field) is not None:
        names = dict(fields[names_field])  # a new set replaces the old one whole
    main = fields.get(field)
    if main is None and current is not None and not names.get(languages[0]):
        main = current.get(field)
    return main_and_names(
        main, names, languages, field=field, names_field=names_field, limit=LABEL_MAX
    )


def _unchanged_key(fields: Mapping[str, Any], current: Doc, key: str, why: str) -> None:
    if fields.get(key) is not None and fields[key] != current[key]:
        raise refused(key, f"cannot change: {why}")


class Setup:
    """The business's set-up on the hub's store; `on_change(tenant_id)` after each change."""

    def __init__(self, store: Store, on_change: Callable[[str], Awaitable[None]]) -> None:
        self.store = store
        self.on_change = on_change

    # ---- The business ---------------------------------------------------------------

    async def business(self, tenant_id: str) -> Doc:
        tenant = await self.store.get(tenant_id, "tenants", tenant_id)
        if tenant is None:
            raise refused("tenant", "no such business", NotFound)
        return tenant

    async def change_business(self, tenant_id: str, fields: Mapping[str, Any]) -> Doc:
        """Change the settings present in `fields` (checked together, stored at once)."""
        tenant = await self.business(tenant_id)
        changes = settings_changes(tenant, fields)
        if not changes:
            if tenant.get(SETTINGS_SAVED_AT):
                return tenant
            # saved as they were: the first-run checklist's first step is still done
            return (
                await self.store.update(
                    tenant_id, "tenants", tenant_id, {SETTINGS_SAVED_AT: now_iso()}
                )
                or tenant
            )
        changes["updated_at"] = changes[SETTINGS_SAVED_AT] = now_iso()
        updated = await self.store.update(tenant_id, "tenants", tenant_id, changes)
        if updated is None:
            raise refused("tenant", "no such business", NotFound)
        if changes.get("language", tenant.get("language")) != tenant.get("language"):
            await self._follow_main_language(tenant_id, str(changes["language"]))
        await self.on_change(tenant_id)
        return updated

    async def _follow_main_language(self, tenant_id: str, lang: str) -> None:
        """A new main language: department names and point labels written in it lead."""
        for collection, main, names in (
            ("departments", "name", "names"),
            ("points", "label", "labels"),
        ):
            for doc in await self.store.find(tenant_id, collection):
                text = (doc.get(names) or {}).get(lang)
                if text and text != doc.get(main):
                    await self.store.update(tenant_id, collection, doc["id"], {main: text})

    # ---- Establishments and departments ---------------------------------------------

    async def places(self, tenant_id: str, collection: str) -> list[Doc]:
        return await self.store.find(tenant_id, collection, sort="name")

    async def establishment_names(self, tenant_id: str) -> dict[str, str]:
        """slug → name of the establishments, empty unless there are several: pages name
        a point's establishment beside it only then (hub/tickets/place_names.py)."""
        return await establishment_names(self.store, tenant_id)

    async def place(self, tenant_id: str, collection: str, slug: str) -> Doc:
        """This tenant's department or establishment `slug` (NotFound naming it)."""
        found = await self.store.find(tenant_id, collection, {"slug": slug}, limit=1)
        if not found:
            raise refused("slug", f"no {PLACES[collection]} {slug[:64]!r}", NotFound)
        return found[0]

    async def _place_fields(
        self, tenant: Doc, collection: str, fields: Mapping[str, Any], current: Doc | None
    ) -> Doc:
        out: Doc = {}
        if collection == "departments":
            if current is None or {"name", "names"} & fields.keys():
                out["name"], out["names"] = _texts(
                    fields, current, business_languages(tenant), field="name", names_field="names"
                )
            return out
        if current is None or fields.get("name") is not None:
            out["name"] = check_name(fields.get("name") or "", "name", LABEL_MAX)
        if "brand_color" in fields:
            color = fields["brand_color"]
            out["brand_color"] = check_color(str(color)) if color else None
        if "address" in fields:
            address = " ".join(str(fields["address"] or "").split())
            if len(address) > ADDRESS_MAX:
                raise refused("address", f"at most {ADDRESS_MAX} characters")
            out["address"] = address or None
        return out

    async def add_place(self, tenant_id: str, collection: str, fields: Mapping[str, Any]) -> Doc:
        """A new department or establishment; its slug (from its name when not given) is
        unique in the business (409 naming `slug`)."""
        tenant = await self.business(tenant_id)
        checked = await self._place_fields(tenant, collection, fields, None)
        slug = check_slug(str(fields.get("slug") or slugify(checked["name"])))
        now = now_iso()
        doc = {"id": new_id(), "slug": slug, **checked, "created_at": now, "updated_at": now}
        try:
            created = await self.store.insert(tenant_id, collection, doc)
        except Conflict:
            raise refused(
                "slug",
                f"another {PLACES[collection]} has the slug {slug!r}: choose another",
                Conflicting,
            ) from None
        await self.on_change(tenant_id)
        return created

    async def change_place(
        self, tenant_id: str, collection: str, slug: str, fields: Mapping[str, Any]
    ) -> Doc:
        """Rename a department or establishment (its slug stays: points and rules use it)."""
        tenant = await self.business(tenant_id)
        current = await self.place(tenant_id, collection, slug)
        _unchanged_key(fields, current, "slug", "points and routing rules refer to it")
        changes = await self._place_fields(tenant, collection, fields, current)
        changes["updated_at"] = now_iso()
        updated = await self.store.update(tenant_id, collection, current["id"], changes)
        if updated is None:
            raise refused("slug", f"no {PLACES[collection]} {slug!r}", NotFound)
        if updated["name"] != current["name"]:
            await self._rename_on_points(tenant_id, collection, updated)
        await self.on_change(tenant_id)
        return updated

    async def _rename_on_points(self, tenant_id: str, collection: str, place: Doc) -> None:
        """Points keep their place's name beside its slug: keep it true."""
        key = PLACES[collection]
        for point in await self.store.find(tenant_id, "points", {key: place["slug"]}):
            await self.store.update(
                tenant_id, "points", point["id"], {f"{key}_name": place["name"]}
            )

    async def remove_place(self, tenant_id: str, collection: str, slug: str) -> None:
        """Delete a department or establishment nothing uses; 409 saying what still does."""
        place = await self.place(tenant_id, collection, slug)
        users = await self._users_of(tenant_id, collection, slug)
        if users:
            raise refused(
                PLACES[collection],
                f"{PLACES[collection]} {slug!r} is still used by {'; '.join(users)}:"
                " move or change them first",
                Conflicting,
            )
        await self.store.delete(tenant_id, collection, place["id"])
        await self.on_change(tenant_id)

    async def _users_of(self, tenant_id: str, collection: str, slug: str) -> list[str]:
        """What refers to this place: points (active or not), kiosks, routing rules."""
        key = PLACES[collection]
        out: list[str] = []
        points = await self.store.find(tenant_id, "points", {key: slug}, sort="code")
        if points:
            out.append("access points " + ", ".join(p["code"] for p in points[:10]))
        if collection == "departments":
            kiosks = [
                k["name"]
                for k in await self.store.find(tenant_id, "kiosks")
                if slug in (k.get("departments") or [])
            ]
            if kiosks:
                out.append("kiosks " + ", ".join(kiosks[:10]))
        rules = [
            r["name"]
            for r in await self.store.find(tenant_id, "rules")
            if slug in ((r.get("match") or {}).get(collection) or [])
        ]
        if rules:
            out.append("routing rules " + ", ".join(rules[:10]))
        return out

    # ---- Access points ---------------------------------------------------------------

    async def points(self, tenant_id: str) -> list[Doc]:
        return await self.store.find(tenant_id, "points", sort="code")

    async def point(self, tenant_id: str, code: str) -> Doc:
        """This tenant's point `code`; another business's is NotFound too."""
        found = await self.store.find(tenant_id, "points", {"code": code}, limit=1)
        if not found:
            raise refused("code", f"no access point {code[:64]!r}", NotFound)
        return found[0]

    async def _place_slug(self, tenant_id: str, collection: str, slug: Any) -> Doc:
        """`{field: slug, field_name: name}` for a point's place (None clears it); an unknown
        slug is refused naming the field, never created."""
        key = PLACES[collection]
        if slug in (None, ""):
            return {key: None, f"{key}_name": None}
        found = await self.store.find(tenant_id, collection, {"slug": str(slug)}, limit=1)
        if not found:
            raise refused(key, f"no {key} {str(slug)[:64]!r} in this business: create it first")
        return {key: found[0]["slug"], f"{key}_name": found[0]["name"]}

    async def _point_fields(
        self, tenant: Doc, fields: Mapping[str, Any], current: Doc | None
    ) -> Doc:
        out: Doc = {}
        if current is None or {"label", "labels"} & fields.keys():
            out["label"], out["labels"] = _texts(
                fields, current, business_languages(tenant), field="label", names_field="labels"
            )
        if current is None or fields.get("kind") is not None:
            out["kind"] = check_kind(str(fields.get("kind") or "poster"))
        for collection, key in PLACES.items():
            if key in fields:
                out |= await self._place_slug(tenant["id"], collection, fields[key])
        if fields.get("active") is not None:
            out["active"] = bool(fields["active"])
        return out

    async def add_point(self, tenant_id: str, fields: Mapping[str, Any]) -> Doc:
        """A new access point; its code is unique across the hub (409 naming `code`)."""
        tenant = await self.business(tenant_id)
        code = check_code(str(fields.get("code") or ""))
        checked = await self._point_fields(tenant, fields, None)
        now = now_iso()
        doc: Doc = {
            "id": new_id(),
            "code": code,
            "department": None,
            "department_name": None,
            "establishment": None,
            "establishment_name": None,
            "active": True,
            **checked,
            "created_at": now,
            "updated_at": now,
        }
        try:
            created = await self.store.insert(tenant_id, "points", doc)
        except Conflict:
            raise refused(
                "code", f"the code {code!r} is taken: choose another", Conflicting
            ) from None
        await self.on_change(tenant_id)
        return created

    async def change_point(self, tenant_id: str, code: str, fields: Mapping[str, Any]) -> Doc:
        """Relabel, move (department, establishment), change the kind, or (re)activate."""
        tenant = await self.business(tenant_id)
        current = await self.point(tenant_id, code)
        _unchanged_key(fields, current, "code", "printed QR codes carry it")
        changes = await self._point_fields(tenant, fields, current)
        return await self._save_point(tenant_id, current, changes)

    async def deactivate_point(self, tenant_id: str, code: str) -> Doc:
        """Stop taking SOS at this point: its page says so; its tickets stay as they are."""
        current = await self.point(tenant_id, code)
        return await self._save_point(tenant_id, current, {"active": False})

    async def _save_point(self, tenant_id: str, current: Doc, changes: Doc) -> Doc:
        changes["updated_at"] = now_iso()
        updated = await self.store.update(tenant_id, "points", current["id"], changes)
        if updated is None:
            raise refused("code", f"no access point {current['code']!r}", NotFound)
        if updated.get("establishment") and updated["establishment"] != current.get(
            "establishment"
        ):
            # its tickets sent before are counted and filtered by the stored field
            await places.settle(self.store, tenant_id, str(updated["code"]))
        await self.on_change(tenant_id)
        return updated


__all__ = ["ADDRESS_MAX", "LABEL_MAX", "NAME_MAX", "PLACES", "Setup", "place_json"]
