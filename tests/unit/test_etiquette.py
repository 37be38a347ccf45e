"""The reply etiquette told from a reply's words (es, en), and the per-agent quality report."""

from __future__ import annotations

from typing import Any

import pytest

from hub.tickets.etiquette import PHRASES, STEPS, check_steps, detect, lexicon, report, words

ALL = list(STEPS)


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        (
            "Hola Ana, soy Marcos, de recepción. Siento las molestias. Ya hemos bajado el "
            "volumen de la música. ¿Se ha solucionado? Un saludo, y valora nuestra atención "
            "en la encuesta.",
            ALL,
        ),
        (
            "Hi Ana, I'm Emma from the bar. I'm sorry for the wait: a waiter is on his way to "
            "your table now. Did this solve it? Have a nice day! Please rate us in the survey.",
            ALL,
        ),
        ("BUENAS TARDES, le atiende Lucía.", ["greet", "introduce"]),
        ("Gracias por avisar.", ["acknowledge"]),
        # the longest phrase wins: a farewell that thanks, an apology that says "I'm"
        ("Gracias por su visita", ["farewell"]),
        ("I’m sorry", ["acknowledge"]),
        ("I'm glad to help", []),
        # the answer: a clause of five words or more that no other step's phrase explains
        ("Ya hemos bajado el volumen", ["answer"]),
        ("Vale, ok", []),
        ("Gracias, ya hemos bajado el volumen", ["acknowledge", "answer"]),
        # whole words only, accents and case folded: "hilo" is no "hi", "adiós" is "adios"
        ("Hilo dental en recepción", []),
        ("ADIÓS", ["farewell"]),
        ("", []),
    ],
)
def test_the_steps_a_reply_covers_are_told_from_its_words(text: str, steps: list[str]) -> None:
    assert detect(text) == steps


def test_every_phrase_stands_for_one_step_and_reaches_the_page_as_data() -> None:
    seen: dict[tuple[str, ...], str] = {}
    for language in ("es", "en"):
        for step, phrases in PHRASES[language].items():
            assert step in STEPS or step == "_", step
            for phrase in phrases:
                key = tuple(words(phrase))
                assert " ".join(key) == phrase, phrase  # stored folded, as matched
                assert seen.setdefault(key, step) == step, phrase
    data = lexicon()
    assert data["steps"] == ALL and data["phrases"]["un saludo"] == "farewell"
    assert data["phrases"]["i'm"] == "introduce" and data["answer_min_words"] == 5


def test_steps_ticked_by_hand_must_be_known_and_come_back_in_order() -> None:
    assert check_steps(["survey", "greet", "greet"]) == ["greet", "survey"]
    with pytest.raises(ValueError, match="wave"):
        check_steps(["greet", "wave"])


def test_the_report_gives_each_agent_their_replies_and_the_share_covering_each_step() -> None:
    replies: list[dict[str, Any]] = [
        {
            "author_id": "u1",
            "author_name": "Ana",
            "etiquette": ["greet", "answer"],
            "created_at": "1",
        },
        {"author_id": "u1", "author_name": "Ana M.", "etiquette": ["answer"], "created_at": "2"},
        {"author_id": "u2", "author_name": "Luis", "etiquette": ALL, "created_at": "3"},
        {"author_name": "Old", "created_at": "0"},  # before steps and ids were kept
    ]
    out = report(replies)
    assert [(a["id"], a["name"], a["replies"]) for a in out["agents"]] == [
        ("u1", "Ana M.", 2),
        ("u2", "Luis", 1),
        (None, "Old", 1),
    ]
    ana = out["agents"][0]["steps"]
    assert ana["greet"] == 0.5 and ana["answer"] == 1.0 and ana["survey"] == 0.0
    assert out["agents"][1]["steps"] == dict.fromkeys(ALL, 1.0)
    assert out["overall"]["replies"] == 4 and out["overall"]["steps"]["answer"] == 0.75
    assert report([])["overall"]["steps"]["greet"] is None
