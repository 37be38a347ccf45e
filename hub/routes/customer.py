"""The customer's pages: the form behind a QR code and the private thread page.

Both work as plain HTML forms without JavaScript; static/js adds live updates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from quart import (
    Blueprint,
    Response,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)
from werkzeug.wrappers import Response as WerkzeugResponse

from hub.clock import new_secret
from hub.container import hub
from hub.errors import HubError, Invalid, NotFound, StoreUnavailable, Suspended
from hub.http.ratelimit import RateLimited
from hub.i18n import SUPPORTED, clock_hour, format_moment, format_number
from hub.i18n import gettext as _
from hub.moderation.bots import automated_client, form_signals, form_stamp
from hub.ports import Doc
from hub.routes.errors import not_stored_message
from hub.routes.intake import (
    Place,
    SosRequest,
    answer,
    client_network,
    device_id,
    limit,
    limit_device,
    point_place,
    submit,
)
from hub.routes.schemas import SosIn, SurveyIn, TextIn
from hub.routes.survey_form import answer_problems, form_answers, questions_view, shown_questions
from hub.routes.waiting_note import tenant_zone, waiting_for
from hub.tickets.model import (
    SURVEY_COMMENT_MAX,
    TEXT_MAX,
    customer_attachment_json,
    customer_ticket,
    thread_attachments_path,
)

bp = Blueprint("customer", __name__)

DEVICE_COOKIE = "sos_device"
YEAR = 365 * 24 * 3600
AnyResponse = Response | WerkzeugResponse


@bp.after_request
async def _remember_language(response: Response) -> Response:
    """A language picked with ?lang= sticks (cookie `lang`) on every customer page."""
    if request.args.get("lang") in SUPPORTED:
        response.set_cookie("lang", g.lang, max_age=YEAR, samesite="Lax")
    return response


def _form_text(value: str) -> str:
    """Browsers send a textarea's line breaks as CRLF: count each as one character, as typed."""
    return value.replace("\r\n", "\n")


def _text_error(text: str) -> str | None:
    """Why this message cannot be sent, in the customer's language; None when it can."""
    cleaned = text.replace("\x00", "").strip()
    if not cleaned:
        return _("Please write your message first.")
    if len(cleaned) > TEXT_MAX:
        return _(
            "Your message is too long: %(count)s characters. The limit is %(max)s.",
            count=format_number(len(cleaned), g.lang),
            max=format_number(TEXT_MAX, g.lang),
        )
    return None


def _phone_error() -> str:
    return _("This phone number does not look right. Use digits, and + for the country.")


def _field_errors(error: ValidationError, text: str) -> dict[str, str]:
    """One readable message per field the customer can fix."""
    messages = {
        "name": _("This name is too long."),
        "email": _("This e-mail address does not look right. Check it, or leave it empty."),
        "phone": _phone_error(),
    }
    out: dict[str, str] = {}
    for item in error.errors():
        loc = [str(p) for p in item.get("loc", ())]
        field = loc[-1] if loc else "text"
        if field == "text":
            out["text"] = _text_error(text) or _("Please check your message.")
        else:
            out.setdefault(field, messages.get(field, _("Please check this field.")))
    return out


def _clock(tenant: Doc | None) -> Callable[[str | None], str]:
    """Stored UTC times in the business's zone, the page language's way: '19:07' today,
    '29 nov, 19:07' (es) or 'Nov 29, 19:07' (en) before (static/js/thread.js does the same)."""
    zone = tenant_zone(tenant)
    today = datetime.now(zone).date()

    def when(iso: str | None) -> str:
        if not iso:
            return ""
        moment = datetime.fromisoformat(iso).astimezone(zone)
        return format_moment(moment, zone, g.lang, date=moment.date() != today)

    return when


async def _unknown_point() -> Any:
    return await make_response(await render_template("customer/unknown_point.html"), 404)


async def _not_taking_messages() -> Any:
    """The page of a point whose business is suspended: nothing to send, nothing lost."""
    return await make_response(await render_template("customer/suspended.html"), 423)


async def _form_page(
    code: str,
    status: int = 200,
    loaded: Place | None = None,
    new_device: str | None = None,
    **context: Any,
) -> Any:
    try:
        place = loaded or await point_place(code)
    except NotFound:
        return await _unknown_point()
    except Suspended:
        return await _not_taking_messages()
    html = await render_template(
        "customer/form.html",
        point=place.point,
        tenant=place.tenant,
        # a group's "Barra" is in one of its restaurants: say which, when there are several
        establishment=(await hub().setup.establishment_names(place.tenant["id"])).get(
            place.point.get("establishment") or ""
        ),
        text_max=TEXT_MAX,
        values=context.get("values", {}),
        errors=context.get("errors", {}),
        form_stamp=form_stamp(hub().settings.secret_key, code),
    )
    response = await make_response(html, status)
    if status == 503:
        response.headers["Retry-After"] = str(StoreUnavailable.retry_after)
    if not device_id():  # none yet, or a forged kiosk id: a fresh one of its own
        response.set_cookie(
            DEVICE_COOKIE,
            new_device or new_secret(12),
            max_age=YEAR,
            httponly=True,
            samesite="Lax",
            secure=hub().settings.secure_cookies,
        )
    return response


@bp.get("/q/<code>")
async def form(code: str) -> Any:
    """The mobile page behind a QR access point; each opening by a person is a scan.

    Not scans: HEAD requests, crawlers and link previewers, unknown or inactive points, the
    same browser again within minutes (hub/accounts/scans.py says why and how).
    """
    await limit("page")
    try:
        place = await point_place(code)
    except NotFound:
        return await _unknown_point()
    except Suspended:
        return await _not_taking_messages()
    # A first visit gets its cookie now, so that its own reload is recognised.
    new_device = None if device_id() else new_secret(12)
    if (
        request.method == "GET"
        and not automated_client(request.headers.get("User-Agent"))
        and await _within_scan_limit(code)
    ):
        await hub().scans.opened(place.tenant, place.point, device_id() or new_device)
    return await _form_page(code, loaded=place, new_device=new_device)


async def _within_scan_limit(code: str) -> bool:
    """Whether this network may still add scans of this point this minute (the "scan"
    policy): a device cookie is the client's to choose, so each one is not a new person."""
    try:
        await hub().limiter.check("scan", pair=f"{client_network()}|{code}")
    except RateLimited:
        return False
    return True


@bp.post("/q/<code>")
async def send(code: str) -> Any:
    """The form's plain POST: store the SOS, then show its thread with the confirmation."""
    form = await request.form
    anonymous = form.get("anonymous") in ("1", "on", "true", "yes")
    values = {
        "text": _form_text(form.get("text", "")),
        "anonymous": anonymous,
        "name": form.get("name", ""),
        "email": form.get("email", ""),
        "phone": form.get("phone", ""),
    }
    # Ticked "anonymous": whatever is in the contact fields (still visible without JS) is dropped.
    contact = None if anonymous else {k: values[k] for k in ("name", "email", "phone")}
    try:
        data = SosIn.model_validate(
            {
                "point": code,
                "text": values["text"],
                "anonymous": anonymous,
                "contact": contact,
                "language": g.lang,
            }
        )
    except ValidationError as exc:
        # Counted against this browser alone: junk posts from one guest must not use up the
        # address limit that everyone on the same hotel Wi-Fi shares.
        await limit_device("sos")
        if _wants_json():
            return _json_errors(400, _field_errors(exc, values["text"]))
        return await _form_page(code, 400, values=values, errors=_field_errors(exc, values["text"]))
    await limit("sos")  # the client's own limits, before anything shared is counted
    try:
        place = await point_place(code)
    except NotFound:
        return await _unknown_point()
    except Suspended:
        return await _not_taking_messages()
    sos = SosRequest(
        text=data.text,
        anonymous=data.anonymous,
        contact=SosRequest.contact_of(data.contact),
        language=g.lang,  # the page's language: the detector may still correct it
        # the honeypot and the time taken let the guard hold back bots, silently
        signals=form_signals(hub().settings.secret_key, code, form.get("website"), form.get("t")),
    )
    try:
        ticket = await submit(sos, place)  # takes the point's shared budget: valid SOS only
    except Invalid as exc:
        if exc.field != "contact.phone":
            raise
        # no number of the business's country nor an international one (hub/phones.py)
        errors = {"phone": _phone_error()}
        if _wants_json():
            return _json_errors(400, errors)
        return await _form_page(code, 400, place, values=values, errors=errors)
    except StoreUnavailable:
        # Not stored: say so, and give the customer their text back to send again.
        errors = {"form": not_stored_message()}
        if _wants_json():
            return _json_errors(503, errors)
        return await _form_page(code, 503, place, values=values, errors=errors)
    if _wants_json():  # the page's script, with photos to attach to the SOS right after
        return answer(ticket, place.tenant), 201
    return redirect(f"/t/{ticket['thread_token']}?sent=1", 303)


def _wants_json() -> bool:
    """The form's own script asks for JSON (it has photos to send next); a browser, HTML."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _json_errors(status: int, errors: dict[str, str]) -> Response:
    """The form's errors, worded for the customer, by field (`form`: the whole form)."""
    message = next(iter(errors.values()), "")
    response = jsonify({"error": {"code": "invalid", "message": message}, "errors": errors})
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = str(StoreUnavailable.retry_after)
    return response


def _private(response: AnyResponse) -> AnyResponse:
    """The thread URL is its own password: keep it out of caches, Referer headers and indexes."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


async def _thread_page(token: str, status: int = 200, **context: Any) -> Any:
    try:
        ticket = await hub().tickets.by_thread_token(token)
    except NotFound:
        html = await render_template("customer/unknown_thread.html")
        return _private(await make_response(html, 404))
    tenant = await hub().accounts.tenant(ticket["tenant_id"])
    messages = await hub().tickets.messages(ticket["tenant_id"], ticket["id"])
    messages, photos = await _with_photos(ticket, token, messages)
    html = await render_template(
        "customer/thread.html",
        clock_hour=clock_hour(g.lang),
        ticket=customer_ticket(ticket),
        tenant=tenant or {},
        waiting=await waiting_for(tenant or {}, ticket, messages),
        token=token,
        messages=messages,
        photos=photos,
        when=_clock(tenant),
        thread_path=f"/t/{token}",
        thread_url=hub().settings.public(f"/t/{token}"),
        sent=request.args.get("sent") == "1",
        text_max=TEXT_MAX,
        values=context.get("values", {}),
        errors=context.get("errors", {}),
        # the business's own questions beside the built-in ones (hub/routes/survey_form.py)
        survey_questions=questions_view(await shown_questions(tenant), tenant or {}),
    )
    return _private(await make_response(html, status))


async def _with_photos(
    ticket: Doc, token: str, messages: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """The conversation with a bubble for each photo sent on its own (in time order), and
    the photos by the message they go with (the ticket's id: the SOS)."""
    path = thread_attachments_path(token)
    photos: dict[str, list[dict[str, Any]]] = {}
    loose: list[dict[str, Any]] = []
    for doc in await hub().tickets.attachments(ticket["tenant_id"], ticket["id"]):
        photo = customer_attachment_json(doc, path)
        owner = photo["message_id"] or photo["id"]
        photos.setdefault(owner, []).append(photo)
        if photo["message_id"] is None:
            keep = ("id", "from", "author", "created_at")
            loose.append({**{k: photo[k] for k in keep}, "text": "", "translations": {}})
    merged = sorted([*messages, *loose], key=lambda m: str(m.get("created_at")))
    return merged, photos


@bp.get("/t/<token>")
async def thread(token: str) -> Any:
    """The customer's private, live conversation page."""
    return await _thread_page(token)


@bp.post("/t/<token>")
async def thread_answer(token: str) -> Any:
    """The customer answers without JavaScript."""
    await limit("thread_message", thread=token[:64])
    form = await request.form
    text = _form_text(form.get("text", ""))
    try:
        data = TextIn.model_validate({"text": text})
    except ValidationError as exc:
        errors = _field_errors(exc, text)
        return await _thread_page(token, 400, values={"text": text}, errors=errors)
    try:
        ticket = await hub().tickets.by_thread_token(token)
        await hub().tickets.customer_message(ticket, data.text)
    except StoreUnavailable:
        errors = {"text": not_stored_message()}
        response = await _thread_page(token, 503, values={"text": text}, errors=errors)
        response.headers["Retry-After"] = str(StoreUnavailable.retry_after)
        return response
    except HubError:
        return await _thread_page(token)
    return redirect(f"/t/{token}#latest", 303)


@bp.post("/t/<token>/survey")
async def thread_survey(token: str) -> Any:
    """The customer rates the answer, without JavaScript (a plain form)."""
    await limit("survey", thread=token[:64])
    form = await request.form
    nps = form.get("nps") or None
    raw = {
        "rating": form.get("rating") or None,
        "nps": int(nps) if nps and nps.isdigit() and len(nps) <= 2 else nps,
        "comment": _form_text(form.get("comment", "")) or None,
    }
    try:
        data = SurveyIn.model_validate(raw)
    except ValidationError as exc:
        said = {
            "rating": _("Please choose how we did."),
            "nps": _("Choose a number from 0 to 10."),
            "comment": _(
                "Your comment is too long: at most %(max)s characters.",
                max=format_number(SURVEY_COMMENT_MAX, g.lang),
            ),
        }
        errors = {str(e["loc"][0]): said.get(str(e["loc"][0]), "") for e in exc.errors()}
        return await _thread_page(token, 400, values={"survey": raw}, errors=errors)
    try:
        ticket = await hub().tickets.by_thread_token(token)
        questions = await shown_questions(await hub().accounts.tenant(ticket["tenant_id"]))
        answers, problems = answer_problems(questions, form_answers(form, questions))
        if problems:
            raw["answers"] = form_answers(form, questions)
            return await _thread_page(token, 400, values={"survey": raw}, errors=problems)
        await hub().tickets.answer_survey(ticket, data.rating, data.nps, data.comment, answers)
    except NotFound:
        return await _thread_page(token)  # "this conversation does not exist"
    except StoreUnavailable:
        raise  # not stored: the 503 page says so (the answer is a few taps to give again)
    except HubError:
        return redirect(f"/t/{token}", 303)  # not resolved (any more): the page says where it is
    return redirect(f"/t/{token}#survey", 303)
