"""A business's logo: checked, kept in the store, and served by the hub itself.

Customers check the name and the logo before they trust a page, so the logo is part of
every customer page. It is served from the hub's own origin (the pages' CSP allows no
other image host) under a URL that changes with its content, so browsers may cache it
for good. Only raster formats are accepted: an SVG can carry script.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from hub.clock import now_iso
from hub.errors import Invalid
from hub.ports import Doc, Store

MAX_LOGO_BYTES = 60 * 1024  # a 192 px logo is a few KB; the hub's request cap is 64 KB
# Content types by their first bytes (what the file is, whatever it is called).
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
LOGO_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")


@dataclass(frozen=True)
class Logo:
    content: bytes
    content_type: str
    version: str  # changes with the content: part of the URL


def logo_doc_id(tenant_id: str) -> str:
    """Config ids are unique across tenants in the store, so the tenant is part of it."""
    return f"logo:{tenant_id}"


# How each format ends: a file that starts as an image but ends otherwise is something else.
_ENDINGS = {
    "image/png": (b"IEND\xaeB`\x82",),
    "image/jpeg": (b"\xff\xd9",),
    "image/gif": (b";",),
}


def sniff_image(content: bytes) -> str | None:
    """The image type the bytes really are, among LOGO_TYPES; None for anything else.

    Both ends are checked (a WebP by its RIFF length), so that an image header glued to
    some other content is refused.
    """
    for signature, content_type in _SIGNATURES:
        if content.startswith(signature):
            whole = content.rstrip(b"\x00") if content_type == "image/jpeg" else content
            return content_type if whole.endswith(_ENDINGS[content_type]) else None
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        declared = int.from_bytes(content[4:8], "little") + 8
        return "image/webp" if declared == len(content) else None
    return None


def check_logo(content: bytes, declared: str | None = None) -> str:
    """The logo's content type; Invalid (naming the problem) unless it is a small image."""
    if not content:
        raise Invalid("the logo is empty: send the image file as the request body", field="logo")
    if len(content) > MAX_LOGO_BYTES:
        raise Invalid(
            f"the logo is {len(content) // 1024} KB; at most {MAX_LOGO_BYTES // 1024} KB",
            field="logo",
        )
    found = sniff_image(content)
    if found is None:
        raise Invalid("the logo must be a PNG, JPEG, WebP or GIF image", field="logo")
    declared = (declared or "").split(";")[0].strip().lower()
    if declared and declared not in ("application/octet-stream", found):
        raise Invalid(f"the file is {found}, not {declared}", field="logo")
    return found


def logo_url(tenant: Doc | None) -> str | None:
    """Where pages load the tenant's logo from (None: it has none)."""
    if not tenant or not tenant.get("logo_version"):
        return None
    return f"/brand/{tenant['id']}/logo?v={tenant['logo_version']}"


async def set_logo(store: Store, tenant: Doc, content: bytes, declared: str | None = None) -> Doc:
    """Store the tenant's logo (replacing any) and return the tenant as now stored."""
    content_type = check_logo(content, declared)
    version = hashlib.sha256(content).hexdigest()[:16]
    fields = {
        "kind": "logo",
        "content_type": content_type,
        "data": base64.b64encode(content).decode("ascii"),
        "version": version,
        "updated_at": now_iso(),
    }
    doc_id = logo_doc_id(tenant["id"])
    if await store.update(tenant["id"], "configs", doc_id, fields) is None:
        await store.insert(tenant["id"], "configs", {"id": doc_id, **fields})
    updated = await store.update(tenant["id"], "tenants", tenant["id"], {"logo_version": version})
    return updated or {**tenant, "logo_version": version}


async def remove_logo(store: Store, tenant: Doc) -> None:
    """Forget the tenant's logo: pages show the name alone."""
    await store.update(tenant["id"], "tenants", tenant["id"], {"logo_version": None})
    await store.delete(tenant["id"], "configs", logo_doc_id(tenant["id"]))


async def get_logo(store: Store, tenant_id: str) -> Logo | None:
    """The tenant's logo, or None."""
    doc = await store.get(tenant_id, "configs", logo_doc_id(tenant_id))
    if doc is None or not doc.get("data"):
        return None
    return Logo(base64.b64decode(doc["data"]), str(doc["content_type"]), str(doc["version"]))
