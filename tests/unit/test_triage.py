"""Triage: the category a text suggests (es and en, the seed's kinds), and a business's words."""

from __future__ import annotations

import pytest

from hub.errors import Invalid
from hub.tickets.model import (
    CATEGORY_GROUPS,
    CATEGORY_ORDER,
    Category,
    category_group,
    category_matches,
    check_category,
)
from hub.tickets.routing import matches
from hub.tickets.triage import (
    MAX_KEYWORD_CHARS,
    MAX_KEYWORDS,
    Classifier,
    Keywords,
    built_in,
    check_keywords,
    default_classifier,
)

# What a guest writes, and what the care protocol (seeds/002) would call it.
EXAMPLES = [
    # questions: basic (answered at once) or complex (the conditions, another department)
    ("¿A qué hora abre la piscina?", "question_basic"),
    ("¿Hay wifi en las habitaciones? ¿Cuál es la contraseña?", "question_basic"),
    ("What time does breakfast start?", "question_basic"),
    ("¿Cuál es la política de cancelación si somos un grupo grande?", "question_complex"),
    ("Can I bring my dog? Are pets allowed under your terms and conditions?", "question_complex"),
    # claims: new, repeated (insisting after claiming), disputing a resolution
    ("La ducha de la habitación 204 no funciona", "claim_new"),
    ("Me han cobrado dos veces la cena, quiero un reembolso", "claim_new"),
    ("The shower is broken and there is no hot water", "claim_new"),
    ("Ya os lo dije ayer en recepción: la ducha sigue sin funcionar", "claim_repeated"),
    ("Sigue sin funcionar el aire acondicionado", "claim_repeated"),
    ("I already told you yesterday, the shower still doesn't work", "claim_repeated"),
    ("No estoy de acuerdo con la resolución de mi reclamación", "claim_disputed"),
    (
        "I disagree with your decision about my refund, I will go to the consumer office",
        "claim_disputed",
    ),
    # complaints: about the service, or unrelated and insulting
    ("Llevamos 40 minutos esperando y nadie nos atiende", "complaint_service"),
    ("The waiter was rude and the room is dirty", "complaint_service"),
    ("Sois unos gilipollas", "complaint_unrelated"),
    ("You are all idiots", "complaint_unrelated"),
    ("Vendo seguidores baratos, sígueme", "complaint_unrelated"),
    # suggestions and praise
    ("Sería genial que pusierais más tumbonas en la piscina", "suggestion"),
    ("It would be nice to have vegan options on the menu", "suggestion"),
    ("Muchas gracias, el personal ha sido encantador", "praise"),
    ("Thank you so much, a wonderful stay!", "praise"),
]


@pytest.mark.parametrize(("text", "expected"), EXAMPLES)
def test_a_text_suggests_the_category_the_care_protocol_gives_it(text: str, expected: str) -> None:
    assert default_classifier().suggest(text) == expected


def test_a_text_with_none_of_the_words_suggests_nothing() -> None:
    assert default_classifier().suggest("Hola") is None
    assert default_classifier().suggest("Habitación 204") is None


def test_an_insult_beats_every_other_word() -> None:
    text = "La ducha no funciona, sois unos imbéciles"
    assert default_classifier().suggest(text) == "complaint_unrelated"
    assert default_classifier().suggest("La ducha no funciona") == "claim_new"


def test_a_longer_phrase_covers_the_words_inside_it() -> None:
    found = default_classifier().matches("Ya os lo dije: sigue sin funcionar")
    assert [(m.phrase, m.category, m.weight) for m in found] == [
        ("Ya os lo dije", "claim_repeated", 4),
        ("sigue sin funcionar", "claim_repeated", 3),
    ]


def test_words_match_whole_and_without_case_or_accents() -> None:
    assert default_classifier().suggest("LA DUCHA NO FUNCIONA") == "claim_new"
    assert default_classifier().suggest("a que hora abris") == "question_basic"
    assert default_classifier().suggest("preciosa terraza") is None  # "precio" inside a word


def test_a_business_adds_its_own_words_and_drops_built_in_ones() -> None:
    text = "El parking está lleno"
    assert default_classifier().suggest(text) == "question_basic"  # "parking": a question word
    own = check_keywords(
        {"es": {"complaint_service": ["está lleno"]}},
        {"es": ["parking"]},
    )
    classifier = Classifier(own)
    assert classifier.suggest(text) == "complaint_service"
    assert [m.phrase for m in classifier.matches(text)] == ["está lleno"]
    # a business's word counts once more than a built-in one of the same length
    assert classifier.matches(text)[0].weight == 3


def test_keywords_survive_the_store() -> None:
    own = check_keywords({"en": {"claim": ["  formal   claim "]}}, {"en": ["wifi"]})
    assert own.add == {"en": {"claim": ("formal claim",)}}
    assert Keywords.from_doc(own.to_doc()) == own


@pytest.mark.parametrize(
    ("keywords", "ignore", "field"),
    [
        ({"es": {"claims": ["x"]}}, {}, "keywords.es.claims"),
        ({"xx": {"claim": ["x"]}}, {}, "keywords.xx"),
        ({}, {"klingon": ["x"]}, "ignore.klingon"),
        ({"es": {"claim": ["x" * (MAX_KEYWORD_CHARS + 1)]}}, {}, "keywords.es.claim"),
        ({"es": {"claim": [f"w{i}" for i in range(MAX_KEYWORDS + 1)]}}, {}, "keywords.es.claim"),
        ({"es": {"claim": ["!!!"]}}, {}, "keywords.es.claim"),
        ({"es": {"claim": "no funciona"}}, {}, "keywords.es.claim"),
        ({}, {"es": [f"w{i}" for i in range(MAX_KEYWORDS + 1)]}, "ignore.es"),
    ],
)
def test_bad_keywords_are_refused_naming_the_list(
    keywords: dict[str, object], ignore: dict[str, object], field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        check_keywords(keywords, ignore)
    assert caught.value.field == field
    assert field in caught.value.message


def test_too_many_words_in_all_are_refused() -> None:
    many = {c: [f"{c} {i}" for i in range(MAX_KEYWORDS)] for c in CATEGORY_ORDER[:11]}
    with pytest.raises(Invalid) as caught:
        check_keywords({"es": many}, {})
    assert caught.value.field == "keywords"


def test_the_built_in_lists_name_only_categories_and_no_phrase_twice() -> None:
    for language in ("es", "en"):
        lists = built_in(language)
        assert set(lists) <= set(CATEGORY_ORDER)
        terms = [t.casefold() for ts in lists.values() for t in ts]
        assert len(terms) == len(set(terms)), [t for t in terms if terms.count(t) > 1]


def test_every_category_has_a_group_and_groups_match_their_values() -> None:
    assert {category_group(c.value) for c in Category} == set(CATEGORY_GROUPS)
    assert category_group("claim_repeated") == "claim"
    assert category_group("claim") == "claim"
    assert category_group("praise") == "praise"
    assert category_matches("claim", "claim_disputed")
    assert category_matches("claim_disputed", "claim_disputed")
    assert not category_matches("claim_new", "claim")  # a bare claim is no new claim
    assert not category_matches("claim", "complaint_service")
    assert not category_matches("claim", None)
    with pytest.raises(ValueError):
        category_group("claimed")


def test_legacy_group_values_stay_valid_categories() -> None:
    for value in ("question", "claim", "complaint", "claim_new", "praise"):
        assert check_category(value) == value
    assert check_category("") is None
    with pytest.raises(Invalid) as caught:
        check_category("claims")
    assert caught.value.field == "category"


def test_a_routing_rule_on_a_group_takes_every_value_of_it_but_never_a_suggestion() -> None:
    rule = {"match": {"categories": ["claim"]}}
    assert matches(rule, {"category": "claim_repeated"})
    assert matches(rule, {"category": "claim"})
    assert not matches(rule, {"category": "question_basic"})
    # unconfirmed: the text suggests a claim, but staff have not said so
    assert not matches(rule, {"category": None, "suggested_category": "claim_new"})
    fine = {"match": {"categories": ["claim_new", "praise"]}}
    assert matches(fine, {"category": "praise"})
    assert not matches(fine, {"category": "claim_repeated"})
