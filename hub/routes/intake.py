"""Shared by the API and the form: find the point behind a code and submit an SOS."""

from __future__ import annotations

import ipaddress

from quart import request

from hub.client_address import client_address
from hub.container import hub
from hub.errors import NotFound
from hub.moderation.guard import KIOSK_DEVICE_PREFIX
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


def client_network() -> str:
    """The address the rate limits count: an IPv6 host's whole /64, which it changes at will."""
    ip = client_ip()
    try:
        parsed = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return ip


async def limit(policy: str, **keys: str | None) -> None:
    """Apply the client's own limits of a policy to this request (see hub/ratelimit.py).

    Call it first: a request it refuses consumes nothing anywhere.
    """
    await hub().limiter.check(policy, ip=client_network(), device=device_id(), **keys)


async def limit_shared(policy: str, **keys: str | None) -> None:
    """Count a valid request against the policy's shared limits (a point's budget).

    Call it after `limit` and after the request was validated: an invalid or refused
    request must not use up what every guest shares; each address counts once per window.
    """
    await hub().limiter.check_shared(policy, client_network(), **keys)


def thread_url(ticket: Doc) -> str:
    return hub().settings.public(f"/t/{ticket['thread_token']}")
