"""gettext catalogs (Spanish, English) for pages, and the choice of language per request.

Catalogs live as .po files in hub/locale and are compiled in memory at start-up, so no
binary .mo file is ever committed or forgotten.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from quart import current_app, g

LOCALE_DIR = Path(__file__).parent / "locale"
SUPPORTED = ("es", "en")
DEFAULT = "es"


def load_catalogs(locale_dir: Path = LOCALE_DIR) -> dict[str, NullTranslations]:
    """One Translations object per supported language (English is the source language)."""
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
    return catalogs


def choose_language(
    explicit: str | None, cookie: str | None, accept: list[tuple[str, float]], fallback: str
) -> str:
    """?lang= beats the cookie, which beats the browser's Accept-Language, then the tenant's."""
    for candidate in (explicit, cookie):
        if candidate and candidate[:2].lower() in SUPPORTED:
            return candidate[:2].lower()
    for value, _quality in accept:
        short = value[:2].lower()
        if short in SUPPORTED:
            return short
    return fallback if fallback in SUPPORTED else DEFAULT


def gettext(message: str, **variables: Any) -> str:
    """`message` in the current request's language, for Python code (templates use `_()`).

    Imported as `_` so `pybabel extract` finds the strings, as it does in templates.
    """
    catalogs: dict[str, NullTranslations] = current_app.extensions["hub"].catalogs
    catalog = catalogs.get(getattr(g, "lang", DEFAULT)) or NullTranslations()
    text = str(catalog.gettext(message))
    return text % variables if variables else text
