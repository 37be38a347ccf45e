"""The sentence that tells a customer when they will be answered, shared by every door that
shows it (the thread page, the kiosk's thank-you screen) so it reads the same everywhere.

`waiting_for` decides what to say (hub/tickets/waiting.py knows the times); the words live
in one Jinja macro, web/customer/_waiting.html, rendered in the request's language (`g.lang`).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time
from markupsafe import Markup
from quart import g, render_template_string

from hub import clock
from hub.container import hub
from hub.i18n import gettext as _
from hub.ports import Doc
from hub.tickets.waiting import awaiting_reply, expected_reply_by

_SENTENCE = '{% from "customer/_waiting.html" import waiting_sentence %}{{ waiting_sentence(w) }}'


def tenant_zone(tenant: Doc | None) -> ZoneInfo:
    """The business's time zone (UTC when it has none or an unknown one)."""
    try:
        return ZoneInfo(str((tenant or {}).get("timezone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


async def waiting_for(
    tenant: Doc, ticket: Doc, messages: list[Doc] | None = None
) -> dict[str, Any] | None:
    """What the customer is told about when the answer comes: `when` (`today`, `tomorrow`
    or another `day`) and `time` of the next opening while the business is closed; else
    `usual` (minutes answers usually take), or None. Nothing once staff have the last word:
    the customer has been answered."""
    if messages and messages[-1].get("from") == "staff":  # as the customer sees them
        return None
    now = clock.now()
    due = expected_reply_by(tenant, ticket, now)
    if due is None:
        if not awaiting_reply(ticket):
            return None
        usual = await hub().waiting.usual_minutes(str(tenant.get("id") or ticket["tenant_id"]), now)
        return {"usual": usual} if usual else None
    zone = tenant_zone(tenant)
    opens = clock.parse_iso(due).astimezone(zone)
    days = (opens.date() - now.astimezone(zone).date()).days
    return {
        "when": "today" if days == 0 else "tomorrow" if days == 1 else "day",
        "time": format_time(opens, "HH:mm", tzinfo=zone, locale=g.lang),
        # A date pattern (CLDR): the catalog words it for each language ("lunes 7 de diciembre").
        "day": format_date(opens, _("EEEE d MMMM"), locale=g.lang),
        "at": due,
    }


async def waiting_text(waiting: dict[str, Any] | None) -> str | None:
    """The sentence as plain text (for a script to show with textContent), or None."""
    if not waiting:
        return None
    rendered = await render_template_string(_SENTENCE, w=waiting)
    return Markup(rendered).unescape().strip() or None
