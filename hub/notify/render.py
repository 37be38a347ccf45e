"""Render notifications from the jinja templates in web/email and web/sms, per language.

E-mail has a plain-text part and an HTML part (autoescaped: the SOS text is customer input);
SMS is short plain text. Fixed wording goes through the gettext catalogs of hub.i18n, in the
recipient's language; the SOS itself is shown as written, with its machine translation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from hub.clock import parse_iso
from hub.i18n import format_moment, load_catalogs
from hub.moderation.floods import FLOOD_LIMIT, FLOOD_WINDOW_MINUTES
from hub.notify.gsm import gsm_safe
from hub.ports import Doc

WEB = Path(__file__).resolve().parent.parent / "web"  # hub/web: see pyproject's package-data
SMS_EXCERPT = 60


@dataclass(frozen=True)
class Rendered:
    """A notification's words: subject (e-mail), plain text, HTML (e-mail)."""

    subject: str
    text: str
    html: str | None


def place_of(ticket: Doc, tenant: Doc | None = None) -> str:
    """Where the SOS was sent from, as staff name it: the point, then its establishment's
    name. Never the establishment's code (staff do not know it), and not the name either
    when it is the business's own (a one-hotel business: it adds nothing). In an SMS,
    gsm_safe makes the " · " a " - "."""
    point = ticket.get("point") or {}
    parts = [str(point.get("label") or point.get("code") or "?")]
    name = " ".join(str(ticket.get("establishment_name") or "").split())
    business = " ".join(str((tenant or {}).get("name") or "").split())
    if name and name.casefold() != business.casefold():
        parts.append(name)
    return " · ".join(parts)


def local_time(moment: str, timezone: str | None, language: str = "en") -> str:
    """A stored UTC time in the tenant's zone, the recipient's way:
    '29 nov 2026, 23:07 (Europe/Madrid)' in Spanish, 'Nov 29, 2026, 23:07 (…)' in English."""
    try:
        zone = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    when: datetime = parse_iso(moment).astimezone(zone)
    return f"{format_moment(when, zone, language, year=True)} ({zone.key})"


def _held_context(ticket: Doc, tenant: Doc, language: str, held_url: str) -> dict[str, Any]:
    """What a manager's notice about a held-back SOS names: which, where, when, and where
    to review it."""
    return {
        "number": ticket.get("number"),
        "place": place_of(ticket, tenant),
        "time": local_time(ticket["created_at"], tenant.get("timezone"), language),
        "tenant_name": tenant.get("name") or "",
        "held_url": held_url,
    }


def excerpt(text: str, limit: int) -> str:
    """The text on one line, cut at a word near `limit` characters (in an SMS, gsm_safe
    makes the "…" a "...")."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut + "…"


class Renderer:
    """Jinja environments per language, built once per process, on the shared templates."""

    _shared: ClassVar[dict[Path, tuple[dict[str, Any], dict[str, Environment]]]] = {}

    def __init__(self, web: Path = WEB) -> None:
        self.web = web
        if web not in self._shared:
            self._shared[web] = (load_catalogs(), {})
        self.catalogs, self._envs = self._shared[web]

    @classmethod
    def preload(cls) -> None:
        """Compile catalogs and templates now (a worker does so before forking its jobs)."""
        renderer = cls()
        for language in renderer.catalogs:
            env = renderer._env(language)
            for name in env.list_templates(filter_func=lambda n: n.startswith(("email/", "sms/"))):
                env.get_template(name)

    def _env(self, language: str) -> Environment:
        lang = language if language in self.catalogs else "en"
        env = self._envs.get(lang)
        if env is None:
            env = Environment(
                loader=FileSystemLoader(str(self.web)),
                autoescape=select_autoescape(("html",), default_for_string=False),
                extensions=["jinja2.ext.i18n"],
                undefined=StrictUndefined,
                keep_trailing_newline=False,
            )
            env.install_gettext_translations(self.catalogs[lang], newstyle=True)  # type: ignore[attr-defined]
            self._envs[lang] = env
        return env

    def _render(self, language: str, name: str, context: dict[str, Any]) -> str:
        lang = language if language in self.catalogs else "en"
        # `html_lang`: an e-mail's <html lang>, so screen readers read it in its language
        page = self._env(language).get_template(name).render(html_lang=lang, **context)
        return page.strip() + "\n"

    def alert(
        self, item: Doc, ticket: Doc, tenant: Doc, *, ack_url: str, open_url: str
    ) -> Rendered:
        """An alert or escalation: number, place, time, text, translation, the two links."""
        language = str(item.get("language") or tenant.get("language") or "en")
        translation = None
        if language != ticket.get("language"):
            translation = (ticket.get("translations") or {}).get(language)
        context = {
            "escalation": item.get("kind") == "escalation",
            "step": item.get("step") or 0,
            "number": ticket.get("number"),
            "place": place_of(ticket, tenant),
            "time": local_time(ticket["created_at"], tenant.get("timezone"), language),
            "text": ticket["text"],
            "short_text": excerpt(translation or ticket["text"], SMS_EXCERPT),
            "translation": translation,
            "language": language,
            "source_language": ticket.get("language") or "?",
            "category": ticket.get("category"),
            "recipient": item.get("name") or "",
            "tenant_name": tenant.get("name") or "",
            "ack_url": ack_url,
            "open_url": open_url,
        }
        if item["channel"] == "sms":
            return self.sms(language, "alert", context)
        return Rendered(
            subject=self._render(language, "email/alert_subject.txt", context).strip(),
            text=self._render(language, "email/alert.txt", context),
            html=self._render(language, "email/alert.html", context),
        )

    def reply(
        self, item: Doc, ticket: Doc, tenant: Doc, message: Doc, *, thread_url: str
    ) -> Rendered:
        """Staff's answer to a customer, with its machine translation and the thread link."""
        language = str(item.get("language") or ticket.get("language") or "en")
        translation = (message.get("translations") or {}).get(language)
        context = {
            "number": ticket.get("number"),
            "tenant_name": tenant.get("name") or "",
            "author": message.get("author_name") or "",
            "text": message["text"],
            "translation": translation,
            "short_text": excerpt(translation or message["text"], 300),  # SMS only
            "text_language": message.get("language") or "",
            "language": language,
            "thread_url": thread_url,
            "sos_text": excerpt(ticket["text"], 200),
        }
        if item["channel"] == "sms":
            return self.sms(language, "reply", context)
        return Rendered(
            subject=self._render(language, "email/reply_subject.txt", context).strip(),
            text=self._render(language, "email/reply.txt", context),
            html=self._render(language, "email/reply.html", context),
        )

    def auto_block(
        self, item: Doc, ticket: Doc, tenant: Doc, *, held_url: str, blocks_url: str
    ) -> Rendered:
        """To a manager: a sender was blocked after repeated insults, and where to review it.

        The insult itself is not repeated in the mail: the held-back page shows it to staff.
        """
        language = str(item.get("language") or tenant.get("language") or "en")
        context = {**_held_context(ticket, tenant, language, held_url), "blocks_url": blocks_url}
        return self.email(language, "auto_block", context)

    def flood(self, item: Doc, ticket: Doc, tenant: Doc, *, held_url: str) -> Rendered:
        """To a manager: SOS from one network are being held back as a flood, and where to
        review them (the address is not named: staff block a sender from the held SOS)."""
        language = str(item.get("language") or tenant.get("language") or "en")
        context = {
            **_held_context(ticket, tenant, language, held_url),
            "count": FLOOD_LIMIT,
            "minutes": FLOOD_WINDOW_MINUTES,
        }
        return self.email(language, "flood", context)

    def kiosk_notice(self, item: Doc, tenant: Doc, *, kiosks_url: str) -> Rendered:
        """To a manager: a kiosk went silent (`kiosk_offline`) or is back (`kiosk_online`)."""
        language = str(item.get("language") or tenant.get("language") or "en")
        kiosk = item.get("kiosk") or {}
        offline = item["kind"] == "kiosk_offline"
        moment = kiosk.get("last_seen_at") if offline else item.get("created_at")
        context = {
            "offline": offline,
            "name": kiosk.get("name") or "?",
            "place": kiosk.get("place") or kiosk.get("point") or "?",
            "time": local_time(str(moment or item["created_at"]), tenant.get("timezone"), language),
            "minutes": kiosk.get("offline_minutes") or 10,
            "tenant_name": tenant.get("name") or "",
            "kiosks_url": kiosks_url,
        }
        return self.email(language, "kiosk_notice", context)

    def sms(self, language: str, name: str, context: dict[str, Any]) -> Rendered:
        """An SMS from `web/sms/<name>.txt`, in GSM characters only (gsm_safe: the hub's
        words, names and the quoted text alike), so it goes as 160-character parts."""
        return Rendered(
            "", gsm_safe(self._render(language, f"sms/{name}.txt", context).strip()), None
        )

    def threshold(self, item: Doc, tenant: Doc, *, console_url: str, ticket_url: str) -> Rendered:
        """A threshold alert fired (hub/alerts): where, which category, how many in how long,
        the console filtered to those SOS, and each SOS's own link (`{id}` in `ticket_url`)."""
        language = str(item.get("language") or tenant.get("language") or "en")
        fire = item.get("fire") or {}
        zone = tenant.get("timezone")
        context = {
            "name": fire.get("name") or "",
            "place": fire.get("point_label") or fire.get("point") or "",
            "category": fire.get("category"),
            "found": fire.get("found"),
            "count": fire.get("count"),
            "minutes": fire.get("minutes"),
            "first": local_time(fire.get("from") or fire["at"], zone, language),
            "last": local_time(fire.get("to") or fire["at"], zone, language),
            "tickets": [
                {"number": t.get("number"), "url": ticket_url.replace("{id}", t["id"])}
                for t in fire.get("tickets") or []
            ],
            "console_url": console_url,
            "tenant_name": tenant.get("name") or "",
        }
        if item["channel"] == "sms":
            return self.sms(language, "threshold", context)
        return self.email(language, "threshold", context)

    def detractor(self, item: Doc, ticket: Doc, tenant: Doc, *, open_url: str) -> Rendered:
        """A bad survey answer reopened a ticket: the answer, the SOS, the ticket's link."""
        language = str(item.get("language") or tenant.get("language") or "en")
        survey = ticket.get("survey") or {}
        context = {
            "number": ticket.get("number"),
            "place": place_of(ticket, tenant),
            "time": local_time(ticket["created_at"], tenant.get("timezone"), language),
            "rating": survey.get("rating"),
            "nps": survey.get("nps"),
            "comment": survey.get("comment"),
            "text": excerpt(str(ticket.get("text") or ""), 500),
            "open_url": open_url,
            "tenant_name": tenant.get("name") or "",
        }
        if item["channel"] == "sms":
            return self.sms(language, "detractor", context)
        return self.email(language, "detractor", context)

    def email(self, language: str, name: str, context: dict[str, Any]) -> Rendered:
        """An e-mail from `web/email/<name>_subject.txt`, `<name>.txt` and `<name>.html`."""
        return Rendered(
            subject=self._render(language, f"email/{name}_subject.txt", context).strip(),
            text=self._render(language, f"email/{name}.txt", context),
            html=self._render(language, f"email/{name}.html", context),
        )
