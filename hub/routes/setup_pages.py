"""Set-up pages for managers: the business's settings (/admin/settings) and its access
points with their QR codes (/admin/points). Both are forms over the set-up API
(hub/routes/setup.py); the QR preview is an SVG drawn here from the point's own link.
"""

from __future__ import annotations

import io
from typing import Any

import segno
from quart import Blueprint, Response, request

from hub.accounts.business import LANGUAGE_NAMES, business_languages, tenant_settings
from hub.accounts.model import KNOWN_LANGUAGES, POINT_KINDS, Role, time_zones
from hub.accounts.services import point_json
from hub.accounts.setup import place_json
from hub.container import hub
from hub.printables.formats import FORMATS, OWN, format_for
from hub.routes.auth import tenant_id
from hub.routes.pages import address_warning, page_tenant, render_page, staff_page
from hub.routes.point_filter import point_filter

bp = Blueprint("setup_pages", __name__, url_prefix="/admin")


def _languages() -> list[tuple[str, str]]:
    """The business's languages, main first, each with its own name for itself."""
    return [(code, LANGUAGE_NAMES[code]) for code in business_languages(page_tenant())]


@bp.get("/settings")
@staff_page(Role.manager)
async def settings_page() -> Any:
    """The business's settings, its establishments and its departments."""
    tid = tenant_id()
    departments = await hub().setup.places(tid, "departments")
    establishments = await hub().setup.places(tid, "establishments")
    points_at: dict[tuple[str, str], list[str]] = {}  # (field, slug) → the codes of its points
    for point in await hub().setup.points(tid):
        for field in ("department", "establishment"):
            if point.get(field):
                points_at.setdefault((field, point[field]), []).append(point["code"])
    return await render_page(
        "admin/settings.html",
        points_at=points_at,
        settings=tenant_settings(page_tenant()),
        known_languages=[(code, LANGUAGE_NAMES[code]) for code in KNOWN_LANGUAGES],
        languages=_languages(),
        # Regions only (Europe/Madrid): the old aliases (GB, EST5EDT) are accepted, not offered.
        zones=[z for z in time_zones() if "/" in z or z == "UTC"],
        departments=[place_json(d, "departments") for d in departments],
        establishments=[place_json(e, "establishments") for e in establishments],
        address_warning=address_warning(),
    )


@bp.get("/points")
@staff_page(Role.manager)
async def points_page() -> Any:
    """The access points: create, relabel, move, deactivate, preview and print.

    `?establishment=` and `?q=` narrow the list (a group has dozens of points), in a plain
    GET form that works without JavaScript; "Print" then prints the points shown.
    """
    tid = tenant_id()
    every = [point_json(p, hub().settings.public_url) for p in await hub().setup.points(tid)]
    departments = await hub().setup.places(tid, "departments")
    establishments = [
        place_json(e, "establishments") for e in await hub().setup.places(tid, "establishments")
    ]
    kinds = list(POINT_KINDS) + sorted({p["kind"] for p in every} - set(POINT_KINDS))
    names = {e["slug"]: e["name"] for e in establishments}
    shown = point_filter(request.args, names)
    return await render_page(
        "admin/points.html",
        points=[p for p in every if shown.keeps(p, names)],
        every_count=len(every),
        shown=shown,
        departments=[place_json(d, "departments") for d in departments],
        establishments=establishments,
        languages=_languages(),
        kinds=kinds,
        # "Print": each point in its kind's format (coasters as coasters), or one for all
        print_formats=[OWN, *FORMATS],
        format_for=format_for,  # each point's own "Print" link: the format of its kind
        address_warning=address_warning(),  # before anything is printed with it
    )


@bp.get("/points/<code>/qr.svg")
@staff_page(Role.manager)
async def point_qr(code: str) -> Any:
    """The point's QR code as SVG (black on white, readable on a dark page too)."""
    point = await hub().setup.point(tenant_id(), code)
    url = point_json(point, hub().settings.public_url)["url"]
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", scale=4, border=3, dark="#000", light="#fff", xmldecl=False
    )
    return Response(
        out.getvalue(),
        content_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=300"},
    )
