"""Kiosks: managers pair and configure them (API), kiosks send SOS and show the /kiosk page.

`POST /api/v1/kiosks` answers the device token once, with the pairing link to open on the
kiosk (`/kiosk#device_token=…`: a fragment, so the token never reaches a server log).
Every change is pushed to the kiosk at once over `/kiosk`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import segno
from pydantic import Field, field_validator
from quart import Blueprint, g, render_template, request, send_from_directory
from quart_schema import security_scheme, validate_request, validate_response

from hub.accounts.business import LANGUAGE_NAMES, business_languages
from hub.accounts.kiosk_requests import HEADER, checked_key, fingerprint
from hub.accounts.kiosk_watch import OFFLINE_MINUTES
from hub.accounts.kiosks import IDLE_SECONDS, kiosk_json
from hub.accounts.model import Role
from hub.container import hub
from hub.errors import Forbidden, Unauthorized
from hub.i18n import DEFAULT, SUPPORTED, browser_languages, choose_language
from hub.ports import Doc
from hub.routes.auth import staff_required, tenant_id
from hub.routes.bodies import Body, Flag
from hub.routes.intake import SosRequest, answer, kiosk_place, submit
from hub.routes.openapi import DEVICE, RATE_LIMITED, fails, responds
from hub.routes.pages import page_tenant, render_page, staff_page
from hub.routes.schemas import ContactIn, SosOut, _trimmed_text, ticket_language
from hub.routes.waiting_note import waiting_for, waiting_text

bp = Blueprint("kiosks", __name__)

MAX_TOKEN_CHARS = 200
STATIC_JS = Path(__file__).resolve().parent.parent / "static" / "js"


class KioskPatch(Body):
    name: str | None = Field(default=None, max_length=80)
    point: str | None = Field(default=None, min_length=1, max_length=64)
    departments: list[str] | None = Field(default=None, max_length=50)
    welcome: str | None = Field(default=None, max_length=300)  # in the business's main language
    # in its other languages ({"fr": "Bienvenue"}): the screen shows the guest's
    welcomes: dict[str, str] | None = Field(default=None, max_length=8)
    idle_seconds: int | None = None
    offline_minutes: int | None = None  # silence before it is flagged offline
    allow_anonymous: Flag | None = None
    active: Flag | None = None


class KioskIn(KioskPatch):
    name: str = Field(min_length=1, max_length=80)
    point: str = Field(min_length=1, max_length=64)


class KioskSosOut(SosOut):
    thread_qr: str  # the thread link as a QR code (an SVG data: URI) for the guest's phone
    # When they will be answered, in the kiosk's language, worded as on the thread page.
    waiting_text: str | None = None


class KioskSosIn(Body):
    """A customer's SOS typed on a kiosk."""

    text: str
    anonymous: Flag = False
    contact: ContactIn | None = None
    department: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=8, pattern=r"^[a-zA-Z-]{2,8}$")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return _trimmed_text(value)

    _language = field_validator("language")(ticket_language)


async def _device_kiosk() -> Doc:
    """The active kiosk whose device token the request carries; 401 otherwise."""
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    kiosk = await hub().kiosks.by_token(token) if 0 < len(token) <= MAX_TOKEN_CHARS else None
    if kiosk is None:
        raise Unauthorized("this kiosk is not paired: open its pairing link again")
    if not kiosk.get("active", True):
        raise Forbidden("this kiosk is switched off by the business")
    return kiosk


@bp.get("/api/v1/kiosks")
@staff_required(Role.manager)
async def list_kiosks() -> Any:
    """The business's kiosks (tokens are never shown again)."""
    docs = await hub().kiosks.all(tenant_id())
    return {"items": [kiosk_json(d) for d in docs]}


@bp.get("/api/v1/kiosks/status")
@staff_required(Role.agent)
async def kiosk_statuses() -> Any:
    """Every kiosk's health for the consoles: online or not, last seen (agents too)."""
    return {"items": await hub().kiosks.statuses(tenant_id())}


@bp.post("/api/v1/kiosks")
@responds(201)
@staff_required(Role.manager)
@validate_request(KioskIn)
async def add_kiosk(data: KioskIn) -> Any:
    """A new kiosk, with its device token and pairing link: shown this once."""
    kiosk, token = await hub().kiosks.create(tenant_id(), data.model_dump(exclude_none=True))
    pair_url = hub().settings.public(f"/kiosk#device_token={token}")
    # the link as a QR code to scan with the tablet's camera: nobody types a 32-letter token
    pair_qr = segno.make(pair_url, error="m").svg_data_uri(scale=4, border=4)
    body = {**kiosk_json(kiosk), "device_token": token, "pair_url": pair_url, "pair_qr": pair_qr}
    return body, 201, {"Cache-Control": "no-store"}  # a secret, shown once


@bp.patch("/api/v1/kiosks/<kiosk_id>")
@staff_required(Role.manager)
@validate_request(KioskPatch)
async def change_kiosk(kiosk_id: str, data: KioskPatch) -> Any:
    """Change a kiosk; the screen shows the change at once."""
    kiosk = await hub().kiosks.update(tenant_id(), kiosk_id, data.model_dump(exclude_none=True))
    return kiosk_json(kiosk)


@bp.delete("/api/v1/kiosks/<kiosk_id>")
@responds(204)
@staff_required(Role.manager)
async def remove_kiosk(kiosk_id: str) -> Any:
    """Unpair a kiosk: its token stops working and its screen says so."""
    await hub().kiosks.unpair(tenant_id(), kiosk_id)
    return "", 204


@bp.post("/api/v1/kiosk/sos")
@fails(
    {
        409: "Idempotency-Key: a submission with this key is still being stored; try again.",
        422: "idempotency_key_reused: this Idempotency-Key came with another body before.",
        423: "The business is suspended: it takes no messages for now.",
        429: RATE_LIMITED,
    }
)
@security_scheme(DEVICE)
@validate_request(KioskSosIn)
@validate_response(KioskSosOut, 201)
@validate_response(KioskSosOut, 200)
async def kiosk_sos(data: KioskSosIn) -> Any:
    """An SOS from a paired kiosk (`Authorization: Bearer <device_token>`).

    With an `Idempotency-Key` header (the kiosk sends one with every submission), a retry
    of a submission the hub already stored answers 200 with that same ticket; the key
    reused with another body is 422 `idempotency_key_reused`. Every request of a kiosk,
    replays included, counts against its `kiosk_request` limit.
    """
    kiosk = await _device_kiosk()
    await hub().limiter.check("kiosk_request", kiosk=kiosk["id"])
    key = checked_key(request.headers.get(HEADER))
    claim = None
    if key is not None:
        body = fingerprint(data.model_dump(mode="json"))
        found = await hub().kiosks.requests.begin(kiosk["tenant_id"], kiosk["id"], key, body)
        if found.ticket_id is not None:
            earlier = await hub().tickets.get(kiosk["tenant_id"], found.ticket_id)
            return await _told(kiosk, earlier, data), 200
        claim = found.doc
    try:
        ticket = await _new_ticket(kiosk, data)
    except BaseException:
        if claim is not None:  # nothing was stored: the kiosk's next try starts afresh
            await hub().kiosks.requests.give_back(kiosk["tenant_id"], claim)
        raise
    if claim is not None:
        await hub().kiosks.requests.settle(kiosk["tenant_id"], claim, ticket["id"])
    await hub().kiosks.seen(kiosk)  # a kiosk that sends is a kiosk that lives
    return await _told(kiosk, ticket, data), 201


async def _new_ticket(kiosk: Doc, data: KioskSosIn) -> Doc:
    place = await kiosk_place(kiosk, data.department)
    sos = SosRequest(
        text=data.text,
        anonymous=data.anonymous,
        contact=SosRequest.contact_of(data.contact),
        language=data.language,
        department=data.department,
    )
    # Every guest in the hall shares the kiosk's budget: only a valid SOS takes from it.
    return await submit(sos, place)


async def _told(kiosk: Doc, ticket: Doc, data: KioskSosIn) -> KioskSosOut:
    """What the kiosk shows about a stored SOS: its number, a QR of its thread, the wait."""
    tenant = await hub().accounts.tenant(kiosk["tenant_id"]) or {}
    told = answer(ticket, tenant)
    qr = segno.make(told["thread_url"], error="m").svg_data_uri(scale=6, border=2)
    if (data.language or "")[:2].lower() in SUPPORTED:
        g.lang = (data.language or "")[:2].lower()  # the language the guest is reading
    waiting = await waiting_text(await waiting_for(tenant, ticket))
    return KioskSosOut(**told, thread_qr=qr, waiting_text=waiting)


@bp.get("/kiosk")
async def kiosk_page() -> Any:
    """The kiosk's screen: it pairs from its link, then follows its configuration live.

    Its language is ?lang= (a guest's pick, dropped after the idle time) or the screen's own
    (the browser's): never the `lang` cookie, which would keep one guest's pick for all."""
    g.lang = choose_language(request.args.get("lang"), None, browser_languages(), DEFAULT)
    return await render_template("kiosk/kiosk.html")


@bp.get("/kiosk-sw.js")
async def kiosk_worker() -> Any:
    """The kiosk's service worker, at the root so it may control /kiosk (the page opens
    again offline); never cached by the browser's HTTP cache, so updates reach kiosks."""
    response = await send_from_directory(STATIC_JS, "kiosk-sw.js", mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/kiosk"
    return response


@bp.get("/admin/kiosks")
@staff_page(Role.manager)
async def kiosks_page() -> Any:
    """Managers pair kiosks, change what they show, and set the business's logo."""
    kiosks = [kiosk_json(k) for k in await hub().kiosks.all(tenant_id())]
    points = await hub().accounts.points(tenant_id())
    departments = await hub().accounts.departments(tenant_id())
    return await render_page(
        "admin/kiosks.html",
        kiosks=kiosks,
        points=points,
        departments=departments,
        # the business's languages, main first, each named in itself (the welcome's texts)
        languages=[(c, LANGUAGE_NAMES[c]) for c in business_languages(page_tenant())],
        idle_bounds=IDLE_SECONDS,
        offline_bounds=OFFLINE_MINUTES,
    )
