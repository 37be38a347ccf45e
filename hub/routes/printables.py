"""Printed access points for managers: one point's piece, or many in one PDF (hub.printables).

The answer is the file itself (PDF, PNG or SVG), named by Content-Disposition; errors are the
API's JSON. No JSON schema describes a file, so the responses are left undocumented in
/openapi.json, as the logo's are; the query parameters are documented and validated.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from quart import Blueprint, Response
from quart_schema import validate_querystring

from hub.accounts.model import Role
from hub.container import hub
from hub.printables.formats import FormatName, TypeName
from hub.printables.service import MAX_POINTS, Printed
from hub.routes.auth import staff_required, tenant_id
from hub.routes.bodies import QueryArgs
from hub.routes.openapi import responds

bp = Blueprint("printables", __name__)


class PrintQuery(QueryArgs):
    """Which piece and which file: `format` (the paper) and `type` (the file)."""

    format: FormatName = "poster-a4"
    type: TypeName = "pdf"


class PrintManyQuery(QueryArgs):
    """Many points (codes separated by commas, at most 200) in one PDF."""

    points: str = Field(min_length=1, max_length=MAX_POINTS * 65)
    # `own`: each point in its kind's format (a coaster point as a coaster), in one PDF
    format: FormatName | Literal["own"] = "poster-a4"
    type: Literal["pdf"] = "pdf"


def _file(printed: Printed) -> Response:
    response = Response(printed.content, content_type=printed.content_type)
    response.headers["Content-Disposition"] = f'inline; filename="{printed.filename}"'
    response.headers["Cache-Control"] = "private, no-store"  # the business's own material
    return response


@bp.get("/api/v1/points/<code>/print")
@responds(200, ("application/pdf", "image/png", "image/svg+xml"))
@staff_required(Role.manager)
@validate_querystring(PrintQuery)
async def print_point(code: str, query_args: PrintQuery) -> Response:
    """One access point's printable: PDF (print-ready), PNG (300 dpi) or SVG.

    Formats: `poster-a4`, `poster-a3`, `flyer-a5`, `coaster` (9 cm round, with its cut
    line), `receipt` (an 80 mm strip) and `table-tent` (an A4 sheet folded in two). Each
    carries the point's QR, its location code in large type, its label, the business's
    name, logo and colour and the invitation in the business's languages. A successful
    print marks the point printed (`printed_at`).
    """
    printed = await hub().printables.print_point(
        tenant_id(), code, query_args.format, query_args.type
    )
    return _file(printed)


@bp.get("/api/v1/print")
@responds(200, "application/pdf")
@staff_required(Role.manager)
@validate_querystring(PrintManyQuery)
async def print_points(query_args: PrintManyQuery) -> Response:
    """Many access points in one print-ready PDF.

    Posters, flyers and table tents take a page each; coasters go six to an A4 sheet and
    receipts two, with their cut marks. `format=own` prints each point in the format of its
    kind (its "Print" link's), the formats one after the other. An unknown code is 404
    naming `points`.
    """
    printed = await hub().printables.print_points(
        tenant_id(), query_args.points, query_args.format, query_args.type
    )
    return _file(printed)
