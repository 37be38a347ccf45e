"""Shared by the API and the form: find the point behind a code and submit an SOS."""

from __future__ import annotations

from quart import request

from hub.app import hub
from hub.errors import NotFound
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


def client_origin() -> Doc:
    """Where an SOS came from (device cookie, network address), kept for abuse handling."""
    return {"device_id": request.cookies.get("sos_device"), "ip": request.remote_addr}


def thread_url(ticket: Doc) -> str:
    return hub().settings.public(f"/t/{ticket['thread_token']}")
