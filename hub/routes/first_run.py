"""First run: the /admin/start checklist page, its JSON twin, and where a login lands.

A manager of a business still setting up lands on /admin/start after logging in (unless a
page was asked for); agents always land on the console. The console shows managers a
small "finish setting up (3/7)" link while steps are left.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint

from hub.accounts.first_run import Checklist
from hub.accounts.model import Role
from hub.container import hub
from hub.ports import Doc
from hub.routes.auth import staff, staff_required, tenant_id
from hub.routes.pages import address_warning, page_tenant, render_page, staff_page

bp = Blueprint("first_run", __name__)

START = "/admin/start"
CONSOLE = "/console"


async def _checklist(tenant: Doc, user: Doc) -> Checklist:
    """The business's checklist, with the links `user`'s role can follow."""
    return await hub().first_run.checklist(tenant, Role(user["role"]))


async def landing(user: Doc) -> str:
    """Where a login lands when no page was asked for."""
    if not Role(user["role"]).allows(Role.manager):
        return CONSOLE
    tenant = await hub().accounts.tenant(user["tenant_id"])
    if tenant is None or (await _checklist(tenant, user)).settled:
        return CONSOLE
    return START


async def setup_nudge(user: Doc, tenant: Doc | None) -> dict[str, Any] | None:
    """What the console's "finish setting up" link shows a manager; None once all is done."""
    if tenant is None:
        return None
    found = await _checklist(tenant, user)
    return None if found.complete else {"done": found.done, "total": found.total}


@bp.get(START)
@staff_page(Role.manager)
async def start_page() -> Any:
    """The checklist: each step ticked from the business's own data."""
    found = await _checklist(page_tenant(), staff())
    return await render_page("admin/start.html", checklist=found, address_warning=address_warning())


@bp.get("/api/v1/setup/checklist")
@staff_required(Role.manager)
async def checklist_api() -> Any:
    """`{"steps": [{"key", "done", "url", "warning"}], "done", "total", "complete"}` for this
    business; `url` is null on a step the caller's role cannot do (a manager's "staff");
    `warning` says why a step cannot be done yet: on "print", `this_computer` or
    `local_network` while guests' phones cannot open the hub's public address."""
    tenant = await hub().accounts.tenant(tenant_id())
    return (await _checklist(tenant or {"id": tenant_id()}, staff())).to_json()
