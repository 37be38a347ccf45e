"""What the survey forms share (the thread's, the standalone one): the business's questions
in the page's language, reading their answers from a plain form, wording their errors."""

from __future__ import annotations

from typing import Any

from quart import g
from werkzeug.datastructures import MultiDict

from hub.container import hub
from hub.i18n import format_number
from hub.i18n import gettext as _
from hub.ports import Doc
from hub.surveys.questions import ANSWER_TEXT_MAX, Question, check_answers
from hub.tickets.model import RATINGS, SURVEY_COMMENT_MAX

FIELD_PREFIX = "q."  # a question's form field: q.<id>


async def shown_questions(tenant: Doc | None) -> tuple[Question, ...]:
    """The business's own questions customers see now (none while it keeps them off)."""
    if not tenant:
        return ()
    return (await hub().surveys.config(tenant["id"])).shown


def questions_view(questions: tuple[Question, ...], tenant: Doc) -> list[dict[str, Any]]:
    """The questions as the templates show them, in the page's language."""
    default = str(tenant.get("language") or "es")
    return [
        {"id": q.id, "kind": q.kind, "label": q.label(g.lang, default), "required": q.required}
        for q in questions
    ]


def form_answers(form: MultiDict[str, str], questions: tuple[Question, ...]) -> dict[str, str]:
    """The raw answers to the business's questions from a plain form post."""
    return {q.id: form.get(FIELD_PREFIX + q.id, "") for q in questions}


def answer_problems(
    questions: tuple[Question, ...], raw: dict[str, Any]
) -> tuple[Doc, dict[str, str]]:
    """Clean answers, and a message per faulty question (field `q.<id>`, page language)."""
    answers, problems = check_answers(questions, raw)
    said = {
        "required": _("Please answer this question."),
        "invalid": _("Please choose one of the answers."),
        "too_long": _(
            "Your answer is too long: at most %(max)s characters.",
            max=format_number(ANSWER_TEXT_MAX, g.lang),
        ),
    }
    return answers, {FIELD_PREFIX + qid: said[kind] for qid, kind in problems.items()}


def base_answer(form: MultiDict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The built-in rating, NPS and comment from a plain form, and what is wrong with them."""
    nps_raw = form.get("nps") or ""
    raw: dict[str, Any] = {
        "rating": form.get("rating") or None,
        "nps": int(nps_raw) if nps_raw.isdigit() and len(nps_raw) <= 2 else (nps_raw or None),
        "comment": form.get("comment", "").replace("\r\n", "\n").strip() or None,
    }
    errors: dict[str, str] = {}
    if raw["rating"] not in RATINGS:
        errors["rating"] = _("Please choose how we did.")
    if raw["nps"] is not None and not (isinstance(raw["nps"], int) and 0 <= raw["nps"] <= 10):
        errors["nps"] = _("Choose a number from 0 to 10.")
    if raw["comment"] and len(raw["comment"]) > SURVEY_COMMENT_MAX:
        errors["comment"] = _(
            "Your comment is too long: at most %(max)s characters.",
            max=format_number(SURVEY_COMMENT_MAX, g.lang),
        )
    return raw, errors
