"""The monthly report's words and charts in the manager's language (call inside a request).

`hub.exports.monthly` gives the figures as data; this turns them into what the template
lays out: the month's name, durations people read, and the SVG charts with their labels.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_date
from markupsafe import Markup

from hub.exports import charts
from hub.i18n import current_language
from hub.i18n import gettext as _
from hub.tickets.facts import UNCLASSIFIED

HALF = 300  # px of a chart in half a column
RATING_COLOURS = (charts.GOOD, "#65a30d", "#d97706", charts.BAD)
RESPONSE_COLOURS = {
    **dict.fromkeys(("15", "60", "240", "promise"), charts.GOOD),
    "late": charts.BAD,
    "none": "#9ca3af",
    "waiting": "#93c5fd",
}


def group_name(key: str | None) -> str:
    names = {
        "question": _("Question"),
        "claim": _("Claim"),
        "complaint": _("Complaint"),
        "suggestion": _("Suggestion"),
        "praise": _("Praise"),
        UNCLASSIFIED: _("Not classified by staff"),
    }
    return names.get(str(key), str(key))


def duration(minutes: float | None) -> str:
    """12 min, 3.5 h, 2.1 d; a dash without a value."""
    if minutes is None:
        return "–"
    if minutes < 90:
        return _("%(n)s min", n=round(minutes))
    if minutes < 48 * 60:
        return _("%(n)s h", n=round(minutes / 60, 1))
    return _("%(n)s d", n=round(minutes / 1440, 1))


def share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "–"


def month_name(month: str) -> str:
    year, number = (int(x) for x in month.split("-"))
    return str(format_date(date(year, number, 1), "LLLL y", locale=current_language()))


def response_labels() -> dict[str, str]:
    return {
        "15": _("Within 15 min"),
        "60": _("Within 1 h"),
        "240": _("Within 4 h"),
        "promise": _("Later, within the promise"),
        "late": _("After the promise"),
        "none": _("Not answered"),
        "waiting": _("Unanswered, not due yet"),
    }


def report_charts(figures: dict[str, Any]) -> dict[str, Markup]:
    """The SVG charts of the report."""
    labels = response_labels()
    # the SOS still within the promise only when there are some (the current month)
    responses = [(k, v) for k, v in figures["responses"] if v or k != "waiting"]
    ratings = figures["overall"]["satisfaction"]["ratings"]
    rating_names = {
        "very_good": _("Very good"),
        "good": _("Good"),
        "fair": _("Fair"),
        "bad": _("Bad"),
    }
    return {
        "days": charts.columns(figures["by_day"], _("SOS per day")),
        "groups": charts.bars(
            [(group_name(g["key"]), g["count"]) for g in figures["by_group"]],
            _("By category"),
            width=HALF,
        ),
        "points": charts.bars(
            [(str(g["label"] or g["key"] or "–"), g["count"]) for g in figures["by_point"]],
            _("By access point"),
        ),
        "responses": charts.bars(
            [(labels[k], v) for k, v in responses],
            _("First answer"),
            colours=[RESPONSE_COLOURS[k] for k, _v in responses],
            width=HALF,
        ),
        "ratings": charts.bars(
            [(rating_names[k], v) for k, v in ratings.items()],
            _("Survey ratings"),
            colours=RATING_COLOURS,
            width=HALF,
        ),
    }
