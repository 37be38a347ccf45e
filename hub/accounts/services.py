"""Account use cases: create tenants, staff, establishments, departments and access points."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hub.accounts.model import (
    LANGUAGES,
    check_code,
    check_email,
    check_kind,
    check_language,
    check_role,
    check_slug,
    check_timezone,
    point_kind,
    public_tenant,
    public_user,
    slugify,
)
from hub.clock import new_id, new_secret, now_iso
from hub.errors import Conflicting, Invalid, NotFound
from hub.ports import Conflict, Doc, Store


def tenant_doc(
    *, slug: str, name: str, language: str = "es", timezone: str = "UTC", sla_hours: int = 48
) -> Doc:
    """A new business's record, checked field by field (not stored yet)."""
    name = name.strip()
    if not name:
        raise Invalid("name is required", field="name")
    return {
        "id": new_id(),
        "slug": check_slug(slug),
        "name": name[:200],
        "language": check_language(language),
        "languages": sorted({check_language(language), *LANGUAGES}),
        "timezone": check_timezone(timezone),
        "sla_hours": int(sla_hours),
        "onsite_minutes": 15,
        "privacy_retention_days": 30,  # then tickets lose address and device (tickets/privacy.py)
        "created_at": now_iso(),
    }


async def create_tenant(
    store: Store,
    *,
    slug: str,
    name: str,
    language: str = "es",
    timezone: str = "UTC",
    sla_hours: int = 48,
) -> Doc:
    """Register a business; its slug is unique."""
    doc = tenant_doc(
        slug=slug, name=name, language=language, timezone=timezone, sla_hours=sla_hours
    )
    try:
        doc = await store.insert(doc["id"], "tenants", doc)  # as stored: with tenant_id
    except Conflict:
        raise Conflicting(f"tenant {slug!r} already exists", field="slug") from None
    return doc


async def tenant_by_slug(store: Store, slug: str) -> Doc:
    doc = await store.lookup("tenants", "slug", slug)
    if doc is None:
        raise NotFound(f"no tenant {slug!r}", field="tenant")
    return doc


def user_doc(
    tenant: Doc,
    *,
    email: str,
    password_hash: str | None,
    role: str,
    token_hash: str | None,
    name: str | None = None,
    language: str | None = None,
    email_field: str = "email",
) -> Doc:
    """A new staff user's record, checked field by field (not stored yet)."""
    email = check_email(email, field=email_field)
    return {
        "id": new_id(),
        "email": email,
        "name": (name or email.split("@")[0]).strip()[:120],
        "role": check_role(role).value,
        "language": check_language(language or tenant["language"]),
        "password_hash": password_hash,
        "token_hash": token_hash,
        "created_at": now_iso(),
    }


async def create_user(
    store: Store,
    tenant: Doc,
    *,
    email: str,
    password: str,
    role: str,
    hash_password: Callable[[str], str],
    hash_token: Callable[[str], str],
    name: str | None = None,
    language: str | None = None,
) -> tuple[Doc, str]:
    """Add a staff user; returns the user and its API token, which is shown only this once."""
    if len(password) < 8:
        raise Invalid("password must be at least 8 characters", field="password")
    token = "sos_" + new_secret(30)
    check_email(email)
    check_role(role)
    doc = user_doc(
        tenant,
        email=email,
        password_hash=hash_password(password),
        role=role,
        token_hash=hash_token(token),
        name=name,
        language=language,
    )
    try:
        doc = await store.insert(tenant["id"], "users", doc)  # as stored: with tenant_id
    except Conflict:
        raise Conflicting(f"user {doc['email']!r} already exists", field="email") from None
    return doc, token


async def ensure_named(store: Store, tenant: Doc, collection: str, name: str) -> Doc:
    """The department or establishment with this name or slug, created when absent."""
    slug = slugify(name)
    found = await store.find(tenant["id"], collection, {"slug": slug}, limit=1)
    if found:
        return found[0]
    doc = {"id": new_id(), "slug": slug, "name": name.strip()[:120], "created_at": now_iso()}
    try:
        return await store.insert(tenant["id"], collection, doc)
    except Conflict:  # created concurrently: take the winner's
        return (await store.find(tenant["id"], collection, {"slug": slug}, limit=1))[0]


async def create_point(
    store: Store,
    tenant: Doc,
    *,
    code: str,
    label: str,
    department: str | None = None,
    establishment: str | None = None,
    kind: str = "poster",
) -> Doc:
    """Create a QR access point; its code is unique across the whole hub.

    For the CLI and the demo: a department or establishment named here is created when
    absent (the API's `Setup.add_point` refuses unknown ones instead).
    """
    code = check_code(code)  # before any department is made for it
    label = label.strip()
    if not label:
        raise Invalid("label is required", field="label")
    kind = check_kind(kind)
    dept = await ensure_named(store, tenant, "departments", department) if department else None
    est = (
        await ensure_named(store, tenant, "establishments", establishment)
        if establishment
        else None
    )
    doc = {
        "id": new_id(),
        "code": code,
        "label": label[:120],
        "department": dept["slug"] if dept else None,
        "department_name": dept["name"] if dept else None,
        "establishment": est["slug"] if est else None,
        "establishment_name": est["name"] if est else None,
        "kind": kind,
        "active": True,
        "created_at": now_iso(),
    }
    try:
        doc = await store.insert(tenant["id"], "points", doc)  # as stored: with tenant_id
    except Conflict:
        raise Conflicting(f"access point {code!r} already exists", field="code") from None
    return doc


def point_json(doc: Doc, public_url: str) -> dict[str, Any]:
    """An access point as JSON, with its labels per language and its absolute QR link."""
    return {
        "id": doc["id"],
        "code": doc["code"],
        "label": doc["label"],
        "labels": dict(doc.get("labels") or {}),
        "department": doc.get("department"),
        "establishment": doc.get("establishment"),
        "kind": point_kind(doc.get("kind")),
        "active": doc.get("active", True),
        "url": f"{public_url.rstrip('/')}/q/{doc['code']}",
    }


__all__ = [
    "create_point",
    "create_tenant",
    "create_user",
    "ensure_named",
    "point_json",
    "public_tenant",
    "public_user",
    "tenant_by_slug",
    "tenant_doc",
    "user_doc",
]
