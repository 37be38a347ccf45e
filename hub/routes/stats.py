"""GET /api/v1/stats: counts and response times for managers (hub.tickets.stats)."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from quart import Blueprint
from quart_schema import validate_querystring

from hub import clock
from hub.accounts.model import Role
from hub.app import hub
from hub.errors import NotFound
from hub.routes.auth import staff_required, tenant_id
from hub.routes.schemas import _Strict
from hub.tickets.stats import GroupBy, asked_period, ticket_stats

bp = Blueprint("stats", __name__)


class StatsQuery(_Strict):
    from_: str | None = Field(default=None, alias="from", max_length=40)
    to: str | None = Field(default=None, max_length=40)
    by: GroupBy = "status"


@bp.get("/api/v1/stats")
@staff_required(Role.manager)
@validate_querystring(StatsQuery)
async def stats(query_args: StatsQuery) -> Any:
    """Tickets created in [from, to) grouped `by`: counts, first-response and resolution times.

    `from`/`to` are dates (the business's local days, `to` included) or date-times; by
    default the last 30 days. Times are in minutes; `within_sla` counts those within the
    business's promise (`sla_hours`, 48 by default). Held-back SOS are only counted.
    """
    store = hub().store
    tenant = await store.get(tenant_id(), "tenants", tenant_id())
    if tenant is None:
        raise NotFound("no such business")
    period = asked_period(
        clock.now(), str(tenant.get("timezone") or "UTC"), query_args.from_, query_args.to
    )
    return await ticket_stats(store, tenant, period, query_args.by)
