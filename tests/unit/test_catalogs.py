"""Every string in the templates and the Python code is translated where it is read.

The strings are extracted from the sources now (with babel.cfg, as pybabel does), so a new
`_()` that nobody extracted or translated fails here, not on a guest's phone. Customer
surfaces (hub.i18n.CUSTOMER_SOURCES) must be complete in every language of SUPPORTED; the
staff pages in every language of STAFF. English is the source language.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from hub.i18n import CUSTOMER_SOURCES, LOCALE_DIR, STAFF, SUPPORTED

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s|\{(\w+)\}")
Message = str | tuple[str, ...]


@cache
def source_messages() -> dict[Message, frozenset[str]]:
    """Each message found in the sources, with the files (relative paths) that use it."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)  # type: ignore[no-untyped-call]
    found: dict[Message, set[str]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        found.setdefault(message, set()).add(filename.replace("\\", "/"))
    return {message: frozenset(files) for message, files in found.items()}


@cache
def catalog(lang: str) -> Catalog:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def for_customers(files: frozenset[str]) -> bool:
    return any(f.startswith(CUSTOMER_SOURCES) for f in files)


def untranslated(lang: str, messages: list[Message]) -> list[str]:
    missing = []
    for message in messages:
        found = catalog(lang).get(message)
        strings = found.string if found else ""
        forms = strings if isinstance(strings, tuple) else (strings,)
        if not found or found.fuzzy or not all(forms):
            missing.append(message if isinstance(message, str) else message[0])
    return sorted(missing)


def test_the_sources_hold_customer_and_staff_strings() -> None:
    messages = source_messages()
    assert sum(for_customers(files) for files in messages.values()) > 100
    assert sum(not for_customers(files) for files in messages.values()) > 200
    # the plain-text notifications are extracted too (babel.cfg's web/**.txt)
    assert any("web/sms/alert.txt" in files for files in messages.values())


@pytest.mark.parametrize("lang", [lang for lang in SUPPORTED if lang != "en"])
def test_every_customer_string_is_translated(lang: str) -> None:
    wanted = [m for m, files in source_messages().items() if for_customers(files)]
    assert untranslated(lang, wanted) == [], (
        f"hub/locale/{lang}: run the commands in hub/locale/README.md and translate these"
    )


@pytest.mark.parametrize("lang", [lang for lang in STAFF if lang != "en"])
def test_every_staff_string_is_translated(lang: str) -> None:
    wanted = [m for m, files in source_messages().items() if not for_customers(files)]
    assert untranslated(lang, wanted) == [], (
        f"hub/locale/{lang}: run the commands in hub/locale/README.md and translate these"
    )


@pytest.mark.parametrize("lang", SUPPORTED)
def test_translations_keep_the_placeholders_of_their_source(lang: str) -> None:
    """A %(name)s the code does not pass crashes the page; a lost one loses the number."""
    wrong = []
    for message in catalog(lang):
        if not message.id or not message.string:
            continue
        ids = tuple(message.id) if isinstance(message.id, (tuple, list)) else (message.id,)
        strings = (
            tuple(message.string)
            if isinstance(message.string, (tuple, list))
            else (message.string,)
        )
        wanted = {name for text in ids for name in PLACEHOLDER.findall(text)}
        wrong += [ids[0] for text in strings if text and set(PLACEHOLDER.findall(text)) != wanted]
    assert wrong == []


@pytest.mark.parametrize(
    ("lang", "wanted"),
    [
        ("es", "Solemos responder en más o menos 1 minuto."),
        ("ca", "Solem respondre en més o menys 1 minut."),
        ("gl", "Adoitamos responder en 1 minuto, máis ou menos."),
        ("fr", "Nous répondons en général en 1 minute environ."),
        ("de", "Wir antworten meist innerhalb von etwa 1 Minute."),
    ],
)
def test_the_usual_answer_time_reads_naturally_for_one_minute(lang: str, wanted: str) -> None:
    """The singular form is read for 1: "en unos 1 minuto" is not Spanish."""
    from hub.i18n import load_catalogs

    one = load_catalogs()[lang].ngettext(
        "Answers usually take about %(num)s minute.",
        "Answers usually take about %(num)s minutes.",
        1,
    )
    assert one % {"num": 1} == wanted


# "the hub", "this hub": the developers' word for the server. A page says what it means
# ("could not connect", "sending e-mail is not set up here"); "SOS hub", the product's
# name, may still sign staff e-mails and pages.
HUB_WORD = re.compile(r"(?<!SOS )(?<!SOS-)\bhub\b", re.IGNORECASE)
CUSTOMER_PAGES = ("web/customer/", "web/kiosk/", "web/error.html", "web/rate_limited.html")


def _visible_text(template: str) -> str:
    """A template's words a reader sees: without comments, tags, and jinja code."""
    text = re.sub(r"\{#.*?#\}", " ", template, flags=re.S)
    text = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", text, flags=re.S)
    return re.sub(r"<[^>]*>", " ", text)


def test_no_page_speaks_of_a_hub_in_any_language() -> None:
    said = [
        (message if isinstance(message, str) else message[0])
        for message in source_messages()
        if HUB_WORD.search(message if isinstance(message, str) else " ".join(message))
    ]
    assert said == []
    for lang in SUPPORTED:
        translated = [m.id for m in catalog(lang) if m.string and HUB_WORD.search(str(m.string))]
        assert translated == [], lang
    for path in sorted((ROOT / "web").rglob("*.html")):
        assert not HUB_WORD.search(_visible_text(path.read_text())), path


def test_a_customer_page_never_names_the_software() -> None:
    for path in sorted((ROOT / "web").rglob("*.html")):
        if str(path.relative_to(ROOT)).startswith(CUSTOMER_PAGES):
            assert "SOS hub" not in path.read_text(), path
