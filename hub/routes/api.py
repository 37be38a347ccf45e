"""The JSON API under /api/v1: intake, the customer's thread, staff login and tickets."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, request
from quart_auth import AuthUser, current_user, login_user, logout_user
from quart_schema import (
    document_response,
    validate_querystring,
    validate_request,
    validate_response,
)

from hub import clock
from hub.accounts.access import Opening
from hub.accounts.model import Role, public_user
from hub.container import hub
from hub.errors import Conflicting, Invalid
from hub.notify.outbox import addresses_of, for_agent, scrub
from hub.ports import Doc
from hub.routes.attachments import absolute_photo
from hub.routes.auth import (
    check_current_password,
    check_logins,
    refuse_other_sites,
    staff,
    staff_required,
    tenant_id,
)
from hub.routes.bodies import no_body
from hub.routes.first_run import landing
from hub.routes.intake import SosRequest, answer, limit, point_place, submit
from hub.routes.openapi import RATE_LIMITED, fails, responds
from hub.routes.schemas import (
    EventList,
    EventsQuery,
    LoginIn,
    LogoutOut,
    Message,
    Note,
    NoteIn,
    PasswordIn,
    PasswordOut,
    ReplyIn,
    SosIn,
    SosOut,
    SurveyIn,
    TextIn,
    Thread,
    Ticket,
    TicketDetail,
    TicketList,
    TicketPatch,
    TicketQuery,
    TokenOut,
)
from hub.surveys.questions import check_answers
from hub.tickets.model import (
    Status,
    customer_attachment_json,
    customer_message_json,
    customer_ticket,
    message_json,
    note_json,
    staff_ticket,
    survey_json,
    thread_attachments_path,
)
from hub.tickets.services import Actor
from hub.tickets.waiting import expected_reply_by

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class ChooseBusiness(Conflicting):
    """The credentials open accounts at several businesses and the login named none."""

    def __init__(self, opened: list[Opening]) -> None:
        super().__init__(
            "business: this e-mail and password open accounts at several businesses;"
            " send the slug of one as business",
            field="business",
        )
        choices = [
            {"slug": str(o.tenant.get("slug", "")), "name": str(o.tenant.get("name", ""))}
            for o in opened
        ]
        self.details = {"businesses": sorted(choices, key=lambda b: b["slug"])}


def chosen_account(opened: list[Opening], business: str | None) -> Doc:
    """The one account to log in to: the only one, or the one at `business` (a slug)."""
    if business is None:
        if len(opened) > 1:
            raise ChooseBusiness(opened)
        return opened[0].user
    for opening in opened:
        if opening.tenant.get("slug") == business.strip().lower():
            return opening.user
    raise Invalid("business: these credentials open no account at that business", field="business")


@bp.post("/auth/login")
@validate_request(LoginIn)
async def login(data: LoginIn) -> Any:
    """Staff log in with e-mail and password; the answer sets the session cookie and says
    where a browser would land (`/admin/start` for a manager still setting up).

    An e-mail and password that open accounts at several businesses need `business` (its
    slug): without it the answer is a 409 naming `business` that lists them."""
    user = chosen_account(await check_logins(data.email, data.password), data.business)
    login_user(AuthUser(await hub().access.start_session(user)), remember=True)
    return {
        "user": public_user(user),
        "tenant_id": user["tenant_id"],
        "landing": await landing(user),
    }


@bp.post("/auth/logout")
@validate_response(LogoutOut)
async def logout() -> Any:
    """End this session on the server: a copy of its cookie gets 401 from now on.

    A browser's post from another site's page is refused (it needs no custom header)."""
    refuse_other_sites()
    await hub().access.log_out(current_user.auth_id)
    logout_user()
    return LogoutOut(ok=True)


@bp.post("/me/password")
@staff_required()
@validate_request(PasswordIn)
@validate_response(PasswordOut)
async def change_password(data: PasswordIn) -> Any:
    """Change one's own password; every other session of the user ends, this one stays."""
    user = staff()
    await check_current_password(user, data.current)
    auth_id = None if _by_token() else current_user.auth_id
    ended = await hub().access.change_password(user, data.new, current_auth_id=auth_id)
    return PasswordOut(ok=True, sessions_ended=ended)


@bp.post("/me/token")
@staff_required()
@no_body
@validate_response(TokenOut)
async def rotate_token() -> Any:
    """A new API token for oneself, shown this once; the old one gets 401 from now on."""
    return TokenOut(api_token=await hub().access.rotate_token(staff()))


def _by_token() -> bool:
    return request.headers.get("Authorization", "")[:7].lower() == "bearer "


@bp.get("/me")
@staff_required()
async def me() -> Any:
    user = staff()
    tenant = await hub().accounts.tenant(user["tenant_id"])
    fields = ("slug", "name", "language", "timezone", "sla_hours")
    return {"user": public_user(user), "tenant": {k: (tenant or {}).get(k) for k in fields}}


@bp.post("/sos")
@fails(
    {
        404: "point: no such access point, or it is switched off.",
        423: "The business is suspended: it takes no messages for now.",
        429: RATE_LIMITED,
    }
)
@validate_request(SosIn)
@validate_response(SosOut, 201)
async def submit_sos(data: SosIn) -> Any:
    """A customer's SOS: stored first, then pushed to the consoles. No login."""
    await limit("sos")  # the client's own limits first: a refused request counts nowhere
    place = await point_place(data.point)
    sos = SosRequest(
        text=data.text,
        anonymous=data.anonymous,
        contact=SosRequest.contact_of(data.contact),
        language=data.language,
        # an API caller's language is the customer's word; the form's is only its UI's
        language_explicit=bool(data.language),
    )
    return SosOut(**answer(await submit(sos, place), place.tenant)), 201


@bp.get("/thread/<token>")
@document_response(Thread)
async def thread(token: str) -> Any:
    """The customer's view of their ticket and its conversation, and when to expect an
    answer: `expected_reply_by` (the next opening while the business is closed, else
    null) and `usual_reply_minutes` (how long answers usually take; null without history).

    The thread shows the customer a simplified status, not the staff's: `received` (nobody
    has picked it up yet), `being_handled` (acknowledged, open or waiting for the customer's
    answer) or `resolved` (resolved or closed)."""
    ticket = await hub().tickets.by_thread_token(token)
    messages = await hub().tickets.messages(ticket["tenant_id"], ticket["id"])
    tenant = await hub().accounts.tenant(ticket["tenant_id"]) or {}
    now = clock.now()
    photos = await hub().tickets.attachments(ticket["tenant_id"], ticket["id"])
    path = thread_attachments_path(token)
    return {
        "ticket": customer_ticket(ticket),
        "messages": messages,
        "expected_reply_by": expected_reply_by(tenant, ticket, now),
        "usual_reply_minutes": await hub().waiting.usual_minutes(ticket["tenant_id"], now),
        # each with the message it came with (`message_id`: the ticket's id for the SOS)
        "attachments": [absolute_photo(customer_attachment_json(p, path)) for p in photos],
    }


@bp.post("/thread/<token>/messages")
@fails({429: RATE_LIMITED})
@responds(201)
@validate_request(TextIn)
async def thread_message(token: str, data: TextIn) -> Any:
    """The customer writes back on their thread."""
    await limit("thread_message", thread=token[:64])
    ticket = await hub().tickets.by_thread_token(token)
    message = await hub().tickets.customer_message(ticket, data.text)
    return customer_message_json(message), 201


@bp.post("/thread/<token>/survey")
@fails({409: "status: the survey opens once the ticket is resolved.", 429: RATE_LIMITED})
@responds(201)
@validate_request(SurveyIn)
async def thread_survey(token: str, data: SurveyIn) -> Any:
    """The customer rates the answer once the ticket is resolved (the last answer counts)."""
    await limit("survey", thread=token[:64])
    ticket = await hub().tickets.by_thread_token(token)
    # the business's own questions (GET /api/v1/survey), when it shows them
    questions = (await hub().surveys.config(ticket["tenant_id"])).shown
    answers, problems = check_answers(questions, dict(data.answers or {}))
    if problems:
        qid, kind = next(iter(problems.items()))
        raise Invalid(f"answers.{qid}: {kind.replace('_', ' ')}", field=f"answers.{qid}")
    survey = await hub().tickets.answer_survey(ticket, data.rating, data.nps, data.comment, answers)
    return {"survey": survey_json(survey)}, 201


@bp.get("/tickets")
@document_response(TicketList)
@staff_required()
@validate_querystring(TicketQuery)
async def list_tickets(query_args: TicketQuery) -> Any:
    """This tenant's tickets, newest first; `next_cursor` pages further back."""
    statuses = [s for s in (query_args.status or "").split(",") if s]
    for s in statuses:
        if s not in Status.__members__:
            raise Invalid(f"status: unknown status {s!r}", field="status")
    items = await hub().tickets.search(
        tenant_id(),
        status=statuses,
        point=query_args.point,
        department=query_args.department,
        establishment=query_args.establishment,
        q=query_args.q,
        before=query_args.cursor,
        limit=query_args.limit + 1,
    )
    more = len(items) > query_args.limit
    items = items[: query_args.limit]
    shown = await hub().moderation.viewer_mask(staff())  # agents may see offensive words masked
    return {
        "items": [shown(staff_ticket(t)) for t in items],
        "next_cursor": items[-1]["number"] if more and items else None,
    }


@bp.get("/tickets/<ticket_id>")
@document_response(TicketDetail)
@staff_required()
async def get_ticket(ticket_id: str) -> Any:
    shown = await hub().moderation.viewer_mask(staff())
    detail = shown(await hub().tickets.detail(tenant_id(), ticket_id))
    detail["attachments"] = [absolute_photo(p) for p in detail.get("attachments") or []]
    deliveries = await hub().deliveries.of_ticket(tenant_id(), ticket_id)
    if Role(staff()["role"]).allows(Role.manager):
        detail["deliveries"] = deliveries
        return detail
    # Agents: the same rule as /api/v1/deliveries (managers only) for recipients' addresses.
    hidden = addresses_of(deliveries)
    detail["deliveries"] = [for_agent(d, hidden) for d in deliveries]
    detail["history"] = [
        {**h, "from": scrub(h.get("from"), hidden), "to": scrub(h.get("to"), hidden)}
        if h.get("action") == "delivery_failed"
        else h
        for h in detail.get("history") or []
    ]
    return detail


@bp.patch("/tickets/<ticket_id>")
@fails({409: "status: the ticket cannot move to that status from the one it has."})
@document_response(Ticket)
@staff_required()
@validate_request(TicketPatch)
async def patch_ticket(ticket_id: str, data: TicketPatch) -> Any:
    """Change status, category, assignee or description; absent fields stay as they are."""
    given = data.model_fields_set
    kwargs: dict[str, Any] = {}
    if "status" in given and data.status is not None:
        kwargs["status"] = data.status
    if "category" in given:
        kwargs["category"] = data.category
    if "description" in given:
        kwargs["description"] = data.description
    if "assignee" in given:
        assignee = None
        if data.assignee:
            assignee = await hub().accounts.user(tenant_id(), data.assignee)
            if assignee is None:  # a bad field, not the object in the path: 400, not 404
                raise Invalid("assignee: no such staff user", field="assignee")
        kwargs["assignee"] = assignee
    doc = await hub().tickets.change(tenant_id(), ticket_id, Actor.staff(staff()), **kwargs)
    if kwargs.get("status") in ("new", "closed"):  # a held flood's: the banners' count drops
        await hub().floods.released(tenant_id(), doc)
    return staff_ticket(await hub().tickets.placed(tenant_id(), doc))


@bp.post("/tickets/<ticket_id>/acknowledge")
@document_response(Ticket)
@staff_required()
@no_body
async def acknowledge(ticket_id: str) -> Any:
    doc = await hub().tickets.acknowledge(tenant_id(), ticket_id, Actor.staff(staff()))
    return staff_ticket(await hub().tickets.placed(tenant_id(), doc))


@bp.post("/tickets/<ticket_id>/replies")
@document_response(Message, 201)
@staff_required()
@validate_request(ReplyIn)
async def reply(ticket_id: str, data: ReplyIn) -> Any:
    """Answer the customer: live on their thread page, with the agent's name. The answer
    says which etiquette steps the reply covered (ticked, or detected from its text)."""
    message = await hub().tickets.reply(
        tenant_id(), ticket_id, Actor.staff(staff()), data.text, data.etiquette
    )
    return {**message_json(message), "etiquette": message.get("etiquette")}, 201


@bp.post("/tickets/<ticket_id>/notes")
@document_response(Note, 201)
@staff_required()
@validate_request(NoteIn)
async def note(ticket_id: str, data: NoteIn) -> Any:
    doc = await hub().tickets.add_note(tenant_id(), ticket_id, Actor.staff(staff()), data.text)
    return note_json(doc), 201


@bp.get("/events")
@document_response(EventList)
@staff_required()
@validate_querystring(EventsQuery)
async def events(query_args: EventsQuery) -> Any:
    """Stored events after `since` (the HTTP twin of the socket `resume`), a page at a time:
    `latest` is the last seq the answer covered; while `has_more`, ask again from it."""
    return await hub().events.after(tenant_id(), query_args.since, staff()["role"])
