"""The page language's month and weekday names and date patterns (CLDR, through babel), for
the pages' scripts.

Some browsers have no date data for a language the hub speaks: Debian's Chromium has no
Galician, so Intl wrote "sábado, 5 de diciembre" (Spanish) or "December 5" on a Galician
page. Every page carries these words and patterns (`<body data-calendar>`, web/base.html)
and static/js/lib/calendar.js formats a date with them whenever the browser's Intl lacks
the page's language; a browser that has it keeps using Intl.
"""

from __future__ import annotations

import functools
from typing import Any, Literal

from babel import Locale
from babel.dates import (
    get_date_format,
    get_datetime_format,
    get_day_names,
    get_month_names,
    get_period_names,
    get_time_format,
)

from hub.i18n import SUPPORTED

STYLES: tuple[Literal["full", "long", "medium", "short"], ...] = ("full", "long", "medium", "short")
# babel numbers weekdays from Monday = 0; JavaScript's getDay() from Sunday = 0
SUNDAY_FIRST = (6, 0, 1, 2, 3, 4, 5)


def _months(
    width: Literal["abbreviated", "wide"], context: Literal["format", "stand-alone"], locale: Locale
) -> list[str]:
    names = get_month_names(width, context, locale)
    return [str(names[m]) for m in range(1, 13)]


def _days(width: Literal["abbreviated", "wide"], locale: Locale) -> list[str]:
    names = get_day_names(width, "format", locale)
    return [str(names[d]) for d in SUNDAY_FIRST]


@functools.cache
def calendar_names(lang: str) -> dict[str, Any] | None:
    """The words and patterns (CLDR pattern syntax) a script needs to write a date in
    `lang`; None for a language the hub does not speak (the browser's Intl then decides)."""
    if lang not in SUPPORTED:
        return None
    locale = Locale.parse(lang)
    skeletons = locale.datetime_skeletons
    periods = get_period_names("abbreviated", "format", locale)
    return {
        "lang": lang,
        "months": _months("wide", "format", locale),
        "months_short": _months("abbreviated", "format", locale),
        "months_standalone": _months("wide", "stand-alone", locale),
        "days": _days("wide", locale),
        "days_short": _days("abbreviated", locale),
        "am": str(periods.get("am", "AM")),
        "pm": str(periods.get("pm", "PM")),
        "date": {s: get_date_format(s, locale).pattern for s in STYLES},
        "time": get_time_format("short", locale).pattern,
        "datetime": {s: str(get_datetime_format(s, locale)) for s in STYLES},
        # "5 dec", "5 december", "5 dec 2026" as the language writes them
        "day_month": str(skeletons["MMMd"].pattern),
        "day_month_long": str(skeletons["MMMMd"].pattern),
        "day_month_year": str(skeletons["yMMMd"].pattern),
    }
