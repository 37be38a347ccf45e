"""Admin pages for managers: routing rules (and the dry run)."""

from __future__ import annotations

from typing import Any

from quart import Blueprint

from hub.accounts.model import Role
from hub.container import hub
from hub.notify.channels import unconfigured
from hub.routes.auth import tenant_id
from hub.routes.pages import render_page, staff_page
from hub.tickets.place_names import labelled_with_establishment

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/rules")
@staff_page(Role.manager)
async def rules_page() -> Any:
    """Edit routing rules and try them on a sample SOS."""
    tid = tenant_id()
    points = await hub().accounts.points(tid)
    departments = await hub().accounts.departments(tid)
    establishments = await hub().setup.places(tid, "establishments")
    names = await hub().setup.establishment_names(tid)  # two "Barra": say whose
    return await render_page(
        "admin/rules.html",
        points=[
            {**p, "label": labelled_with_establishment(p["label"], p.get("establishment"), names)}
            for p in points
        ],
        departments=departments,
        establishments=establishments,
        unconfigured=unconfigured(hub().settings),
    )
