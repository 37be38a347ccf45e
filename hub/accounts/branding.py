"""A business's logo (and an establishment's own): checked, stored, served by the hub itself.

Customers check the name and the logo before they trust a page, so the logo is part of
every customer page. It is served from the hub's own origin (the pages' CSP allows no
other image host) under a URL that changes with its content, so browsers may cache it
for good. Only raster formats are accepted: an SVG can carry script; and a raster file is
stored only as re-encoded from its pixels (see clean_logo and hub/images.py).

An establishment (a hotel of a chain) may have a logo of its own; wherever it is asked
for and has none, the business's stands in.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hub.clock import now_iso
from hub.errors import Invalid, NotFound
from hub.images import ImageProblem, TooManyPixels, encode, open_image, pixels_only
from hub.ports import Doc, Store

MAX_LOGO_BYTES = 60 * 1024  # a 192 px logo is a few KB; the hub's request cap is 64 KB
MAX_SLUG_CHARS = 64  # an establishment's slug (model.SLUG_RE): longer is no establishment
MAX_LOGO_SIDE = 2048  # pixels per side: a small file may still claim a huge image (a bomb)
LOGO_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")
# What Pillow calls each accepted format, and what the cleaned copy is stored as: a GIF
# becomes a PNG (its first frame), the others keep their format.
_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
_SAVE_AS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP", "image/gif": "PNG"}


@dataclass(frozen=True)
class Logo:
    content: bytes
    content_type: str
    version: str  # changes with the content: part of the URL


def logo_doc_id(tenant_id: str, establishment: str | None = None) -> str:
    """Config ids are unique across tenants in the store, so the tenant is part of it."""
    if establishment:
        return f"logo:{tenant_id}:establishment:{establishment}"
    return f"logo:{tenant_id}"


def _not_an_image() -> Invalid:
    return Invalid("the logo must be a PNG, JPEG, WebP or GIF image", field="logo")


def _too_big(size: int, what: str = "") -> Invalid:
    return Invalid(
        f"the logo is {size // 1024} KB{what}; at most {MAX_LOGO_BYTES // 1024} KB",
        field="logo",
    )


def clean_logo(content: bytes, declared: str | None = None) -> tuple[bytes, str]:
    """The logo decoded and encoded afresh, and its content type; Invalid naming the problem.

    Only its pixels survive (`hub.images`: no comment, chunk or trailer can ride along, no
    EXIF). The 60 KB limit applies to the upload and again to the cleaned file, so what is
    stored and served is never more.
    """
    if not content:
        raise Invalid("the logo is empty: send the image file as the request body", field="logo")
    if len(content) > MAX_LOGO_BYTES:
        raise _too_big(len(content))
    try:
        image = open_image(content, _FORMATS, MAX_LOGO_SIDE * MAX_LOGO_SIDE)
    except TooManyPixels as exc:
        raise Invalid(
            f"the logo claims too many pixels; at most {MAX_LOGO_SIDE} per side", field="logo"
        ) from exc
    except ImageProblem as exc:
        raise _not_an_image() from exc
    with image:
        found = _FORMATS[str(image.format)]
        width, height = image.size
        if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE:
            raise Invalid(
                f"the logo is {width}×{height} pixels; at most {MAX_LOGO_SIDE} per side",
                field="logo",
            )
        save_as = _SAVE_AS[found]
        try:
            fresh, extra = pixels_only(image, save_as)
        except ImageProblem as exc:
            raise _not_an_image() from exc
    declared = (declared or "").split(";")[0].strip().lower()
    if declared and declared not in ("application/octet-stream", found):
        raise Invalid(f"the file is {found}, not {declared}", field="logo")
    cleaned = encode(fresh, save_as, extra)
    if len(cleaned) > MAX_LOGO_BYTES:
        raise _too_big(len(cleaned), " once cleaned of everything but its pixels")
    return cleaned, _FORMATS[save_as]


def check_logo(content: bytes, declared: str | None = None) -> str:
    """The logo's content type as it will be stored; Invalid unless it is a small image."""
    return clean_logo(content, declared)[1]


def logo_url(tenant: Doc | None) -> str | None:
    """Where pages load the tenant's logo from (None: it has none)."""
    if not tenant or not tenant.get("logo_version"):
        return None
    return f"/brand/{tenant['id']}/logo?v={tenant['logo_version']}"


def public_logo_url(public: Callable[[str], str], path: str | None) -> str | None:
    """A logo's address as the API and the command line answer it: absolute, under
    HUB_PUBLIC_URL (`Settings.public`), as CONTRACT.md wants every URL handed out; pages
    keep loading it by its path (same origin, cached by the browser)."""
    return public(path) if path else None


def establishment_logo_url(tenant_id: str, establishment: Doc | None) -> str | None:
    """Where pages load an establishment's own logo from (None: it has none of its own)."""
    if not establishment or not establishment.get("logo_version"):
        return None
    return (
        f"/brand/{tenant_id}/establishments/{establishment['slug']}/logo"
        f"?v={establishment['logo_version']}"
    )


async def _store_logo(
    store: Store, tenant_id: str, doc_id: str, content: bytes, declared: str | None
) -> str:
    """Clean and store a logo under `doc_id`; its version."""
    content, content_type = await asyncio.to_thread(clean_logo, content, declared)
    version = hashlib.sha256(content).hexdigest()[:16]
    fields = {
        "kind": "logo",
        "content_type": content_type,
        "data": base64.b64encode(content).decode("ascii"),
        "version": version,
        "updated_at": now_iso(),
    }
    if await store.update(tenant_id, "configs", doc_id, fields) is None:
        await store.insert(tenant_id, "configs", {"id": doc_id, **fields})
    return version


async def set_logo(store: Store, tenant: Doc, content: bytes, declared: str | None = None) -> Doc:
    """Store the tenant's logo (replacing any) and return the tenant as now stored."""
    version = await _store_logo(store, tenant["id"], logo_doc_id(tenant["id"]), content, declared)
    updated = await store.update(tenant["id"], "tenants", tenant["id"], {"logo_version": version})
    return updated or {**tenant, "logo_version": version}


async def remove_logo(store: Store, tenant: Doc) -> None:
    """Forget the tenant's logo: pages show the name alone."""
    await store.update(tenant["id"], "tenants", tenant["id"], {"logo_version": None})
    await store.delete(tenant["id"], "configs", logo_doc_id(tenant["id"]))


async def get_logo(store: Store, tenant_id: str, establishment: str | None = None) -> Logo | None:
    """The tenant's logo (or the establishment's own, when one is named), or None."""
    doc = await store.get(tenant_id, "configs", logo_doc_id(tenant_id, establishment))
    if doc is None or not doc.get("data"):
        return None
    return Logo(base64.b64decode(doc["data"]), str(doc["content_type"]), str(doc["version"]))


class Branding:
    """The business's and its establishments' logos; kiosk screens follow each change."""

    def __init__(self, store: Store, on_change: Callable[[str], Awaitable[None]]) -> None:
        self.store = store
        self.on_change = on_change  # told the tenant id after each change (kiosk configs)

    async def logo(self, tenant_id: str, establishment: str | None = None) -> Logo | None:
        """The establishment's own logo when it has one, else the business's (or None)."""
        if establishment:
            own = await get_logo(self.store, tenant_id, establishment)
            if own is not None:
                return own
        return await get_logo(self.store, tenant_id)

    async def own_logo(self, tenant_id: str, establishment: str) -> Logo | None:
        """The establishment's own logo only (None: it shows the business's)."""
        return await get_logo(self.store, tenant_id, establishment)

    async def establishment(self, tenant_id: str, slug: str) -> Doc:
        """This business's establishment with `slug`; NotFound naming `establishment`."""
        found = (
            await self.store.find(tenant_id, "establishments", {"slug": slug}, limit=1)
            if len(slug) <= MAX_SLUG_CHARS
            else []
        )
        if not found:
            raise NotFound(f"no establishment {slug!r}", field="establishment")
        return found[0]

    async def replace_for_establishment(
        self, tenant_id: str, slug: str, content: bytes, declared: str | None
    ) -> Doc:
        """Store the establishment's own logo; the establishment as updated (NotFound when
        this business has no such establishment)."""
        place = await self.establishment(tenant_id, slug)
        doc_id = logo_doc_id(tenant_id, place["slug"])
        version = await _store_logo(self.store, tenant_id, doc_id, content, declared)
        updated = await self.store.update(
            tenant_id, "establishments", place["id"], {"logo_version": version}
        )
        await self.on_change(tenant_id)
        return updated or {**place, "logo_version": version}

    async def remove_for_establishment(self, tenant_id: str, slug: str) -> None:
        """Forget the establishment's own logo: it shows the business's again."""
        place = await self.establishment(tenant_id, slug)
        await self.store.update(tenant_id, "establishments", place["id"], {"logo_version": None})
        await self.store.delete(tenant_id, "configs", logo_doc_id(tenant_id, place["slug"]))
        await self.on_change(tenant_id)

    async def replace(self, tenant_id: str, content: bytes, declared: str | None) -> Doc:
        """Store the cleaned logo; the business as updated (NotFound when it is gone)."""
        tenant = await self.store.get(tenant_id, "tenants", tenant_id)
        if tenant is None:
            raise NotFound("no such business")
        updated = await set_logo(self.store, tenant, content, declared)
        await self.on_change(tenant_id)
        return updated

    async def remove(self, tenant_id: str) -> None:
        tenant = await self.store.get(tenant_id, "tenants", tenant_id)
        if tenant is not None:
            await remove_logo(self.store, tenant)
            await self.on_change(tenant_id)
