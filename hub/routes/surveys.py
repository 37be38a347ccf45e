"""Surveys beyond the thread.

API (manager): `GET`/`PUT /api/v1/survey` — the business's own questions
(`{"questions": [{"id", "kind": "rating4"|"nps"|"text", "text": {lang: str}, "required"}],
"active", "invite", "invite_days"}`; 400 naming the field), `GET /api/v1/survey/results`
(`from`, `to` as in /api/v1/stats). Pages: /admin/survey, /admin/survey/results.
Customers: `/s/<point code>` (the survey behind a point's QR, `?via=kiosk` on a kiosk),
`/survey/<token>` (the invitation's expiring link to a thread's survey).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from quart import Blueprint, g, make_response, redirect, render_template, request
from quart_schema import document_querystring, document_request

from hub import clock
from hub.accounts.model import Role
from hub.container import hub
from hub.errors import Invalid, NotFound, Suspended
from hub.i18n import SUPPORTED
from hub.i18n import gettext as _
from hub.ports import Doc
from hub.routes.auth import staff, staff_required, tenant_id
from hub.routes.bodies import Body, Flag
from hub.routes.intake import Place, limit, limit_shared, point_place
from hub.routes.pages import page_tenant, render_page, staff_page
from hub.routes.stats import PeriodQuery, period_error
from hub.routes.stats_dashboard import shown_period
from hub.routes.survey_form import (
    answer_problems,
    base_answer,
    form_answers,
    questions_view,
    shown_questions,
)
from hub.surveys.links import InviteExpired, InviteInvalid, read_invite_token
from hub.surveys.questions import (
    INVITE_DAYS_MAX,
    KINDS,
    LANGUAGES,
    MAX_QUESTIONS,
    QUESTION_TEXT_MAX,
    SurveyConfig,
)
from hub.surveys.service import Where
from hub.tickets.model import SURVEY_COMMENT_MAX

bp = Blueprint("surveys", __name__)
KIOSK_TOKEN_MAX = 200
YEAR = 365 * 24 * 3600


@bp.after_request
async def _remember_language(response: Any) -> Any:
    """A language picked with ?lang= sticks (cookie `lang`), as on the other customer pages;
    never on a kiosk's survey (`via=kiosk`): the screen is shared, its next guest would get
    this one's language (the pages carry ?lang= instead, back to the kiosk too)."""
    if (
        request.args.get("lang") in SUPPORTED
        and request.path.startswith(("/s/", "/survey/"))
        and request.args.get("via") != "kiosk"
    ):
        response.set_cookie("lang", g.lang, max_age=YEAR, samesite="Lax")
    return response


class QuestionIn(Body):
    """One of the business's questions (documentation: PUT checks it field by field)."""

    id: str | None = Field(default=None, pattern=r"^[a-z0-9_-]{1,32}$")
    kind: str = Field(description="rating4 (very good / good / fair / bad), nps (0-10), text")
    text: dict[str, str] = Field(description="by language; the business's own is required")
    required: Flag = False


class ResultsQuery(PeriodQuery):
    point: str | None = Field(default=None, max_length=64)  # one access point's code


class SurveyConfigIn(Body):
    """The business's survey, replaced whole."""

    questions: list[QuestionIn] = Field(default_factory=list, max_length=MAX_QUESTIONS)
    active: Flag = False  # shown beside the built-in rating (thread, QR, kiosk)
    invite: Flag = True  # e-mail or SMS invitation after resolution
    invite_days: int = Field(default=14, ge=1, le=INVITE_DAYS_MAX)  # the link's lifetime


def config_json(config: SurveyConfig) -> dict[str, Any]:
    return {
        **config.to_doc(),
        "updated_at": config.updated_at,
        "limits": {
            "questions": MAX_QUESTIONS,
            "text_characters": QUESTION_TEXT_MAX,
            "invite_days": INVITE_DAYS_MAX,
        },
        "kinds": list(KINDS),
        "languages": list(LANGUAGES),
    }


async def _tenant() -> Doc:
    tenant = await hub().accounts.tenant(tenant_id())
    if tenant is None:
        raise NotFound("no such business")
    return tenant


@bp.get("/api/v1/survey")
@staff_required(Role.manager)
async def get_survey() -> Any:
    """The business's own survey questions, whether they are shown, and the invitation."""
    return config_json(await hub().surveys.config(tenant_id()))


@bp.put("/api/v1/survey")
@staff_required(Role.manager)
@document_request(SurveyConfigIn)
async def put_survey() -> Any:
    """Replace the business's survey (400 naming the field at fault; nothing saved).

    Every question needs its text in the business's language; at most 10 questions,
    200 characters per text; kinds: rating4, nps, text.
    """
    raw = await request.get_json(force=True, silent=True)
    if raw is None:
        raise Invalid("body: a JSON object", field="body")
    user = staff()
    config = await hub().surveys.save(await _tenant(), raw, user.get("name") or user["email"])
    return config_json(config)


@bp.get("/api/v1/survey/results")
@staff_required(Role.manager)
@document_querystring(ResultsQuery)
async def survey_results() -> Any:
    """Per question and per point for [from, to): the rating's four levels, NPS, texts.

    `from`/`to` as in /api/v1/stats (local days, `to` included, or date-times); by default
    the last 30 of the business's days up to today, the period /admin/stats shows.
    `point`: only that access point's answers (a code of this business; others: 400)."""
    tenant = await _tenant()
    period, _start, _end = shown_period(
        clock.now(),
        str(tenant.get("timezone") or "UTC"),
        request.args.get("from") or None,
        request.args.get("to") or None,
    )
    point = request.args.get("point") or None
    if point is not None and point not in await _point_codes():
        raise Invalid("point: no access point with this code in this business", field="point")
    return await hub().surveys.results(tenant, period, point)


async def _point_codes() -> list[str]:
    return [str(p["code"]) for p in await hub().accounts.points(tenant_id())]


# ---- Staff pages -------------------------------------------------------------------------


def _page_errors(exc: Invalid) -> dict[str, str]:
    """A refused survey in the page's language, by the form field it names."""
    field = exc.field or "form"
    if field == "questions":
        return {"form": _("At most %(max)s questions.", max=MAX_QUESTIONS)}
    if field == "invite_days":
        return {"invite_days": _("Choose from 1 to %(max)s days.", max=INVITE_DAYS_MAX)}
    if ".text." in field:
        if "at most" in exc.message:
            return {field: _("At most %(max)s characters.", max=QUESTION_TEXT_MAX)}
        return {field: _("Write the question in the business's language.")}
    if field.endswith(".kind"):
        return {field: _("Choose a kind of answer.")}
    return {field: _("Please check this field.")}


def _posted_config(form: Any) -> dict[str, Any]:
    """The survey as the page's plain form posts it (rows without any text are dropped)."""
    questions = []
    for i in range(MAX_QUESTIONS + 2):
        texts = {lang: form.get(f"questions[{i}].text.{lang}", "") for lang in LANGUAGES}
        if not any(t.strip() for t in texts.values()):
            continue
        row: dict[str, Any] = {
            "kind": form.get(f"questions[{i}].kind", ""),
            "text": texts,
            "required": form.get(f"questions[{i}].required") == "on",
        }
        if form.get(f"questions[{i}].id"):
            row["id"] = form.get(f"questions[{i}].id")
        questions.append(row)
    days = form.get("invite_days", "14").strip()
    return {
        "questions": questions,
        "active": form.get("active") == "on",
        "invite": form.get("invite") == "on",
        "invite_days": int(days) if days.isdigit() and len(days) < 4 else -1,
    }


async def _survey_page(config: dict[str, Any], status: int = 200, **context: Any) -> Any:
    tenant = page_tenant()
    rows = list(config.get("questions") or [])
    rows += [{"kind": "rating4", "text": {}, "required": False}] * max(
        0, min(2, MAX_QUESTIONS - len(rows))
    )
    page = await render_page(
        "admin/surveys.html",
        config=config,
        rows=rows,
        default_lang=str(tenant.get("language") or "es"),
        languages=LANGUAGES,
        kinds=KINDS,
        text_max=QUESTION_TEXT_MAX,
        max_questions=MAX_QUESTIONS,
        invite_days_max=INVITE_DAYS_MAX,
        errors=context.get("errors", {}),
        saved=context.get("saved", False),
    )
    return page if status == 200 else await make_response(page, status)


@bp.get("/admin/survey")
@staff_page(Role.manager)
async def survey_page() -> Any:
    """Managers write their own questions and set the invitation (a plain form)."""
    config = await hub().surveys.config(tenant_id())
    return await _survey_page(config.to_doc(), saved=request.args.get("saved") == "1")


@bp.post("/admin/survey")
@staff_page(Role.manager)
async def save_survey_page() -> Any:
    """Save the page's form; errors next to their fields, in the page's language."""
    raw = _posted_config(await request.form)
    user = staff()
    try:
        await hub().surveys.save(page_tenant(), raw, user.get("name") or user["email"])
    except Invalid as exc:
        return await _survey_page(raw, 400, errors=_page_errors(exc))
    lang = request.args.get("lang")
    return redirect("/admin/survey?saved=1" + (f"&lang={g.lang}" if lang else ""), 303)


@bp.get("/admin/survey/results")
@staff_page(Role.manager)
async def survey_results_page() -> Any:
    """Per question and per point for a period (works without JavaScript)."""
    asked = {k: request.args.get(k, "")[:64] for k in ("from", "to", "point")}
    tenant = page_tenant()
    points = await hub().accounts.points(tenant_id())
    point = asked["point"] if asked["point"] in {p["code"] for p in points} else None
    result: dict[str, Any] | None = None
    error: str | None = None
    shown = {**asked}  # the dates the fields show: the asked ones, or the default period's
    try:
        zone = str(tenant.get("timezone") or "UTC")
        period, shown["from"], shown["to"] = shown_period(
            clock.now(), zone, asked["from"] or None, asked["to"] or None
        )
        result = await hub().surveys.results(tenant, period, point)
    except Invalid as exc:
        error = period_error(exc)
    default = str(tenant.get("language") or "es")
    page = await render_page(
        "admin/survey_results.html",
        result=result,
        error=error,
        asked=shown,
        points=points,
        zone=str(tenant.get("timezone") or "UTC"),
        label=lambda q: q["text"].get(g.lang) or q["text"].get(default) or q["id"],
    )
    return page if error is None else await make_response(page, 400)


# ---- Customer pages -----------------------------------------------------------------------


async def _kiosk_of(token: str, place: Place) -> Doc | None:
    """The paired kiosk standing at this point whose device token the form carries."""
    if not 0 < len(token) <= KIOSK_TOKEN_MAX:
        return None
    kiosk = await hub().kiosks.by_token(token)
    if (
        kiosk is None
        or not kiosk.get("active", True)
        or kiosk["tenant_id"] != place.tenant["id"]
        or kiosk.get("point") != place.point["code"]
    ):
        return None
    return kiosk


async def _place_or_page(code: str) -> Place | Any:
    try:
        return await point_place(code)
    except NotFound:
        return await make_response(await render_template("customer/unknown_point.html"), 404)
    except Suspended:
        return await make_response(await render_template("customer/suspended.html"), 423)


async def _visit_page(place: Place, status: int = 200, **context: Any) -> Any:
    kiosk = request.args.get("via") == "kiosk"
    html = await render_template(
        "customer/survey.html",
        point=place.point,
        tenant=place.tenant,
        kiosk=kiosk,
        questions=questions_view(await shown_questions(place.tenant), place.tenant),
        comment_max=SURVEY_COMMENT_MAX,
        values=context.get("values", {}),
        errors=context.get("errors", {}),
    )
    response = await make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/s/<code>")
async def visit_survey(code: str) -> Any:
    """Rate a visit without sending an SOS: the link on a point's QR page, or a kiosk's."""
    await limit("page")
    place = await _place_or_page(code)
    if not isinstance(place, Place):
        return place
    return await _visit_page(place)


@bp.post("/s/<code>")
async def visit_survey_answer(code: str) -> Any:
    """The survey's plain form post; stored without anything about the person."""
    form = await request.form
    place = await _place_or_page(code)
    if not isinstance(place, Place):
        return place
    kiosk = (
        await _kiosk_of(form.get("device_token", ""), place) if form.get("device_token") else None
    )
    if kiosk is not None:
        await hub().limiter.check("kiosk_survey", kiosk=kiosk["id"])
    else:
        await limit("visit_survey")
    questions = await shown_questions(place.tenant)
    base, errors = base_answer(form)
    answers, problems = answer_problems(questions, form_answers(form, questions))
    errors.update(problems)
    if errors:
        values = {**base, "answers": form_answers(form, questions)}
        return await _visit_page(place, 400, values=values, errors=errors)
    if kiosk is None:
        await limit_shared("visit_survey", point=place.point["code"])
    await hub().surveys.respond(
        place.tenant,
        Where(place.point, kiosk),
        language=g.lang if g.lang in SUPPORTED else "en",
        rating=str(base["rating"]),
        nps=base["nps"],
        comment=base["comment"],
        answers=answers,
    )
    via = "?via=kiosk" if kiosk is not None or request.args.get("via") == "kiosk" else ""
    if via and request.args.get("lang") in SUPPORTED:
        via += f"&lang={g.lang}"  # no cookie on a kiosk: the guest's language goes along
    return redirect(f"/s/{code}/thanks{via}", 303)


@bp.get("/s/<code>/thanks")
async def visit_survey_thanks(code: str) -> Any:
    """Thanks; a kiosk goes back to its screen by itself."""
    place = await _place_or_page(code)
    if not isinstance(place, Place):
        return place
    return await render_template(
        "customer/survey_thanks.html",
        point=place.point,
        tenant=place.tenant,
        kiosk=request.args.get("via") == "kiosk",
    )


@bp.get("/survey/<token>")
async def invitation_link(token: str) -> Any:
    """The invitation's link: to the thread's survey while it is valid, else a clear page."""
    await limit("page")
    try:
        tenant, ticket_id = read_invite_token(hub().settings.secret_key, token[:400], clock.now())
        ticket = await hub().tickets.get(tenant, ticket_id)
    except InviteExpired:
        html = await render_template("customer/survey_expired.html")
        return _no_store(await make_response(html, 410))
    except (InviteInvalid, NotFound):
        html = await render_template("customer/unknown_thread.html")
        return _no_store(await make_response(html, 404))
    return _no_store(redirect(f"/t/{ticket['thread_token']}#survey", 303))


def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
