"""The request→SOS translation, written once for the three doors.

`POST /api/v1/sos` (JSON), the form at `POST /q/<code>` and the kiosk's
`POST /api/v1/kiosk/sos` each parse their own body into an `SosRequest`, find their
`Place` (`point_place` / `kiosk_place`), and hand both to `submit`, which takes the
place's shared budget and submits the SOS with where it came from; `answer` is what
every door tells the customer (with `expected_reply_by`: when the business will
answer). The client's own limits (`limit`) come first, before the body is read: a
refused request counts nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from quart import request

from hub import clock
from hub.accounts.model import NOT_TAKING_MESSAGES, is_suspended
from hub.container import hub
from hub.errors import Invalid, NotFound, Suspended
from hub.http.client_address import client_address, household_of, network_of
from hub.moderation.guard import KIOSK_DEVICE_PREFIX
from hub.ports import Doc
from hub.tickets.ticket import Ticket
from hub.tickets.waiting import expected_reply_by


@dataclass(frozen=True)
class SosRequest:
    """An SOS as any door hands it in, once parsed and validated."""

    text: str
    anonymous: bool = False
    contact: Doc | None = None
    language: str | None = None  # a language code; only its first two letters are kept
    # The customer's own word (the API's `language`), not the page's UI language: the
    # detector then leaves it alone.
    language_explicit: bool = False
    signals: Doc | None = None  # the form's bot signals (honeypot, time taken)
    department: str | None = None  # a kiosk's department choice

    @staticmethod
    def contact_of(model: BaseModel | None) -> Doc | None:
        return model.model_dump(mode="json") if model is not None else None


@dataclass(frozen=True)
class Place:
    """Where an SOS is handed in: the access point, its business, and the kiosk if any."""

    point: Doc
    tenant: Doc
    kiosk: Doc | None = None


async def point_place(code: str) -> Place:
    """The place behind a QR code (NotFound naming `point` when unknown or inactive)."""
    point, tenant = await hub().accounts.active_point(code)
    return Place(point, tenant)


async def kiosk_place(kiosk: Doc, department: str | None) -> Place:
    """The place a paired kiosk stands at; the department must be one the kiosk offers."""
    tenant = await hub().accounts.tenant(kiosk["tenant_id"])
    point = await hub().accounts.point(kiosk["tenant_id"], kiosk["point"])
    if tenant is None or point is None or not point.get("active", True):
        raise NotFound("this kiosk's access point is not active", field="point")
    if is_suspended(tenant):
        raise Suspended(NOT_TAKING_MESSAGES)
    if department and department not in (kiosk.get("departments") or []):
        raise Invalid("department: not one this kiosk offers", field="department")
    return Place(point, tenant, kiosk)


async def submit(sos: SosRequest, place: Place) -> Doc:
    """Take the place's shared budget (only a valid SOS does), then store the SOS.

    A QR point's budget is shared by every guest, one share per household (an address, or
    an IPv6 /56); a kiosk's by everyone in its hall. A kiosk's SOS carries the kiosk as its
    device (`kiosk-<id>`), and its anonymity only when the kiosk allows it.
    """
    kiosk = place.kiosk
    if kiosk is None:
        await limit_shared("sos", point=place.point["code"])
        origin: Doc = {
            **client_origin(),
            "network": client_household(),  # what floods are counted by (moderation/floods)
            "signals": sos.signals,
            "language_explicit": sos.language_explicit,
        }
        anonymous = sos.anonymous
    else:
        await hub().limiter.check("kiosk_sos", kiosk=kiosk["id"])
        origin = {"device_id": f"{KIOSK_DEVICE_PREFIX}{kiosk['id']}", "ip": client_ip()}
        anonymous = sos.anonymous and bool(kiosk.get("allow_anonymous", True))
    return await hub().tickets.submit_sos(
        place.tenant,
        place.point,
        text=sos.text,
        anonymous=anonymous,
        contact=sos.contact,
        language=(sos.language or "").lower()[:2] or None,
        origin=origin,
        kiosk=kiosk,
        department=sos.department,
    )


def answer(ticket: Doc, tenant: Doc) -> dict[str, Any]:
    """What every door answers about a stored SOS (a held-back one answers like any other),
    with when the business will answer it: its next opening while closed, else null."""
    return {
        "id": ticket["id"],
        "number": ticket["number"],
        "status": Ticket(ticket).answered_status,
        "thread_url": thread_url(ticket),
        "expected_reply_by": expected_reply_by(tenant, ticket, clock.now()),
    }


def client_ip() -> str:
    """The customer's address (X-Forwarded-For is believed only from trusted proxies)."""
    return client_address(
        request.remote_addr, request.headers.get("X-Forwarded-For"), hub().settings.trusted_proxies
    )


def device_id() -> str | None:
    """The first-party device cookie set by the customer pages, if any.

    One that claims to be a kiosk's (`kiosk-<id>`, which only `submit` sets, on a kiosk's
    SOS) is forged: ignored, so that it can neither join a kiosk's tickets nor pass for it.
    """
    value = request.cookies.get("sos_device")
    if not value or value.startswith(KIOSK_DEVICE_PREFIX):
        return None
    return value[:64]


def client_origin() -> Doc:
    """Where an SOS came from (device cookie, network address), kept for abuse handling."""
    return {"device_id": device_id(), "ip": client_ip()}


def client_network() -> str:
    """The address the rate limits count: an IPv6 host's whole /64, which it changes at will."""
    return network_of(client_ip())


async def limit(policy: str, **keys: str | None) -> None:
    """Apply the client's own limits of a policy to this request (see hub/http/ratelimit.py).

    Call it first: a request it refuses consumes nothing anywhere.
    """
    await hub().limiter.check(policy, ip=client_network(), device=device_id(), **keys)


async def limit_device(policy: str) -> None:
    """Count this request against the policy's per-device limits only (never the address's)."""
    await hub().limiter.check(policy, device=device_id())


def client_household() -> str:
    """Whose share of a point's budget this is: the address, or an IPv6 site's whole /56.

    Providers hand a home or an office a /56 (256 networks of /64): counting each /64 as a
    guest of its own would let one household take a point's whole budget.
    """
    return household_of(client_network())


async def limit_shared(policy: str, **keys: str | None) -> None:
    """Count a valid request against the policy's shared limits (a point's budget).

    Call it after `limit` and after the request was validated: an invalid or refused
    request must not use up what every guest shares; each household counts once per window.
    """
    await hub().limiter.check_shared(policy, client_household(), **keys)


def thread_url(ticket: Doc) -> str:
    return hub().settings.public(f"/t/{ticket['thread_token']}")
