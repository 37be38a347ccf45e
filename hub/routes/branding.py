"""The business's logo: served to every page, changed by managers through the API.

`GET /brand/<tenant_id>/logo` is public (customer pages show it); `PUT /api/v1/logo` takes
the image file as the request body; `DELETE /api/v1/logo` removes it. An establishment's own
logo has the same three doors under `/establishments/<slug>/logo` (where it has none, the
business's stands in: on printed pieces, for one).
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, request

from hub.accounts.branding import Logo, establishment_logo_url, logo_url, public_logo_url
from hub.accounts.model import Role
from hub.container import hub
from hub.errors import NotFound
from hub.routes.auth import staff_required, tenant_id
from hub.routes.openapi import responds

bp = Blueprint("branding", __name__)

MAX_ID_CHARS = 64


@bp.get("/brand/<tenant>/logo")
async def logo(tenant: str) -> Any:
    """The image; cached for good when asked for by its current version (`?v=`)."""
    found = await hub().branding.logo(tenant) if len(tenant) <= MAX_ID_CHARS else None
    if found is None:
        raise NotFound("this business has no logo")
    return _image(found)


@bp.get("/brand/<tenant>/establishments/<slug>/logo")
async def establishment_logo(tenant: str, slug: str) -> Any:
    """An establishment's own logo, cached like the business's."""
    short = len(tenant) <= MAX_ID_CHARS and len(slug) <= MAX_ID_CHARS
    found = await hub().branding.own_logo(tenant, slug) if short else None
    if found is None:
        raise NotFound("this establishment has no logo of its own")
    return _image(found)


def _image(found: Logo) -> Response:
    response = Response(found.content, content_type=found.content_type)
    response.headers["ETag"] = f'"{found.version}"'
    immutable = request.args.get("v") == found.version
    response.headers["Cache-Control"] = (
        "public, max-age=31536000, immutable" if immutable else "public, max-age=300"
    )
    if request.if_none_match.contains(found.version):
        return Response(status=304, headers=dict(response.headers))
    return response


def absolute(path: str | None) -> str | None:
    """A logo's address as the API answers it (the command line answers the same)."""
    return public_logo_url(hub().settings.public, path)


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
    return {"logo_url": absolute(logo_url(updated))}


@bp.delete("/api/v1/logo")
@responds(204)
@staff_required(Role.manager)
async def delete_logo() -> Any:
    """Remove the logo: pages show the business's name alone."""
    await hub().branding.remove(tenant_id())  # kiosk screens follow
    return "", 204


@bp.put("/api/v1/establishments/<slug>/logo")
@staff_required(Role.manager)
async def put_establishment_logo(slug: str) -> Any:
    """Give an establishment a logo of its own (checked and cleaned as the business's is).

    An establishment this business does not have is 404 naming `establishment`.
    """
    await hub().branding.establishment(tenant_id(), slug)  # before the body is read
    content = await request.get_data(cache=False)
    assert isinstance(content, bytes)
    updated = await hub().branding.replace_for_establishment(
        tenant_id(), slug, content, request.headers.get("Content-Type")
    )
    return {"logo_url": absolute(establishment_logo_url(tenant_id(), updated))}


@bp.delete("/api/v1/establishments/<slug>/logo")
@responds(204)
@staff_required(Role.manager)
async def delete_establishment_logo(slug: str) -> Any:
    """Remove an establishment's own logo: it shows the business's again."""
    await hub().branding.remove_for_establishment(tenant_id(), slug)
    return "", 204
