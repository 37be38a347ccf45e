"""The set-up API under /api/v1: the business's settings, establishments, departments and
access points. Managers change them; any staff member may read the lists (the console
filters by point and department).

Deleting an establishment or department that something still uses (a point, a kiosk, a
routing rule) is a 409 saying what: move those first. Deleting a point deactivates it:
its page says it is not in use, and its tickets stay.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint
from quart_schema import validate_request

from hub.accounts.business import tenant_settings
from hub.accounts.model import Role
from hub.accounts.services import point_json
from hub.accounts.setup import place_json
from hub.container import hub
from hub.ports import Doc
from hub.routes.auth import staff_required, tenant_id
from hub.routes.openapi import fails, responds
from hub.routes.setup_schemas import (
    DepartmentIn,
    EstablishmentIn,
    PointIn,
    PointPatch,
    TenantPatch,
)

bp = Blueprint("setup", __name__, url_prefix="/api/v1")


def _point(doc: Doc) -> dict[str, Any]:
    return point_json(doc, hub().settings.public_url)


# ---- The business --------------------------------------------------------------------


@bp.get("/tenant")
@staff_required(Role.manager)
async def get_tenant() -> Any:
    """The business's settings."""
    return tenant_settings(await hub().setup.business(tenant_id()))


@bp.patch("/tenant")
@staff_required(Role.manager)
@validate_request(TenantPatch)
async def patch_tenant(data: TenantPatch) -> Any:
    """Change the business's settings; the next SOS, SMS and page use them."""
    return tenant_settings(await hub().setup.change_business(tenant_id(), data.changes()))


# ---- Establishments and departments ----------------------------------------------------


async def _list(collection: str) -> Any:
    docs = await hub().setup.places(tenant_id(), collection)
    return {"items": [place_json(d, collection) for d in docs]}


async def _add(collection: str, fields: dict[str, Any]) -> Any:
    return place_json(await hub().setup.add_place(tenant_id(), collection, fields), collection), 201


async def _change(collection: str, slug: str, fields: dict[str, Any]) -> Any:
    doc = await hub().setup.change_place(tenant_id(), collection, slug, fields)
    return place_json(doc, collection)


async def _remove(collection: str, slug: str) -> Any:
    await hub().setup.remove_place(tenant_id(), collection, slug)
    return "", 204


@bp.get("/establishments")
@staff_required()
async def list_establishments() -> Any:
    return await _list("establishments")


@bp.post("/establishments")
@responds(201)
@staff_required(Role.manager)
@validate_request(EstablishmentIn)
async def add_establishment(data: EstablishmentIn) -> Any:
    """A new establishment (its slug comes from its name unless given)."""
    return await _add("establishments", data.given())


@bp.patch("/establishments/<slug>")
@staff_required(Role.manager)
@validate_request(EstablishmentIn)
async def change_establishment(slug: str, data: EstablishmentIn) -> Any:
    """Rename an establishment, or change its colour or address (null clears them)."""
    return await _change("establishments", slug, data.given("brand_color", "address"))


@bp.delete("/establishments/<slug>")
@responds(204)
@staff_required(Role.manager)
async def remove_establishment(slug: str) -> Any:
    """Delete an establishment no point or rule uses (409 naming what still does)."""
    return await _remove("establishments", slug)


@bp.get("/departments")
@staff_required()
async def list_departments() -> Any:
    return await _list("departments")


@bp.post("/departments")
@responds(201)
@staff_required(Role.manager)
@validate_request(DepartmentIn)
async def add_department(data: DepartmentIn) -> Any:
    """A new department, named in each of the business's languages."""
    return await _add("departments", data.given())


@bp.patch("/departments/<slug>")
@staff_required(Role.manager)
@validate_request(DepartmentIn)
async def change_department(slug: str, data: DepartmentIn) -> Any:
    """Rename a department (`names` replaces its names in every language at once)."""
    return await _change("departments", slug, data.given())


@bp.delete("/departments/<slug>")
@responds(204)
@staff_required(Role.manager)
async def remove_department(slug: str) -> Any:
    """Delete a department no point, kiosk or rule uses (409 naming what still does)."""
    return await _remove("departments", slug)


# ---- Access points -----------------------------------------------------------------------


@bp.get("/points")
@staff_required()
async def list_points() -> Any:
    """The business's access points, active or not, by code."""
    return {"items": [_point(d) for d in await hub().setup.points(tenant_id())]}


@bp.post("/points")
@responds(201)
@fails({409: "code: an access point of this business already has it."})
@staff_required(Role.manager)
@validate_request(PointIn)
async def add_point(data: PointIn) -> Any:
    """A new access point; its `url` is what its QR code opens."""
    return _point(await hub().setup.add_point(tenant_id(), data.given())), 201


@bp.get("/points/<code>")
@staff_required()
async def get_point(code: str) -> Any:
    return _point(await hub().setup.point(tenant_id(), code))


@bp.patch("/points/<code>")
@staff_required(Role.manager)
@validate_request(PointPatch)
async def change_point(code: str, data: PointPatch) -> Any:
    """Relabel, move, change the kind, or reactivate (`"active": true`) a point."""
    fields = data.given("department", "establishment")
    return _point(await hub().setup.change_point(tenant_id(), code, fields))


@bp.delete("/points/<code>")
@responds(204)
@staff_required(Role.manager)
async def deactivate_point(code: str) -> Any:
    """Deactivate a point: its QR page says it is not in use; its tickets stay."""
    await hub().setup.deactivate_point(tenant_id(), code)
    return "", 204
