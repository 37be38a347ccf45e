"""/api/v1/alerts: threshold alerts (manager), and the /admin/alerts page to edit them."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from quart import Blueprint
from quart_schema import validate_request

from hub.accounts.model import Role
from hub.alerts.book import AlertBook
from hub.alerts.model import (
    COUNT_MAX,
    COUNT_MIN,
    MINUTES_MAX,
    MINUTES_MIN,
    NAME_MAX,
    RECIPIENTS_MAX,
    alert_json,
)
from hub.container import hub
from hub.routes.auth import staff_required, tenant_id
from hub.routes.bodies import Body, Flag
from hub.routes.openapi import responds
from hub.routes.pages import render_page, staff_page
from hub.routes.rules import RecipientIn

bp = Blueprint("alerts", __name__)


class AlertIn(Body):
    """A threshold alert, whole (PUT replaces it): `count` SOS within `minutes` at `point`
    and/or of `category` (null: any) tell `recipients` once per burst."""

    id: str | None = Field(default=None, max_length=64)  # ignored: the path names it
    name: str = Field(default="", max_length=NAME_MAX)
    point: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=40)
    count: int = Field(ge=COUNT_MIN, le=COUNT_MAX)
    minutes: int = Field(ge=MINUTES_MIN, le=MINUTES_MAX)
    recipients: list[RecipientIn] = Field(min_length=1, max_length=RECIPIENTS_MAX)
    active: Flag = True

    def fields(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"id"})


def _book() -> AlertBook:
    return hub().alerts


@bp.get("/api/v1/alerts")
@staff_required(Role.manager)
async def list_alerts() -> Any:
    return {"items": [alert_json(d) for d in await _book().all(tenant_id())]}


@bp.post("/api/v1/alerts")
@responds(201)
@staff_required(Role.manager)
@validate_request(AlertIn)
async def create_alert(data: AlertIn) -> Any:
    """A new alert; a bad field (a zero count, an unknown point) is a 400 naming it."""
    return alert_json(await _book().create(tenant_id(), data.fields())), 201


@bp.get("/api/v1/alerts/<alert_id>")
@staff_required(Role.manager)
async def get_alert(alert_id: str) -> Any:
    return alert_json(await _book().get(tenant_id(), alert_id))


@bp.put("/api/v1/alerts/<alert_id>")
@staff_required(Role.manager)
@validate_request(AlertIn)
async def replace_alert(alert_id: str, data: AlertIn) -> Any:
    return alert_json(await _book().replace(tenant_id(), alert_id, data.fields()))


@bp.delete("/api/v1/alerts/<alert_id>")
@responds(204)
@staff_required(Role.manager)
async def delete_alert(alert_id: str) -> Any:
    await _book().delete(tenant_id(), alert_id)
    return "", 204


@bp.get("/admin/alerts")
@staff_page(Role.manager)
async def alerts_page() -> Any:
    """Create, change and delete threshold alerts; see when each last fired."""
    points = await hub().accounts.points(tenant_id())
    return await render_page(
        "admin/alerts.html",
        points=[p for p in points if p.get("active") is not False],
        limits={
            "count_min": COUNT_MIN,
            "count_max": COUNT_MAX,
            "minutes_min": MINUTES_MIN,
            "minutes_max": MINUTES_MAX,
        },
    )
