"""Shared by the API and the form: find the point behind a code and submit an SOS."""

from __future__ import annotations

from quart import request

from hub.app import hub
from hub.client_address import client_address
from hub.errors import NotFound
from hub.guard import KIOSK_DEVICE_PREFIX
from hub.ports import Doc


async def active_point(code: str) -> tuple[Doc, Doc]:
    """The active access point with this code and its tenant; NotFound otherwise."""
    point = await hub().store.lookup("points", "code", code) if code else None
    if point is None or not point.get("active", True):
        raise NotFound("this access point does not exist or is not active", field="point")
    tenant = await hub().store.get(point["tenant_id"], "tenants", point["tenant_id"])
    if tenant is None:
        raise NotFound("this access point does not exist or is not active", field="point")
    return point, tenant


def client_ip() -> str:
    """The customer's address (X-Forwarded-For is believed only from trusted proxies)."""
    return client_address(
        request.remote_addr, request.headers.get("X-Forwarded-For"), hub().settings.trusted_proxies
    )


def device_id() -> str | None:
    """The first-party device cookie set by the customer pages, if any.

    One that claims to be a kiosk's (`kiosk-<id>`, which only the kiosk route sets on its own
    SOS) is forged: ignored, so that it can neither join a kiosk's tickets nor pass for it.
    """
    value = request.cookies.get("sos_device")
    if not value or value.startswith(KIOSK_DEVICE_PREFIX):
        return None
    return value[:64]


def client_origin() -> Doc:
    """Where an SOS came from (device cookie, network address), kept for abuse handling."""
    return {"device_id": device_id(), "ip": client_ip()}


async def limit(policy: str, **keys: str | None) -> None:
    """Apply a rate-limit policy to this request (see hub/ratelimit.py)."""
    await hub().limiter.check(policy, ip=client_ip(), device=device_id(), **keys)


def thread_url(ticket: Doc) -> str:
    return hub().settings.public(f"/t/{ticket['thread_token']}")
