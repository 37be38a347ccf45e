"""Exports for managers (hub.exports): the CSV files, what customers say, the monthly PDF.

A file is the answer itself (named by Content-Disposition, never cached); errors before it
starts are the API's JSON 400 naming the field, as everywhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from pydantic import Field
from quart import Blueprint, Response, g, make_response, render_template, request
from quart_schema import validate_querystring

from hub import clock
from hub.accounts.model import Role
from hub.container import hub
from hub.errors import Invalid, NotFound
from hub.exports import report_view
from hub.exports.filters import CODE, ticket_filter
from hub.exports.monthly import MONTH
from hub.exports.words import DEFAULT_LIMIT, MAX_LIMIT
from hub.i18n import current_language
from hub.i18n import gettext as _
from hub.ports import Doc
from hub.printables.render import FONT_SUBSETS
from hub.routes.auth import staff, staff_required, tenant_id
from hub.routes.bodies import QueryArgs
from hub.routes.openapi import responds
from hub.routes.pages import page_tenant, render_page, staff_language, staff_page
from hub.routes.stats_dashboard import shown_period
from hub.tickets.stats import MAX_TICKETS, Period

bp = Blueprint("exports", __name__)
STREAM_TIMEOUT = 600  # seconds a file may take to leave (a busy year is large)


class ExportQuery(QueryArgs):
    """A period (as /api/v1/stats) and the ticket filters."""

    from_: str | None = Field(default=None, alias="from", max_length=40)
    to: str | None = Field(default=None, max_length=40)
    status: str | None = Field(default=None, max_length=40)
    point: str | None = Field(default=None, max_length=80)
    category: str | None = Field(default=None, max_length=40)
    establishment: str | None = Field(default=None, max_length=80)
    department: str | None = Field(default=None, max_length=80)
    language: str | None = Field(default=None, max_length=20)


async def manager_tenant() -> Doc:
    tenant = await hub().accounts.tenant(tenant_id())
    if tenant is None:
        raise NotFound("no such business")
    return tenant


def period_of(tenant: Doc, start: str | None, end: str | None) -> Period:
    """The period as /api/v1/stats reads it: without dates the last 30 of the business's
    days, whole days, so a file's rows and the words are what the statistics count."""
    period, _start, _end = shown_period(
        clock.now(), str(tenant.get("timezone") or "UTC"), start, end
    )
    return period


def csv_file(body: AsyncIterator[bytes], name: str) -> Response:
    response = Response(body, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.timeout = STREAM_TIMEOUT
    return response


def _filename(kind: str, period: Period, tenant: Doc) -> str:
    """`<slug>-<kind>-<first day>-<last day>.csv`, the days the business's own (the period's
    bounds are UTC: in Madrid the 1st's midnight is the 30th at 23:00, which named the file)."""
    slug = str(tenant.get("slug") or "sos")
    zone = ZoneInfo(str(tenant.get("timezone") or "UTC"))
    first = period.start.astimezone(zone).date()
    last = (period.end - timedelta(microseconds=1)).astimezone(zone).date()  # end excluded
    return f"{slug}-{kind}-{first.isoformat()}-{last.isoformat()}.csv"


@bp.get("/api/v1/export/tickets.csv")
@responds(200, "text/csv")
@staff_required(Role.manager)
@validate_querystring(ExportQuery)
async def export_tickets(query_args: ExportQuery) -> Any:
    """The tickets created in [from, to) that fit the filters, one row each (CSV, UTF-8 with a
    byte-order mark). `from`/`to` as in /api/v1/stats (default the last 30 of the business's
    days, up to today: the period /api/v1/stats counts); `status`,
    `point` (a code or `kiosk:<id>`), `category` (a value, a group or `unclassified`),
    `establishment`, `department`, `language`. Held-back SOS only with `status=quarantined`.
    Times in the business's zone and in UTC; a cell that could start a formula begins `'`.
    """
    tenant = await manager_tenant()
    period = period_of(tenant, query_args.from_, query_args.to)
    wanted = ticket_filter(query_args.model_dump(exclude={"from_", "to"}))
    body = hub().exports.tickets_csv(tenant, period, wanted)
    return csv_file(body, _filename("tickets", period, tenant))


@bp.get("/api/v1/export/surveys.csv")
@responds(200, "text/csv")
@staff_required(Role.manager)
@validate_querystring(ExportQuery)
async def export_surveys(query_args: ExportQuery) -> Any:
    """Survey answers given in [from, to), one row per answer (CSV as above): a thread's
    survey by when the customer answered it, not when the SOS came. Without dates, the last
    30 of the business's days up to today, the period /admin/survey/results shows, so the
    file and the page count the same answers. `point`, `category`, `establishment`,
    `department` and `language` narrow them."""
    tenant = await manager_tenant()
    period = period_of(tenant, query_args.from_, query_args.to)
    wanted = ticket_filter(query_args.model_dump(exclude={"from_", "to", "status"}))
    body = hub().exports.surveys_csv(tenant, period, wanted)
    return csv_file(body, _filename("surveys", period, tenant))


class WordsQuery(QueryArgs):
    from_: str | None = Field(default=None, alias="from", max_length=40)
    to: str | None = Field(default=None, max_length=40)
    point: str | None = Field(default=None, max_length=80)
    category: str | None = Field(default=None, max_length=40)
    establishment: str | None = Field(default=None, max_length=80)
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@bp.get("/api/v1/stats/words")
@staff_required(Role.manager)
@validate_querystring(WordsQuery)
async def words(query_args: WordsQuery) -> Any:
    """What customers say: the most frequent words and two- or three-word phrases of the
    tickets created in [from, to) (texts and survey comments), stop words of Spanish,
    English and the business's languages left out. `{"words": [{"text", "count", "url"}],
    "phrases": [...], "tickets", "sample", "sampled"}`: a count is the number of tickets
    saying it; only the latest `sample` tickets are read (`sampled`: the period had more);
    `url` opens those tickets in the staff console. Held-back SOS are not read.
    """
    tenant = await manager_tenant()
    period = period_of(tenant, query_args.from_, query_args.to)
    wanted = ticket_filter(query_args.model_dump(include={"point", "category", "establishment"}))
    return await hub().exports.words(tenant, period, wanted, query_args.limit)


class MonthlyQuery(QueryArgs):
    month: str | None = Field(default=None, max_length=7, pattern=MONTH.pattern)
    establishment: str | None = Field(default=None, max_length=80, pattern=CODE.pattern)


def last_month(timezone: str) -> str:
    """The business's previous local month, `YYYY-MM`: what a report is usually asked for."""
    first = clock.now().astimezone(ZoneInfo(timezone)).replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


@bp.get("/api/v1/reports/monthly.pdf")
@responds(200, "application/pdf")
@staff_required(Role.manager)
@validate_querystring(MonthlyQuery)
async def monthly_report(query_args: MonthlyQuery) -> Any:
    """The month's report as a PDF (A4): volume, by category and by access point, first
    answers against the promise, satisfaction and NPS, what customers said, with charts.
    `month` = `YYYY-MM` (the business's local month; default the last one); `establishment`
    = a slug (default the whole business). In the manager's language (`?lang=` es, en, gl,
    ca overrides).
    """
    tenant = await manager_tenant()
    timezone = str(tenant.get("timezone") or "UTC")
    month = query_args.month or last_month(timezone)
    g.lang = staff_language(staff(), tenant)  # the manager's own language, as on pages
    figures = await hub().exports.monthly(tenant, month, query_args.establishment)
    place = figures["establishment"]
    title = str(tenant.get("name") or tenant.get("slug") or "")
    html = await render_template(
        "print/monthly_report.html",
        figures=figures,
        charts=report_view.report_charts(figures),
        title=title,
        place=(place or {}).get("name") or _("Whole business"),
        month_label=report_view.month_name(month),
        footer=_("Monthly report") + f" · {month} · {timezone}",
        lang=current_language(),
        font_subsets=FONT_SUBSETS,
        duration=report_view.duration,
        share=report_view.share,
        group_name=report_view.group_name,
        max_tickets=MAX_TICKETS,
    )
    pdf = await hub().exports.pdf(html)
    response = Response(pdf, content_type="application/pdf")
    slug = str(tenant.get("slug") or "sos")
    suffix = f"-{query_args.establishment}" if query_args.establishment else ""
    response.headers["Content-Disposition"] = f'inline; filename="{slug}{suffix}-{month}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


SAID_FIELDS = ("q", "from", "to", "point", "category", "establishment")
SAID_MAX = 200  # tickets listed at most; the count on the dashboard says how many there are


def _said_error(exc: Invalid) -> str:
    """A refused question in the page's language, naming the field."""
    if exc.field in ("from", "to"):
        return _("Choose a valid period (From before To, at most 366 days).")
    return _("%(field)s: that value cannot be used here.", field=exc.field or "q")


@bp.get("/admin/stats/said")
@staff_page(Role.manager)
async def said_page() -> Any:
    """The SOS behind one word or phrase of "what customers say": the same period, filter
    and sample as the count, newest first, each opening in the console."""
    asked = {k: request.args.get(k, "")[:200] for k in SAID_FIELDS}
    tenant = page_tenant()
    found: list[Doc] = []
    more = False
    error: str | None = None
    try:
        if not asked["q"].strip():
            raise Invalid("q: a word or phrase", field="q")
        period = period_of(tenant, asked["from"] or None, asked["to"] or None)
        wanted = ticket_filter(asked)
        found, more = await hub().exports.saying(tenant, period, wanted, asked["q"])
    except Invalid as exc:
        error = _said_error(exc)
    page = await render_page(
        "admin/said.html",
        asked=asked,
        tickets=found[:SAID_MAX],
        total=len(found),
        more=more,
        error=error,
        console_url="/console?" + urlencode({"q": asked["q"]}),
    )
    return page if error is None else await make_response(page, 400)
