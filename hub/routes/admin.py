"""Admin pages for managers: routing rules (and the dry run)."""

from __future__ import annotations

from typing import Any

from quart import Blueprint

from hub.accounts.model import Role
from hub.container import hub
from hub.routes.auth import tenant_id
from hub.routes.pages import render_page, staff_page

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/rules")
@staff_page(Role.manager)
async def rules_page() -> Any:
    """Edit routing rules and try them on a sample SOS."""
    points = await hub().accounts.points(tenant_id())
    departments = await hub().accounts.departments(tenant_id())
    return await render_page("admin/rules.html", points=points, departments=departments)
