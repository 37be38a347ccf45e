"""Canned answers, pure: what an answer may say, which tickets it fits, how it is filled."""

from __future__ import annotations

from typing import Any

import pytest

from hub.answers.model import (
    check_answer,
    fill,
    fit,
    placeholder_values,
    ranked,
)
from hub.errors import Invalid
from hub.tickets.model import customer_message_json


def answer(title: str, category: str | None, language: str) -> dict[str, Any]:
    return {"title": title, "category": category, "language": language, "text": title}


def titles(found: list[tuple[dict[str, Any], int]]) -> list[str]:
    return [doc["title"] for doc, _ in found]


def test_an_answer_is_checked_and_tidied() -> None:
    checked = check_answer(
        {
            "title": " Hoja\tde  reclamaciones ",
            "category": None,
            "language": "ES",
            "text": " {number} ",
        }
    )
    assert checked == {
        "title": "Hoja de reclamaciones",
        "category": None,
        "language": "es",
        "text": "{number}",
    }
    with pytest.raises(Invalid, match=r"\{customer\}") as error:
        check_answer({"title": "t", "language": "es", "text": "Hi {customer}"})
    assert error.value.field == "text"
    # text that only looks like a placeholder: braces around more than a name are just text
    assert check_answer({"title": "t", "language": "es", "text": "{ a b }"})["text"] == "{ a b }"


def test_answers_fit_their_category_then_its_group_then_any() -> None:
    assert fit("claim_new", "claim_new") == 0
    assert fit("claim", "claim_new") == 1
    assert fit("claim_new", "claim") == 2  # the ticket only says "claim"
    assert fit(None, "claim_new") == 3
    assert fit("claim_repeated", "claim_new") is None
    assert fit("praise", "claim") is None
    assert fit("praise", None) == 4  # an uncategorised ticket takes every answer


def test_the_tickets_language_comes_first_then_the_closest_category() -> None:
    answers = [
        answer("any en", None, "en"),
        answer("claim es", "claim", "es"),
        answer("new claim es", "claim_new", "es"),
        answer("any es", None, "es"),
        answer("praise es", "praise", "es"),
        answer("new claim en", "claim_new", "en"),
    ]
    found = ranked(answers, "claim_new", "es")
    assert titles(found) == ["new claim es", "claim es", "any es", "new claim en", "any en"]
    assert titles(ranked(answers, None, "en"))[:2] == ["any en", "new claim en"]


def test_placeholders_are_filled_for_the_ticket_and_the_agent_never_with_an_email() -> None:
    ticket = {
        "number": 42,
        "anonymous": False,
        "contact": {"name": "Eva", "email": "eva@example.com"},
        "point": {"code": "bar", "label": "Bar terrace"},
    }
    tenant = {"name": "Hotel Mirador"}
    values = placeholder_values(ticket, tenant, {"name": "Marcos"}, "es")
    text = "Hola {customer_name}, soy {agent_name} de {business} (#{number}, {place}) {other}"
    assert fill(text, values) == "Hola Eva, soy Marcos de Hotel Mirador (#42, Bar terrace) {other}"
    anonymous = {**ticket, "anonymous": True}
    nameless = {"name": None, "email": "marcos@mirador.example"}
    assert placeholder_values(anonymous, tenant, nameless, "es")["customer_name"] == "cliente"
    assert placeholder_values(anonymous, tenant, nameless, "en")["agent_name"] == "the team"


def test_the_customer_never_reads_a_staff_email_as_the_authors_name() -> None:
    message = {
        "id": "m1",
        "ticket_id": "t1",
        "author": "staff",
        "author_name": "agent@mirador.example",
        "author_id": "u1",
        "text": "Hi",
        "translations": {},
        "created_at": "2026-12-03T10:00:00+00:00",
        "etiquette": ["greet"],
    }
    seen = customer_message_json(message)
    assert seen["from"] == "staff" and seen["author"] == {"name": None}
    assert "agent@" not in str(seen) and "etiquette" not in seen and "author_id" not in seen
