"""The business's logo: served to every page, changed by managers through the API.

`GET /brand/<tenant_id>/logo` is public (customer pages show it); `PUT /api/v1/logo` takes
the image file as the request body; `DELETE /api/v1/logo` removes it.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, request

from hub.accounts.branding import logo_url
from hub.accounts.model import Role
from hub.container import hub
from hub.errors import NotFound
from hub.routes.auth import staff_required, tenant_id

bp = Blueprint("branding", __name__)

MAX_ID_CHARS = 64


@bp.get("/brand/<tenant>/logo")
async def logo(tenant: str) -> Any:
    """The image; cached for good when asked for by its current version (`?v=`)."""
    found = await hub().branding.logo(tenant) if len(tenant) <= MAX_ID_CHARS else None
    if found is None:
        raise NotFound("this business has no logo")
    response = Response(found.content, content_type=found.content_type)
    response.headers["ETag"] = f'"{found.version}"'
    immutable = request.args.get("v") == found.version
    response.headers["Cache-Control"] = (
        "public, max-age=31536000, immutable" if immutable else "public, max-age=300"
    )
    if request.if_none_match.contains(found.version):
        return Response(status=304, headers=dict(response.headers))
    return response


@bp.put("/api/v1/logo")
@staff_required(Role.manager)
async def put_logo() -> Any:
    """Replace the logo with the image in the body (PNG, JPEG, WebP or GIF, up to 60 KB).

    What is stored is the image re-encoded from its pixels (a GIF becomes a PNG): no
    metadata, nothing hidden in comments or after the end; anything that does not decode is 400.
    """
    if await hub().accounts.tenant(tenant_id()) is None:
        raise NotFound("no such business")  # before the body is read
    content = await request.get_data(cache=False)
    assert isinstance(content, bytes)
    # kiosk screens show the new logo at once
    updated = await hub().branding.replace(
        tenant_id(), content, request.headers.get("Content-Type")
    )
    return {"logo_url": logo_url(updated)}


@bp.delete("/api/v1/logo")
@staff_required(Role.manager)
async def delete_logo() -> Any:
    """Remove the logo: pages show the business's name alone."""
    await hub().branding.remove(tenant_id())  # kiosk screens follow
    return "", 204
