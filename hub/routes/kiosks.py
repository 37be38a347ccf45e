"""Kiosks: managers pair and configure them (API), kiosks send SOS and show the /kiosk page.

`POST /api/v1/kiosks` answers the device token once, with the pairing link to open on the
kiosk (`/kiosk#device_token=…`: a fragment, so the token never reaches a server log).
Every change is pushed to the kiosk at once over `/kiosk`.
"""

from __future__ import annotations

from typing import Any

import segno
from pydantic import Field, field_validator
from quart import Blueprint, render_template, request
from quart_schema import validate_request, validate_response

from hub.accounts.kiosks import (
    IDLE_SECONDS,
    create_kiosk,
    kiosk_by_token,
    kiosk_config,
    kiosk_json,
    kiosk_room,
    point_of,
    update_kiosk,
)
from hub.accounts.model import Role
from hub.container import hub
from hub.errors import Forbidden, Invalid, NotFound, Unauthorized
from hub.ports import Doc
from hub.routes.auth import staff_required, tenant_id
from hub.routes.intake import client_ip, thread_url
from hub.routes.pages import render_page, staff_page
from hub.routes.schemas import ContactIn, SosOut, _Strict, _trimmed_text
from hub.tickets.ticket import Ticket

bp = Blueprint("kiosks", __name__)

MAX_TOKEN_CHARS = 200


class KioskPatch(_Strict):
    name: str | None = Field(default=None, max_length=80)
    point: str | None = Field(default=None, min_length=1, max_length=64)
    departments: list[str] | None = Field(default=None, max_length=50)
    welcome: str | None = Field(default=None, max_length=300)
    idle_seconds: int | None = None
    allow_anonymous: bool | None = None
    active: bool | None = None


class KioskIn(KioskPatch):
    name: str = Field(min_length=1, max_length=80)
    point: str = Field(min_length=1, max_length=64)


class KioskSosOut(SosOut):
    thread_qr: str  # the thread link as a QR code (an SVG data: URI) for the guest's phone


class KioskSosIn(_Strict):
    """A customer's SOS typed on a kiosk."""

    text: str
    anonymous: bool = False
    contact: ContactIn | None = None
    department: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=8, pattern=r"^[a-zA-Z-]{2,8}$")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return _trimmed_text(value)


async def push_config(kiosk: Doc) -> None:
    """Send the kiosk its whole configuration (every instance, in scale-out)."""
    config = await kiosk_config(hub().store, kiosk)
    await hub().sio.emit("config", config, room=kiosk_room(kiosk["id"]), namespace="/kiosk")


async def push_all_configs(tenant: str) -> None:
    """After a change every kiosk of the business shows (its name, its logo)."""
    for kiosk in await hub().store.find(tenant, "kiosks"):
        await push_config(kiosk)


async def _device_kiosk() -> Doc:
    """The active kiosk whose device token the request carries; 401 otherwise."""
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    kiosk = await kiosk_by_token(hub().store, token) if 0 < len(token) <= MAX_TOKEN_CHARS else None
    if kiosk is None:
        raise Unauthorized("this kiosk is not paired: open its pairing link again")
    if not kiosk.get("active", True):
        raise Forbidden("this kiosk is switched off by the business")
    return kiosk


@bp.get("/api/v1/kiosks")
@staff_required(Role.manager)
async def list_kiosks() -> Any:
    """The business's kiosks (tokens are never shown again)."""
    docs = await hub().store.find(tenant_id(), "kiosks", sort="created_at")
    return {"items": [kiosk_json(d) for d in docs]}


@bp.post("/api/v1/kiosks")
@staff_required(Role.manager)
@validate_request(KioskIn)
async def add_kiosk(data: KioskIn) -> Any:
    """A new kiosk, with its device token and pairing link: shown this once."""
    store = hub().store
    tenant = await store.get(tenant_id(), "tenants", tenant_id())
    if tenant is None:
        raise NotFound("no such business")
    kiosk, token = await create_kiosk(store, tenant, data.model_dump(exclude_none=True))
    pair_url = hub().settings.public(f"/kiosk#device_token={token}")
    body = {**kiosk_json(kiosk), "device_token": token, "pair_url": pair_url}
    return body, 201, {"Cache-Control": "no-store"}  # a secret, shown once


@bp.patch("/api/v1/kiosks/<kiosk_id>")
@staff_required(Role.manager)
@validate_request(KioskPatch)
async def change_kiosk(kiosk_id: str, data: KioskPatch) -> Any:
    """Change a kiosk; the screen shows the change at once."""
    kiosk = await update_kiosk(hub().store, tenant_id(), kiosk_id,
                               data.model_dump(exclude_none=True))
    await push_config(kiosk)
    return kiosk_json(kiosk)


@bp.delete("/api/v1/kiosks/<kiosk_id>")
@staff_required(Role.manager)
async def remove_kiosk(kiosk_id: str) -> Any:
    """Unpair a kiosk: its token stops working and its screen says so."""
    store = hub().store
    kiosk = await store.get(tenant_id(), "kiosks", kiosk_id)
    if kiosk is None:
        raise NotFound("no such kiosk")
    await store.delete(tenant_id(), "kiosks", kiosk_id)
    await hub().sio.emit("unpaired", {}, room=kiosk_room(kiosk_id), namespace="/kiosk")
    return "", 204


@bp.post("/api/v1/kiosk/sos")
@validate_request(KioskSosIn)
@validate_response(KioskSosOut, 201)
async def kiosk_sos(data: KioskSosIn) -> Any:
    """An SOS from a paired kiosk (`Authorization: Bearer <device_token>`)."""
    kiosk = await _device_kiosk()
    store = hub().store
    tenant = await store.get(kiosk["tenant_id"], "tenants", kiosk["tenant_id"])
    point = await point_of(store, kiosk["tenant_id"], kiosk["point"])
    if tenant is None or point is None or not point.get("active", True):
        raise NotFound("this kiosk's access point is not active", field="point")
    if data.department and data.department not in (kiosk.get("departments") or []):
        raise Invalid("department: not one this kiosk offers", field="department")
    # Every guest in the hall shares the kiosk's budget: only a valid SOS takes from it.
    await hub().limiter.check("kiosk_sos", kiosk=kiosk["id"])
    ticket = await hub().tickets.submit_sos(
        tenant,
        point,
        text=data.text,
        anonymous=data.anonymous and bool(kiosk.get("allow_anonymous", True)),
        contact=data.contact.model_dump(mode="json") if data.contact else None,
        language=(data.language or "").lower()[:2] or None,
        origin={"device_id": f"kiosk-{kiosk['id']}", "ip": client_ip()},
        kiosk=kiosk,
        department=data.department,
    )
    link = thread_url(ticket)
    out = KioskSosOut(
        id=ticket["id"],
        number=ticket["number"],
        status=Ticket(ticket).answered_status,
        thread_url=link,
        thread_qr=segno.make(link, error="m").svg_data_uri(scale=6, border=2),
    )
    return out, 201


@bp.get("/kiosk")
async def kiosk_page() -> Any:
    """The kiosk's screen: it pairs from its link, then follows its configuration live."""
    return await render_template("kiosk/kiosk.html")


@bp.get("/admin/kiosks")
@staff_page(Role.manager)
async def kiosks_page() -> Any:
    """Managers pair kiosks, change what they show, and set the business's logo."""
    store = hub().store
    kiosks = [kiosk_json(k) for k in await store.find(tenant_id(), "kiosks", sort="created_at")]
    points = await store.find(tenant_id(), "points", sort="code")
    departments = await store.find(tenant_id(), "departments", sort="name")
    return await render_page(
        "admin/kiosks.html", kiosks=kiosks, points=points, departments=departments,
        idle_bounds=IDLE_SECONDS,
    )
