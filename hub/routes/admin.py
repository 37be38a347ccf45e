"""Admin pages for managers: routing rules (and the dry run)."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, make_response, redirect, render_template

from hub.accounts.model import Role
from hub.container import hub
from hub.routes.auth import current_staff

bp = Blueprint("admin", __name__, url_prefix="/admin")


async def manager_page(template: str, **context: Any) -> Any:
    """Render an admin page for a manager or admin; log in first, agents get a 403 page."""
    user = await current_staff()
    if user is None:
        return redirect(f"/login?next=/admin/{template.split('/')[-1].removesuffix('.html')}")
    if not Role(user["role"]).allows(Role.manager):
        html = await render_template(
            "error.html", status=403, message="This page is for managers."
        )
        return await make_response(html, 403)
    tenant = await hub().store.get(user["tenant_id"], "tenants", user["tenant_id"])
    return await render_template(template, user=user, tenant=tenant, **context)


@bp.get("/rules")
async def rules_page() -> Any:
    """Edit routing rules and try them on a sample SOS."""
    user = await current_staff()
    points: list[Any] = []
    departments: list[Any] = []
    if user is not None:
        points = await hub().store.find(user["tenant_id"], "points", sort="code")
        departments = await hub().store.find(user["tenant_id"], "departments", sort="name")
    return await manager_page("admin/rules.html", points=points, departments=departments)
