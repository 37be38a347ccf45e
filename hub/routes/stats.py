"""Statistics for managers (hub.tickets.stats): GET /api/v1/stats and the /admin/stats page."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field
from quart import Blueprint, make_response, request
from quart_schema import validate_querystring

from hub import clock
from hub.accounts.model import Role
from hub.container import hub
from hub.errors import Invalid, NotFound
from hub.http.recent import WINDOW_SECONDS
from hub.i18n import gettext as _
from hub.routes.auth import staff_required, tenant_id
from hub.routes.bodies import QueryArgs
from hub.routes.pages import page_tenant, render_page, staff_page
from hub.routes.stats_dashboard import Asked, ask, dashboard, presets, shown_period
from hub.tickets.stats import GROUPINGS, MAX_DAYS, YEARS, GroupBy

bp = Blueprint("stats", __name__)


class StatsQuery(QueryArgs):
    from_: str | None = Field(default=None, alias="from", max_length=40)
    to: str | None = Field(default=None, max_length=40)
    by: GroupBy = "status"


@bp.get("/api/v1/stats")
@staff_required(Role.manager)
@validate_querystring(StatsQuery)
async def stats(query_args: StatsQuery) -> Any:
    """Tickets created in [from, to) grouped `by`: counts, first-response and resolution times.

    `from`/`to` are dates (the business's local days, `to` included) or date-times; by
    default the last 30 of the business's days up to today, whole local days, the period
    /admin/stats shows (so the page and this answer agree). The answer's `from` and `to`
    (ISO UTC, `to` excluded) say which period was counted. Times are in minutes;
    `within_sla` counts those within the business's promise (`sla_hours`, 48 by default).
    Held-back SOS are only counted.
    `by=point`: each group (and `overall`) carries `scans`, the openings of the point's page
    on the local days that begin in the period (`scan_days`), and `conversion`, QR SOS per
    scan (null without scans); points scanned without an SOS are listed too.
    `by=establishment`: grouped by the establishment the point belonged to at intake.
    `promise`: answered in time as the statistics page and the operator's overview show it
    (`sos`, `due`: answered or past the promise, `answered_in_time`, `share_in_time` of the
    due, null while none is due); every group (and `overall`) carries its own `promise` of
    the same shape, so a group's share reads as the page's tables show it. The groups'
    `first_response.within_sla` counts stay out of all their SOS (a fresh one included).
    """
    tenant = await hub().accounts.tenant(tenant_id())
    if tenant is None:
        raise NotFound("no such business")
    now = clock.now()
    period, _start, _end = shown_period(
        now, str(tenant.get("timezone") or "UTC"), query_args.from_, query_args.to
    )
    report = await hub().stats.report(tenant, period, query_args.by, now)
    return {**report, "promise": report["overall"]["promise"]}


class PeriodQuery(QueryArgs):
    from_: str | None = Field(default=None, alias="from", max_length=40)
    to: str | None = Field(default=None, max_length=40)


@bp.get("/api/v1/stats/etiquette")
@staff_required(Role.manager)
@validate_querystring(PeriodQuery)
async def etiquette_stats(query_args: PeriodQuery) -> Any:
    """Per agent: replies sent in [from, to) and the share of them covering each step of the
    reply etiquette (greet, introduce, acknowledge, answer, closing check, farewell, survey).

    `from`/`to` as in /api/v1/stats (local days or date-times; default the last 30 of the
    business's days up to today, the period /admin/stats shows).
    """
    tenant = await hub().accounts.tenant(tenant_id())
    if tenant is None:
        raise NotFound("no such business")
    period, _start, _end = shown_period(
        clock.now(), str(tenant.get("timezone") or "UTC"), query_args.from_, query_args.to
    )
    return await hub().stats.etiquette(tenant, period)


def _field_name(field: str | None) -> str:
    """The refused input's label in the page's language."""
    if field == "compare_from":
        return _("Compare from")
    if field == "compare_to":
        return _("Compare to")
    return _("From") if field == "from" else _("To")


def period_error(exc: Invalid) -> str:
    """A refused period in the page's language (the API keeps the precise English text)."""
    field = _field_name(exc.field)
    if "a year from" in exc.message:
        return _(
            "%(field)s: choose a year from %(first)s to %(last)s.",
            field=field,
            first=YEARS[0],
            last=YEARS[1],
        )
    if "expected a date" in exc.message:
        return _(
            "%(field)s: that is not a date. Pick one in the calendar (for example 2026-11-30).",
            field=field,
        )
    if "choose the dates" in exc.message:
        return _("%(field)s: choose the dates to compare with.", field=field)
    if "before" in exc.message:
        if exc.field and exc.field.startswith("compare"):
            return _("“Compare from” must be before “Compare to”.")
        return _("“From” must be before “To”.")
    return _("Choose a period of at most %(days)s days.", days=MAX_DAYS)


PAGE_ARGS = ("from", "to", "by", "compare", "compare_from", "compare_to", "preset")


@bp.get("/admin/stats")
@staff_page(Role.manager)
async def stats_page() -> Any:
    """The manager's dashboard: a period (presets, kept in the URL), charts each with its
    table, comparisons, targets and agents; the tables work without JavaScript."""
    asked = {k: request.args.get(k, "")[:40] for k in PAGE_ARGS}
    by = asked["by"] or "status"
    tenant = page_tenant()
    zone = str(tenant.get("timezone") or "UTC")
    now = clock.now()
    board: dict[str, Any] | None = None
    shown: Asked | None = None
    error: str | None = None
    error_field: str | None = None
    try:
        if by not in GROUPINGS:
            error_field = "by"
            raise Invalid("by: unknown grouping", field="by")
        shown = ask(now, zone, asked)
        board = await dashboard(tenant, shown, by, now)
    except Invalid as exc:
        error_field = exc.field
        error = _("Choose a grouping from the list.") if exc.field == "by" else period_error(exc)
    page = await render_page(
        "admin/stats.html",
        board=board,
        result=board["reports"][by] if board else None,
        etiquette=board["etiquette"] if board else None,
        shown=shown,
        error=error,
        error_field=error_field,
        asked=asked,
        by=by if by in GROUPINGS else "status",
        groupings=GROUPINGS,
        presets=presets(now.astimezone(ZoneInfo(zone)).date()),
        scan_window=WINDOW_SECONDS // 60,
    )
    return page if error is None else await make_response(page, 400)
