"""Canned answers: /api/v1/answers (managers write, staff read), the answers that fit a
ticket (/api/v1/tickets/<id>/answers) and the /admin/answers page."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from quart import Blueprint
from quart_schema import validate_querystring, validate_request

from hub.accounts.model import Role
from hub.answers.model import (
    ANSWER_CATEGORIES,
    GROUPS,
    LANGUAGE_NAMES,
    LANGUAGES,
    PLACEHOLDERS,
    TITLE_MAX,
    answer_json,
)
from hub.container import hub
from hub.errors import Invalid, NotFound
from hub.routes.auth import staff, staff_required, tenant_id
from hub.routes.bodies import Body, QueryArgs
from hub.routes.openapi import responds
from hub.routes.pages import render_page, staff_page
from hub.tickets.model import TEXT_MAX

bp = Blueprint("answers", __name__)


class AnswerIn(Body):
    """A canned answer, whole (PUT replaces every field). `category` null: any ticket.

    `id` may come back with the answer as GET gave it (edit and send it whole); the path
    names the answer."""

    id: str | None = Field(default=None, max_length=64)  # ignored: the path names it
    title: str = Field(default="", max_length=1000)
    category: str | None = Field(default=None, max_length=40)
    language: str = Field(default="", max_length=16)
    text: str = Field(default="", max_length=10_000)

    def fields(self) -> dict[str, Any]:
        return self.model_dump(exclude={"id"})


class FitQuery(QueryArgs):
    """Ask as if the ticket were of this category (e.g. the held-back view's insults)."""

    category: str | None = Field(default=None, max_length=40)


@bp.get("/api/v1/answers")
@staff_required()
async def list_answers() -> Any:
    """Every canned answer of the business (agents read them to reply)."""
    return {"items": [answer_json(d) for d in await hub().answers.all(tenant_id())]}


@bp.post("/api/v1/answers")
@responds(201)
@staff_required(Role.manager)
@validate_request(AnswerIn)
async def create_answer(data: AnswerIn) -> Any:
    """A new canned answer; a bad field (an unknown placeholder, too long) is a 400 naming it."""
    doc = await hub().answers.create(tenant_id(), data.fields(), staff())
    return answer_json(doc), 201


@bp.put("/api/v1/answers/<answer_id>")
@staff_required(Role.manager)
@validate_request(AnswerIn)
async def replace_answer(answer_id: str, data: AnswerIn) -> Any:
    doc = await hub().answers.replace(tenant_id(), answer_id, data.fields(), staff())
    return answer_json(doc)


@bp.delete("/api/v1/answers/<answer_id>")
@responds(204)
@staff_required(Role.manager)
async def delete_answer(answer_id: str) -> Any:
    await hub().answers.delete(tenant_id(), answer_id)
    return "", 204


@bp.get("/api/v1/tickets/<ticket_id>/answers")
@staff_required()
@validate_querystring(FitQuery)
async def ticket_answers(ticket_id: str, query_args: FitQuery) -> Any:
    """The answers that fit this ticket, best first, placeholders filled for it and for the
    staff member asking (who will send them)."""
    category = query_args.category or None
    if category is not None and category not in ANSWER_CATEGORIES:
        raise Invalid(f"category: one of {', '.join(ANSWER_CATEGORIES)}", field="category")
    ticket = await hub().tickets.get(tenant_id(), ticket_id)
    tenant = await hub().accounts.tenant(tenant_id())
    if tenant is None:
        raise NotFound("no such business")
    items = await hub().answers.for_ticket(tenant, ticket, staff(), category)
    return {"items": items}


@bp.get("/admin/answers")
@staff_page(Role.manager)
async def answers_page() -> Any:
    """Write and tidy the business's canned answers."""
    return await render_page(
        "admin/answers.html",
        answer_categories=list(ANSWER_CATEGORIES),
        groups=list(GROUPS),
        answer_languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        placeholders=list(PLACEHOLDERS),
        title_max=TITLE_MAX,
        text_max=TEXT_MAX,
    )
