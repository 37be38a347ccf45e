"""The customer's pages: the form behind a QR code and the private thread page.

Both work as plain HTML forms without JavaScript; static/js adds live updates.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from quart import Blueprint, g, make_response, redirect, render_template, request

from hub.app import hub
from hub.clock import new_secret
from hub.errors import HubError, NotFound
from hub.routes.intake import active_point, client_origin
from hub.routes.schemas import SosIn, TextIn
from hub.tickets.model import TEXT_MAX, customer_ticket

bp = Blueprint("customer", __name__)

DEVICE_COOKIE = "sos_device"


def _field_errors(error: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in error.errors():
        loc = [str(p) for p in item.get("loc", ())]
        field = loc[-1] if loc else "text"
        out.setdefault(field, item.get("msg", "invalid").removeprefix("Value error, "))
    return out


async def _form_page(code: str, status: int = 200, **context: Any) -> Any:
    try:
        point, tenant = await active_point(code)
    except NotFound:
        html = await render_template("customer/unknown_point.html")
        return await make_response(html, 404)
    html = await render_template(
        "customer/form.html",
        point=point,
        tenant=tenant,
        text_max=TEXT_MAX,
        values=context.get("values", {}),
        errors=context.get("errors", {}),
    )
    response = await make_response(html, status)
    if not request.cookies.get(DEVICE_COOKIE):
        response.set_cookie(
            DEVICE_COOKIE, new_secret(12), max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
            secure=hub().settings.secure_cookies,
        )
    if request.args.get("lang") in ("es", "en"):
        response.set_cookie("lang", g.lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@bp.get("/q/<code>")
async def form(code: str) -> Any:
    """The mobile page behind a QR access point."""
    return await _form_page(code)


@bp.post("/q/<code>")
async def send(code: str) -> Any:
    """The form's plain POST: store the SOS, then show its thread with the confirmation."""
    form = await request.form
    anonymous = form.get("anonymous") in ("1", "on", "true", "yes")
    values = {
        "text": form.get("text", ""),
        "anonymous": anonymous,
        "name": form.get("name", ""),
        "email": form.get("email", ""),
        "phone": form.get("phone", ""),
    }
    contact = None if anonymous else {k: values[k] for k in ("name", "email", "phone")}
    try:
        data = SosIn.model_validate(
            {"point": code, "text": values["text"], "anonymous": anonymous, "contact": contact,
             "language": g.lang}
        )
    except ValidationError as exc:
        return await _form_page(code, 400, values=values, errors=_field_errors(exc))
    point, tenant = await active_point(code)
    ticket = await hub().tickets.submit_sos(
        tenant,
        point,
        text=data.text,
        anonymous=data.anonymous,
        contact=data.contact.model_dump(mode="json") if data.contact else None,
        language=g.lang,
        origin=client_origin(),
    )
    return redirect(f"/t/{ticket['thread_token']}?sent=1", 303)


async def _thread_page(token: str, status: int = 200, **context: Any) -> Any:
    try:
        ticket = await hub().tickets.by_thread_token(token)
    except NotFound:
        return await make_response(await render_template("customer/unknown_thread.html"), 404)
    tenant = await hub().store.get(ticket["tenant_id"], "tenants", ticket["tenant_id"])
    messages = await hub().tickets.messages(ticket["tenant_id"], ticket["id"])
    html = await render_template(
        "customer/thread.html",
        ticket=customer_ticket(ticket),
        tenant=tenant,
        token=token,
        messages=messages,
        thread_url=hub().settings.public(f"/t/{token}"),
        sent=request.args.get("sent") == "1",
        text_max=TEXT_MAX,
        values=context.get("values", {}),
        errors=context.get("errors", {}),
    )
    return await make_response(html, status)


@bp.get("/t/<token>")
async def thread(token: str) -> Any:
    """The customer's private, live conversation page."""
    return await _thread_page(token)


@bp.post("/t/<token>")
async def thread_answer(token: str) -> Any:
    """The customer answers without JavaScript."""
    form = await request.form
    text = form.get("text", "")
    try:
        data = TextIn.model_validate({"text": text})
    except ValidationError as exc:
        return await _thread_page(token, 400, values={"text": text}, errors=_field_errors(exc))
    try:
        ticket = await hub().tickets.by_thread_token(token)
        await hub().tickets.customer_message(ticket, data.text)
    except HubError:
        return await _thread_page(token)
    return redirect(f"/t/{token}#latest", 303)
