"""Translation use cases: an SOS into the tenant's and recipients' languages, replies back.

Both run after intake, in a job: the ticket is already stored in its original text, and a
translation arrives as a `ticket.updated` (or `ticket.message.updated`) event. A provider
failure leaves the original and is recorded on the document (`translation_errors`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from hub.ports import Doc, Publisher, Store, Update
from hub.tickets.events import MessageTranslated, TicketEvent, TicketUpdated
from hub.tickets.repository import ENTRIES, TICKETS, TicketRepository
from hub.tickets.unit_of_work import UnitOfWork
from hub.translate.detect import detect_language
from hub.translate.providers import TranslationFailed, Translator

log = logging.getLogger(__name__)

Detect = Callable[[str], Awaitable[str | None]]


def tenant_languages(tenant: Doc) -> list[str]:
    """The languages a tenant works in."""
    langs = [str(x) for x in (tenant.get("languages") or []) if x]
    main = str(tenant.get("language") or "es")
    return sorted({main, *langs})


class TranslationService:
    """Detects languages and stores machine translations on tickets and replies."""

    def __init__(
        self,
        store: Store,
        publisher: Publisher,
        translator: Translator,
        *,
        detect: Detect = detect_language,
    ) -> None:
        self.store = store
        self.publisher = publisher
        self.translator = translator
        self.detect = detect
        self.work = UnitOfWork(store, publisher)
        self.repo = TicketRepository(store)

    async def _commit(self, tenant_id: str, change: Update, event: TicketEvent) -> None:
        await self.work.commit_and_publish(tenant_id, [change], [event])

    async def language_of(self, tenant: Doc, ticket: Doc) -> str | None:
        """The SOS text's language: the customer's explicit choice, else detected, else given."""
        given = ticket.get("language") or None
        if (ticket.get("language_explicit") or ticket.get("language_detected")) and given:
            return str(given)  # the customer's word, or already detected at intake
        try:
            detected = await self.detect(ticket["text"])
        except Exception:  # detection is a nicety: never lose routing over it
            log.exception("language detection failed")
            detected = None
        return detected or given

    def would_store(
        self, tenant: Doc, ticket: Doc, language: str | None, targets: Iterable[str]
    ) -> bool:
        """Whether `translate_ticket` would store anything: a new language, or a translation
        to try (the routing job finishes without a claim when nothing is to be done)."""
        if language and language != ticket.get("language"):
            return True
        if self.translator.name == "none":
            return False
        source = language or str(tenant.get("language") or "es")
        return bool({t for t in targets if t} - {source} - set(ticket.get("translations") or {}))

    async def translate_ticket(
        self,
        tenant: Doc,
        ticket: Doc,
        language: str | None,
        targets: Iterable[str],
        *,
        first: Iterable[str] = (),
    ) -> Doc:
        """Store `language` and translations into `targets`, `first` ones first (the
        languages of the alerts about to go out), each stored (one ticket.updated) as soon
        as it is done: an alert sent meanwhile finds the ones ready, not nothing."""
        source = language or str(tenant.get("language") or "es")
        if self.translator.name == "none":
            targets = ()  # no provider is not a failure: nothing to record
        translations: dict[str, str] = dict(ticket.get("translations") or {})
        errors: dict[str, str] = dict(ticket.get("translation_errors") or {})
        todo = {t for t in targets if t} - {source} - set(translations)
        urgent = [t for t in dict.fromkeys(first) if t in todo]
        order = urgent + sorted(todo - set(urgent))
        for target in order:
            try:
                translations[target] = await self.translator.translate(
                    ticket["text"], source, target
                )
                errors.pop(target, None)
            except TranslationFailed as exc:
                errors[target] = str(exc)[:300]
            except Exception as exc:  # a broken provider is recorded like a refusing one
                log.exception("translator %s crashed", self.translator.name)
                errors[target] = f"{self.translator.name}: {type(exc).__name__}"
            if target in translations:
                ticket = await self._store(ticket, language, translations, errors)
        return await self._store(ticket, language, translations, errors)

    async def _store(
        self, ticket: Doc, language: str | None, translations: Doc, errors: Doc
    ) -> Doc:
        """Write what changed since `ticket` and push it; the ticket as now stored."""
        sets: Doc = {}
        if language and language != ticket.get("language"):
            sets["language"] = language
        if translations != (ticket.get("translations") or {}):
            sets["translations"] = dict(translations)
            sets["translated_by"] = self.translator.name
        if errors != (ticket.get("translation_errors") or {}):
            sets["translation_errors"] = dict(errors)
        if not sets:
            return ticket
        # Translating takes seconds: staff may have changed the ticket meanwhile. The event
        # carries the ticket as it is now, or it would put an older status back on screens.
        current = await self.repo.find(ticket["tenant_id"], ticket["id"]) or ticket
        doc = {**current, **sets}
        await self._commit(
            ticket["tenant_id"],
            Update(TICKETS, ticket["id"], sets),
            TicketUpdated(doc),
        )
        return doc

    async def translate_message(self, tenant: Doc, ticket: Doc, message: Doc) -> Doc:
        """A staff reply into the customer's language (the ticket's), stored on the message."""
        target = ticket.get("language") or None
        if not target or self.translator.name == "none":
            return message
        try:
            source = await self.detect(message["text"])
        except Exception:
            log.exception("language detection failed")
            source = None
        source = source or str(tenant.get("language") or "es")
        existing = dict(message.get("translations") or {})
        if source == target or target in existing:
            return message
        sets: Doc
        try:
            text = await self.translator.translate(message["text"], source, target)
            sets = {
                "translations": {**existing, target: text},
                "language": source,
                "translated_by": self.translator.name,
            }
        except TranslationFailed as exc:
            sets = {"language": source, "translation_errors": {target: str(exc)[:300]}}
        except Exception as exc:
            log.exception("translator %s crashed", self.translator.name)
            sets = {
                "language": source,
                "translation_errors": {target: f"{self.translator.name}: {type(exc).__name__}"},
            }
        doc = {**message, **sets}
        await self._commit(
            ticket["tenant_id"],
            Update(ENTRIES, message["id"], sets),
            MessageTranslated(ticket, doc),
        )
        return doc
