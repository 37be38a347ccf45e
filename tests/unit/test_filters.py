"""The text filters: offensive words (English, Spanish) without false positives, spam, repeats."""

from __future__ import annotations

import time
from difflib import SequenceMatcher
from typing import Any

import pytest

from hub.errors import Invalid
from hub.moderation.blocks import block_value
from hub.moderation.bots import bot_reason, form_signals, form_stamp
from hub.tickets import filters
from hub.tickets.filters import (
    FilterConfig,
    find_offensive,
    find_spam,
    mask,
    mask_offensive,
    nearly_same,
    screen_text,
)
from hub.tickets.lexicon import glin_words

DEFAULT = FilterConfig()

# Names, places and ordinary words that contain (or are) a listed word, and genuine reports.
MUST_PASS = [
    "Estoy en la calle Concha Espina, delante del estadio",
    "Concha Velasco dejó su bolso en la mesa 4",
    "We drove in from Sussex this morning",
    "Our group is from Scunthorpe",
    "A family from Essex at table 12",
    "The cocktail menu is wrong",
    "The Matsushita TV in room 204 does not turn on",
    "We watched Dick Van Dyke films in the lounge",
    "Moby Dick is missing from the library shelf",
    "Hace falta un análisis del agua de la piscina",
    "La computadora del lobby no funciona",
    "El pollo estaba crudo",
    "Hubo una disputa en la barra",
    "Llevamos un año viniendo a este hotel",
    "Un cono de helado cuesta 5 euros, es mucho",
    "Quiero un café negro, por favor",
    "Hay orina en el suelo del baño",
    "El pinche de cocina fue muy amable",
    "Un hombre intentó manosearme: a man tried to grope me",
    "Someone painted a swastika on the wall",
    "The service sucks, we waited an hour",
    "Arte del siglo XX en el pasillo",
    "La paella estaba de puta madre",
    "She graduated summa cum laude",
    "Assistant manager was very helpful, great class",
    "Mi perra no puede entrar a la terraza",
    "The music on the terrace is too loud",
]

INSULTS = [
    ("Eres un gilipollas", "gilipollas"),
    ("el camarero es un cabrón", "cabrón"),
    ("la cabrona de recepción", "cabrona"),
    ("sois unos cabrones", "cabrones"),
    ("imbéciles todos", "imbéciles"),
    ("IDIOTA", "IDIOTA"),
    ("panda de idiotas", "idiotas"),
    ("subnormales", "subnormales"),
    ("hijo de puta", "hijo de puta"),
    ("hija   de   PUTA", "hija   de   PUTA"),
    ("boludo", "boludo"),
    ("qué pendejo", "pendejo"),
    ("huevón", "huevón"),
    ("huevon", "huevon"),
    ("pelotudos", "pelotudos"),
    ("sos una gonorrea", "gonorrea"),
    ("concha tu madre", "concha tu madre"),
    ("vete a la mierda", "vete a la mierda"),
    ("you are an asshole", "asshole"),
    ("fuck you", "fuck you"),
    ("stupid bitches", "bitches"),
    ("what a dickhead", "dickhead"),
    ("g1l1p0llas", "g1l1p0llas"),
    ("gilipoLLAAAS", "gilipoLLAAAS"),
]

SWEARING = [
    "qué mierda de servicio",
    "joder, qué frío",
    "coño, la ducha",
    "this is shit",
    "fucking loud",
]


@pytest.mark.parametrize("text", MUST_PASS)
def test_names_places_and_genuine_reports_are_not_offensive(text: str) -> None:
    assert find_offensive(text) == []
    assert screen_text(text, DEFAULT).reason is None


@pytest.mark.parametrize(("text", "word"), INSULTS)
def test_insults_in_english_and_spanish_are_held_back(text: str, word: str) -> None:
    findings = find_offensive(text)
    assert word in [f.text for f in findings if f.kind == "insult"]
    assert screen_text(text, DEFAULT).reason == "offensive"


@pytest.mark.parametrize("text", SWEARING)
def test_swearing_is_found_but_held_back_only_when_the_tenant_asks(text: str) -> None:
    assert [f.kind for f in find_offensive(text)] and all(
        f.kind == "vulgar" for f in find_offensive(text)
    )
    assert screen_text(text, DEFAULT).reason is None
    strict = FilterConfig(checks={**DEFAULT.checks, "vulgar": True})
    assert screen_text(text, strict).reason == "offensive"


def test_the_english_list_comes_from_glin_profanity() -> None:
    words = glin_words(["english"])
    assert len(words) > 300
    # a word only glin-profanity knows (not in the project's supplement)
    assert find_offensive("what a shitblimp")[0].kind == "vulgar"


def test_a_tenants_own_words_count_and_its_allow_list_protects_names() -> None:
    config = FilterConfig(words=("concha",), allow=("Concha Espina",))
    assert screen_text("la concha de la lora", config).reason == "offensive"
    assert screen_text("Vivo en Concha Espina", config).reason is None
    assert screen_text("Vivo en Concha Espina y eres un concha", config).reason == "offensive"


def test_the_allow_list_spares_a_word_the_lists_hold() -> None:
    assert screen_text("eres un capullo", DEFAULT).reason == "offensive"
    assert screen_text("un capullo de rosa en la mesa", DEFAULT).reason is None
    config = FilterConfig(allow=("tonto capullo",))
    assert screen_text("el tonto capullo", config).reason is None


def test_masking_keeps_the_first_letter_of_each_word() -> None:
    assert mask_offensive("Eres un gilipollas!") == "Eres un g*********!"
    assert mask_offensive("hijo de puta") == "h*** d* p***"
    assert mask_offensive("Concha Espina, gilipollas") == "Concha Espina, g*********"
    text = "qué mierda"
    assert mask(text, find_offensive(text)) == "qué m*****"


def test_an_invisible_character_inside_a_word_does_not_hide_it() -> None:
    text = "gili\u200bpollas"
    assert screen_text(text, DEFAULT).reason == "offensive"
    assert mask_offensive(text) == "g***\u200b******"


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("eres una \u0440uta", "\u0440uta"),  # Cyrillic "р"
        ("ERES UNA \u0420UTA", "\u0420UTA"),  # capital Cyrillic "Р"
        ("eres un gili\u03c1ollas", "gili\u03c1ollas"),  # Greek "ρ"
        ("eres un ｇｉｌｉｐｏｌｌａｓ", "ｇｉｌｉｐｏｌｌａｓ"),  # full-width letters
    ],
)
def test_look_alike_letters_do_not_hide_an_insult(text: str, word: str) -> None:
    assert word in [f.text for f in find_offensive(text)]
    assert screen_text(text, DEFAULT).reason == "offensive"


@pytest.mark.parametrize(
    "text",
    [
        "Кофе холодный, а официант грубый",  # Russian, whole words in Cyrillic
        "Το φαγητό ήταν κρύο",  # Greek
        "Mi hijo Pavel dice: спасибо, muy bien",  # a Russian word beside Spanish ones
    ],
)
def test_greek_and_cyrillic_text_is_not_taken_for_latin_insults(text: str) -> None:
    assert find_offensive(text) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ｗｗｗ．casino-madrid．ｃｏｍ", "link"),  # full-width letters and stop
        ("gana en evil。com/premio", "link"),  # the ideographic full stop
        ("escribe a juan＠gmail．com", "email"),
        ("Visit https://cheap-pills.example/offer now", "link"),
        ("best prices at www.example.es", "link"),
        ("buy at pillz.com today", "link"),
        ("write me on wa.me/34600111222", "link"),
        ("Call me at 600 111 222", "phone"),
        ("Llámame al +34 600-111-222", "phone"),
        ("escribe a ventas@example.com", "email"),
        ("ventas (arroba) example (punto) com", "email"),
        ("Gana dinero rápido desde el móvil", "phrase"),
        ("GANA DINERO RAPIDO", "phrase"),
        ("Make money fast!!!", "phrase"),
    ],
)
def test_spam_links_numbers_addresses_and_phrases_are_held_back(text: str, kind: str) -> None:
    assert kind in [f.kind for f in find_spam(text)]
    assert screen_text(text, DEFAULT).reason == "spam"


@pytest.mark.parametrize(
    "text",
    [
        "La comida estaba fría.es inaceptable",  # a missing space is no Spanish domain
        "No me atendieron.me fui",
        "Reservé el 29-11-2026 18:07 y no hay mesa",
        "Room 1203 is cold",
        "Costó 12.50 euros",
        "Trabajo desde casa y el wifi no va",
        "You won't believe how loud it is",
    ],
)
def test_ordinary_text_is_not_spam(text: str) -> None:
    assert find_spam(text) == []


def test_the_customers_own_contact_in_the_text_is_not_spam() -> None:
    contact = {"phone": "+34 600 111 222", "email": "ana@example.com"}
    text = "Please call me back on 600111222 or write to ana@example.com"
    assert screen_text(text, DEFAULT, contact).reason is None
    assert screen_text("call 699 999 999", DEFAULT, contact).reason == "spam"


def test_spam_checks_can_be_turned_off_and_allowed_domains_pass() -> None:
    text = "I booked on booking.com and paid twice"
    assert screen_text(text, DEFAULT).reason == "spam"
    assert screen_text(text, FilterConfig(allow=("booking.com",))).reason is None
    no_links = FilterConfig(checks={**DEFAULT.checks, "links": False})
    assert screen_text(text, no_links).reason is None


def test_a_tenants_spam_phrases_count() -> None:
    config = FilterConfig(spam_phrases=("visit our shop",))
    assert screen_text("Visit our shop in the mall!", config).reason == "spam"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The music is too loud!!", "the music is too loud"),
        ("La música está muy alta", "la musica esta muy alta"),
        ("The music is to loud", "The music is too loud"),
        ("the music is too loud", "the music is too loud please"),
        ("Hay una fuga de agua en la habitación 204", "Hay una fuga de agua en la habitacion 204!"),
    ],
)
def test_nearly_the_same_text_is_a_repeat(a: str, b: str) -> None:
    assert nearly_same(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Music too loud", "Music too low"),
        ("The pool is closed", "The pool is cold"),
        ("Room 204 has no towels", "The lift is broken"),
    ],
)
def test_different_messages_are_not_repeats(a: str, b: str) -> None:
    assert not nearly_same(a, b)


LONG = "the water in room 204 is cold again and nobody at reception answers the phone " * 25


def test_the_repeat_check_of_two_long_texts_works_on_a_bounded_sample(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[int] = []

    class Recording(SequenceMatcher[str]):  # the real matcher, noting what it is given
        def __init__(self, isjunk: Any, a: Any, b: Any, autojunk: bool = True) -> None:
            seen.extend([len(a), len(b)])
            super().__init__(isjunk, a, b, autojunk)

    monkeypatch.setattr(filters, "SequenceMatcher", Recording)
    assert len(LONG) > 1900
    assert nearly_same("Hi! " + LONG, "Hi " + LONG.replace("cold", "cld", 1))
    assert seen and max(seen) <= filters.COMPARE_CHARS
    assert len(filters.repeat_sample(filters.repeat_key(LONG))) <= filters.COMPARE_CHARS


@pytest.mark.parametrize(
    ("b", "same"),
    [
        (LONG.replace("water", "watter", 1), True),  # a typo at the start
        (LONG + " please", True),  # a word more at the end
        (
            LONG[:1000] + "the lift is broken and the pool is dirty and the bar is closed " * 15,
            False,
        ),  # another second half
        (LONG[: len(LONG) // 2], False),  # half of it
    ],
)
def test_long_texts_are_still_told_apart_correctly(b: str, same: bool) -> None:
    assert nearly_same(LONG, b) is same


# The guard's pure parts: block values and the form's bot signals.


@pytest.mark.parametrize(
    ("kind", "value", "stored"),
    [
        ("email", " Troll@Example.COM ", "troll@example.com"),
        # phones: E.164, read in the business's country when typed without one
        ("phone", "+34 600 111 222", "+34600111222"),
        ("phone", "600-111-222", "+34600111222"),
        ("ip", "203.0.113.7", "203.0.113.7"),
        ("ip", "203.0.113.7/24", "203.0.113.0/24"),
        ("ip", "2001:DB8:1:2::10/64", "2001:db8:1:2::/64"),
        ("device", "AbC-12_x", "AbC-12_x"),
    ],
)
def test_block_values_are_normalised(kind: str, value: str, stored: str) -> None:
    assert block_value(kind, value, "ES") == stored


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("email", "nobody"),
        ("phone", "12"),
        ("phone", "07700 900123"),  # a British number without its country, at a Spanish hotel
        ("ip", "203.0.113.0/25"),
        ("ip", "::1/100"),
        ("ip", "not an address"),
        ("device", "a b"),
    ],
)
def test_malformed_block_values_are_refused_naming_the_field(kind: str, value: str) -> None:
    with pytest.raises(Invalid) as caught:
        block_value(kind, value, "ES")
    assert caught.value.field == "value"


def test_the_form_stamp_measures_the_time_to_submit_and_resists_forgery() -> None:
    fresh = form_stamp("secret", "bar")
    assert bot_reason(form_signals("secret", "bar", "", fresh)) == "too_fast"
    served = int((time.time() - 5) * 1000)
    old = form_stamp("secret", "bar", served_ms=served)
    signals = form_signals("secret", "bar", "", old)
    assert bot_reason(signals) is None and 4000 < signals["elapsed_ms"] < 60_000
    assert bot_reason(form_signals("secret", "bar", "http://spam", old)) == "honeypot"
    assert form_signals("other-secret", "bar", "", fresh)["stamp"] == "invalid"
    assert form_signals("secret", "terrace", "", fresh)["stamp"] == "invalid"
    assert bot_reason(form_signals("secret", "bar", None, None)) is None


def test_a_senders_made_up_long_words_are_screened_but_not_kept_in_the_word_cache() -> None:
    """Hostile input: unique 2,000-character "words" must not fill the per-word cache."""
    from hub.tickets import lexicon

    before = lexicon._word_forms.cache_info().currsize
    for i in range(50):
        prepared = lexicon.prepare(f"{i:04d}" + "x" * 1996 + " lift broken")
        assert [t.word for t in prepared.tokens][-2:] == ["lift", "broken"]
    grown = lexicon._word_forms.cache_info().currsize - before
    assert grown <= 2  # "lift" and "broken", never the long words
