"""Which points /admin/points lists: one establishment's, those a search finds."""

from __future__ import annotations

from typing import Any

from hub.routes.point_filter import NONE, point_filter
from hub.tickets.place_names import labelled_with_establishment

POINTS: list[dict[str, Any]] = [
    {"code": "playa-barra", "label": "Barra", "labels": {}, "establishment": "playa"},
    {
        "code": "centro-cafe",
        "label": "Cafetería",
        "labels": {"en": "Café"},
        "establishment": "centro",
    },
    {"code": "lobby", "label": "Lobby", "labels": {}, "establishment": None},
]
NAMES = {"playa": "Sabores Playa", "centro": "Sabores Centro"}


def listed(**args: str) -> list[str]:
    shown = point_filter(args, NAMES)
    return [p["code"] for p in POINTS if shown.keeps(p, NAMES)]


def test_an_establishment_or_none_narrows_the_list_and_an_unknown_one_shows_all() -> None:
    assert listed(establishment="playa") == ["playa-barra"]
    assert listed(establishment=NONE) == ["lobby"]
    assert listed(establishment="elsewhere") == ["playa-barra", "centro-cafe", "lobby"]


def test_a_search_finds_words_of_the_label_code_or_establishment_without_accents() -> None:
    assert listed(q="cafeteria") == ["centro-cafe"]
    assert listed(q="SABORES barra") == ["playa-barra"]
    assert listed(q="  lob  ") == ["lobby"]
    assert listed(q="x" * 500) == []


def test_a_point_is_named_with_its_establishment_only_when_there_are_several() -> None:
    assert labelled_with_establishment("Barra", "playa", NAMES) == "Barra · Sabores Playa"
    assert labelled_with_establishment("Barra", "playa", {}) == "Barra"
    assert labelled_with_establishment("Lobby", None, NAMES) == "Lobby"
