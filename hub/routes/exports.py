"""Exports for managers (hub.exports): the CSV files, what customers say, the monthly PDF.

A file is the answer itself (named by Content-Disposition, never cached); errors before it
starts are the API's JSON 400 naming the field, as everywhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pydantic import Field
from quart import Blueprint, Response
from quart_schema import validate_querystring

from hub import clock
from hub.accounts.model import Role
from hub.container import hub
from hub.errors import NotFound
from hub.exports.filters import ticket_filter
from hub.ports import Doc
from hub.routes.auth import staff_required, tenant_id
from hub.routes.schemas import _Strict
from hub.tickets.stats import Period, asked_period

bp = Blueprint("exports", __name__)
STREAM_TIMEOUT = 600  # seconds a file may take to leave (a busy year is large)


class ExportQuery(_Strict):
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
    return asked_period(clock.now(), str(tenant.get("timezone") or "UTC"), start, end)


def csv_file(body: AsyncIterator[bytes], name: str) -> Response:
    response = Response(body, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.timeout = STREAM_TIMEOUT
    return response


def _filename(kind: str, period: Period, tenant: Doc) -> str:
    slug = str(tenant.get("slug") or "sos")
    return f"{slug}-{kind}-{period.start.date().isoformat()}-{period.end.date().isoformat()}.csv"


@bp.get("/api/v1/export/tickets.csv")
@staff_required(Role.manager)
@validate_querystring(ExportQuery)
async def export_tickets(query_args: ExportQuery) -> Any:
    """The tickets created in [from, to) that fit the filters, one row each (CSV, UTF-8 with a
    byte-order mark). `from`/`to` as in /api/v1/stats (default the last 30 days); `status`,
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
@staff_required(Role.manager)
@validate_querystring(ExportQuery)
async def export_surveys(query_args: ExportQuery) -> Any:
    """Survey answers of tickets created in [from, to), one row per answer (CSV as above);
    `point`, `category`, `establishment`, `department` and `language` narrow them."""
    tenant = await manager_tenant()
    period = period_of(tenant, query_args.from_, query_args.to)
    wanted = ticket_filter(query_args.model_dump(exclude={"from_", "to", "status"}))
    body = hub().exports.surveys_csv(tenant, period, wanted)
    return csv_file(body, _filename("surveys", period, tenant))
