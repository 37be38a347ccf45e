"""gettext catalogs for eight languages, and the choice of language per request.

Catalogs live as .po files in hub/locale and are compiled in memory at start-up, so no
binary .mo file is ever committed or forgotten. Customer surfaces (the QR form, the thread,
the kiosk, notifications, error pages) speak all of SUPPORTED; staff pages speak STAFF
(tests/unit/test_catalogs.py checks that each catalog is complete for its surfaces).
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from quart import current_app, g, request

LOCALE_DIR = Path(__file__).parent / "locale"
SUPPORTED = ("es", "en", "fr", "de", "it", "pt", "gl", "ca")
STAFF = ("es", "en", "gl", "ca")
DEFAULT = "es"
OTHER = "en"  # a browser that asks only for languages we do not speak gets English
# Each language by its own name, as the switcher lists it (a lost guest looks for their own).
NAMES = {
    "es": "Español",
    "en": "English",
    "fr": "Français",
    "de": "Deutsch",
    "it": "Italiano",
    "pt": "Português",
    "gl": "Galego",
    "ca": "Català",
}
LOCALES = {code: Locale.parse(code) for code in SUPPORTED}


def load_catalogs(locale_dir: Path = LOCALE_DIR) -> dict[str, NullTranslations]:
    """One Translations object per supported language (English is the source language).

    Parsing eight .po files costs about 0.3 s: every hub (and every test's) made in this
    process shares one parse while the files are unchanged (a Translations is read-only).
    """
    stamps = tuple(
        po.stat().st_mtime_ns if po.exists() else 0
        for po in (locale_dir / lang / "LC_MESSAGES" / "messages.po" for lang in SUPPORTED)
    )
    return dict(_parsed_catalogs(locale_dir, stamps))


@functools.lru_cache(maxsize=4)
def _parsed_catalogs(
    locale_dir: Path, stamps: tuple[int, ...]
) -> tuple[tuple[str, NullTranslations], ...]:
    """The catalogs as of `stamps` (the files' modification times: a change parses again)."""
    catalogs: dict[str, NullTranslations] = {}
    for lang in SUPPORTED:
        po = locale_dir / lang / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            catalogs[lang] = NullTranslations()
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        catalogs[lang] = Translations(buf)
    return tuple(catalogs.items())


def _short(code: str | None) -> str:
    return (code or "")[:2].lower()


def choose_language(
    explicit: str | None,
    cookie: str | None,
    accept: Iterable[tuple[str, float]],
    fallback: str,
    offered: Sequence[str] = SUPPORTED,
    other: str = OTHER,
) -> str:
    """?lang= beats the cookie, which beats the browser's Accept-Language (best first).

    A browser that names only languages outside `offered` gets `other` (English); with no
    Accept-Language at all, `fallback` (the business's or the user's language).
    """
    for candidate in (explicit, cookie):
        if _short(candidate) in offered:
            return _short(candidate)
    named = False
    for value, quality in sorted(accept, key=lambda item: -item[1]):
        if quality <= 0 or value == "*":
            continue
        named = True
        if _short(value) in offered:
            return _short(value)
    if named and other in offered:
        return other
    return fallback if fallback in offered else (DEFAULT if DEFAULT in offered else offered[0])


# The source files whose strings a customer (or a notification's recipient) can read: each of
# their strings must be translated into every SUPPORTED language; every other string into
# each STAFF language (tests/unit/test_catalogs.py, hub/locale/README.md).
CUSTOMER_SOURCES = (
    "web/base.html",
    "web/error.html",
    "web/rate_limited.html",
    "web/customer/",
    "web/kiosk/",
    "web/email/",
    "web/sms/",
    "web/ack/",
    "hub/routes/customer.py",
    "hub/routes/survey_form.py",
    "hub/routes/errors.py",
    "hub/notify/",
)

# Where customers (guests) land: these speak every SUPPORTED language. Staff pages, the
# console and the admin pages speak STAFF. A path no route serves gets the error page,
# which is complete in every language too.
CUSTOMER_PATHS = (
    "/q/",
    "/t/",
    "/kiosk",
    "/ack/",
    "/s/",  # the standalone survey (hub/routes/surveys.py)
    "/survey/",  # the survey invitation's link
    "/api/v1/sos",
    "/api/v1/thread/",
    "/api/v1/kiosk/",
)


def customer_surface(path: str, rule: object | None) -> bool:
    """Whether `path` is one of the customer's pages, or has no route (the error page)."""
    return path.startswith(CUSTOMER_PATHS) or rule is None


def browser_languages() -> list[tuple[str, float]]:
    """The request's Accept-Language, as (language, quality) pairs."""
    return [(str(value), float(quality)) for value, quality in request.accept_languages]


def current_language() -> str:
    """The request's language (g.lang), or the default outside a request's choice."""
    return str(getattr(g, "lang", None) or DEFAULT)


def gettext(message: str, **variables: Any) -> str:
    """`message` in the current request's language, for Python code (templates use `_()`).

    Imported as `_` so `pybabel extract` finds the strings, as it does in templates.
    """
    catalogs: dict[str, NullTranslations] = current_app.extensions["hub"].catalogs
    catalog = catalogs.get(current_language()) or NullTranslations()
    text = str(catalog.gettext(message))
    return text % variables if variables else text


# CLDR's minimum grouping digits, which babel does not apply: Spanish and Italian write
# 2000 but 20.000 (as the browsers' Intl.NumberFormat does on the same page).
MIN_GROUPING = {"es": 2, "it": 2}


def language_name(code: str, reader: str, *, capital: bool = False) -> str:
    """A language's name in the reader's language, from Babel's CLDR data ("español" to a
    Spanish reader, "Spanish" to an English one); the code itself when Babel has no name.
    `capital`: first letter upper case, for a list entry ("Gallego")."""
    try:
        name = str(Locale.parse(code).get_display_name(_locale(reader)) or "")
    except (ValueError, TypeError, UnknownLocaleError):
        name = ""
    if not name:
        return code
    return name[:1].upper() + name[1:] if capital else name


def format_number(value: float | int, lang: str) -> str:
    """A number as its language writes it: '2,000' (en), '2.000' (de), '2 000' (fr), '2000' (es)."""
    short = _short(lang)
    grouped = abs(value) >= 10 ** (2 + MIN_GROUPING.get(short, 1))
    return str(format_decimal(value, locale=_locale(lang), group_separator=grouped))


def _locale(lang: str) -> Locale:
    return LOCALES.get(_short(lang), LOCALES[OTHER])


def format_day(day: date, lang: str) -> str:
    """A calendar day written the language's way, with the year: '6 oct 2026' (es),
    'Oct 6, 2026' (en) (as `format_moment` writes the day, without the clock)."""
    moment = datetime(day.year, day.month, day.day)
    return str(format_skeleton("yMMMd", moment, locale=_locale(lang)))


def format_short_day(key: str, lang: str) -> str:
    """A chart's day ('2026-11-06') as the language writes it without the year: '6 nov' (es),
    'Nov 6' (en), '6 de nov.' (gl). Written here, not by the browser's Intl, which may lack
    the language's dates (Debian's Chromium has no Galician and wrote Spanish months)."""
    day = date.fromisoformat(key)
    return str(
        format_skeleton("MMMd", datetime(day.year, day.month, day.day), locale=_locale(lang))
    )


def clock_hour(lang: str) -> str:
    """How format_moment writes the hour, as Intl's `hour` option: "numeric" where the
    language writes '4:30' (es, ca), "2-digit" where '04:30' (fr, gl...). The page's script
    draws live times with it, so that one thread never shows both ('4:30' and '04:37')."""
    pattern = str(_locale(lang).datetime_skeletons.get("Hm") or "HH:mm")
    return "2-digit" if "HH" in pattern else "numeric"


def format_moment(
    moment: datetime, zone: tzinfo, lang: str, *, date: bool = True, year: bool = False
) -> str:
    """A time in the business's zone, written the language's way, 24-hour clock.

    '19:07' (date=False); '29 nov, 19:07' (es), 'Nov 29, 19:07' (en), '29. Nov., 19:07' (de);
    with the year: '29 nov 2026, 19:07'.
    """
    locale = _locale(lang)
    clock = str(format_skeleton("Hm", moment, tzinfo=zone, locale=locale))
    if not date:
        return clock
    day = str(format_skeleton("yMMMd" if year else "MMMd", moment, tzinfo=zone, locale=locale))
    glue = str(locale.datetime_formats.get("short", "{1}, {0}"))
    return glue.replace("{1}", day).replace("{0}", clock)
