"""GET /api/v1/export/surveys.csv: one row per survey answer of a period.

Rows come from sources (`SurveySource`): today the survey at the end of a ticket's thread
(`ThreadSurveys`: the surveys answered in the period, whenever their ticket was created, as
/admin/survey/results and /api/v1/survey/results pick them; the built-in rating, then one
row per own question answered, as the results count them). Custom surveys answered outside
a thread (a point's QR, a kiosk, an invitation: hub/surveys/, built alongside) add theirs by
passing one more source to `Exports(survey_sources=[...])`: an object whose
`rows(tenant, period, wanted)` yields `SurveyRow`s, one per answered question (`question`
names it; a four-level answer goes in `rating`, 0–10 in `nps`, free text in `comment`),
`source` saying which survey. The file lists the sources one after the other, each in its
own time order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from hub.exports.csvfile import local_time, stream_csv
from hub.exports.filters import TicketFilter
from hub.exports.pages import tickets_in
from hub.ports import Doc, Store
from hub.surveys.questions import Question
from hub.surveys.service import Surveys
from hub.tickets.places import EstablishmentFallback
from hub.tickets.stats import Period

THREAD = "thread"
HEADER = (
    "source",
    "ticket_number",
    "answered_local",
    "answered_utc",
    "timezone",
    "point",
    "point_label",
    "establishment",
    "category",
    "question",
    "rating",
    "nps",
    "comment",
)


@dataclass(frozen=True)
class SurveyRow:
    """One answer as the file shows it (times: ISO UTC, as stored)."""

    source: str
    answered_at: str | None
    ticket_number: int | None = None
    point: str | None = None
    point_label: str | None = None
    establishment: str | None = None
    category: str | None = None
    question: str | None = None
    rating: str | None = None
    nps: int | None = None
    comment: str | None = None

    def cells(self, zone: ZoneInfo) -> list[Any]:
        return [
            self.source,
            self.ticket_number,
            local_time(self.answered_at, zone),
            self.answered_at,
            str(zone),
            self.point,
            self.point_label,
            self.establishment,
            self.category,
            self.question,
            self.rating,
            self.nps,
            self.comment,
        ]


class SurveySource(Protocol):
    """Where survey answers come from (the thread's survey; custom surveys)."""

    def rows(self, tenant: Doc, period: Period, wanted: TicketFilter) -> AsyncIterator[SurveyRow]:
        """The answers of `period` that fit `wanted` (point, establishment, category)."""
        ...


def answer_rows(
    base: SurveyRow, answers: Doc | None, questions: tuple[Question, ...], language: str
) -> Iterator[SurveyRow]:
    """One row per own question answered: a four-level answer in `rating`, 0-10 in `nps`,
    free text in `comment`. Answers to questions removed since keep their id as the name."""
    known = {q.id: q for q in questions}
    for qid, value in (answers or {}).items():
        question = known.get(qid)
        name = question.label(language, language) if question else qid
        kind = question.kind if question else ("nps" if isinstance(value, int) else "text")
        row = replace(base, question=name, rating=None, nps=None, comment=None)
        if kind == "rating4":
            yield replace(row, rating=str(value))
        elif kind == "nps" and isinstance(value, int):
            yield replace(row, nps=value)
        else:
            yield replace(row, comment=str(value))


class ThreadSurveys:
    """The rating a customer gives at the end of a thread, kept on the ticket."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def rows(
        self, tenant: Doc, period: Period, wanted: TicketFilter
    ) -> AsyncIterator[SurveyRow]:
        questions = (await Surveys(self.store).config(tenant["id"])).questions
        language = str(tenant.get("language") or "en")
        places = EstablishmentFallback(self.store, tenant["id"])  # stored without one
        # by the answer's time, not the ticket's: a rating given on the 1st for an SOS of
        # the 28th belongs to the new month, on the results page and in this file alike
        answered = tickets_in(
            self.store, tenant["id"], period, wanted.where(), by="survey.answered_at"
        )
        async for stored in answered:
            if not stored.get("survey") or not wanted.keeps(stored):
                continue
            ticket = await places.one(stored)
            survey = ticket.get("survey") or {}
            point = ticket.get("point") or {}
            base = SurveyRow(
                source=THREAD,
                answered_at=survey.get("answered_at"),
                ticket_number=ticket.get("number"),
                point=point.get("code"),
                point_label=point.get("label"),
                establishment=ticket.get("establishment"),
                category=ticket.get("category"),
            )
            yield replace(
                base,
                rating=survey.get("rating"),
                nps=survey.get("nps"),
                comment=survey.get("comment"),
            )
            # the business's own questions answered on the thread (results count them too)
            for row in answer_rows(base, survey.get("answers"), questions, language):
                yield row


async def _all_rows(
    sources: Sequence[SurveySource], tenant: Doc, period: Period, wanted: TicketFilter
) -> AsyncIterator[list[Any]]:
    zone = ZoneInfo(str(tenant.get("timezone") or "UTC"))
    for source in sources:
        async for row in source.rows(tenant, period, wanted):
            yield row.cells(zone)


def surveys_csv(
    sources: Sequence[SurveySource], tenant: Doc, period: Period, wanted: TicketFilter
) -> AsyncIterator[bytes]:
    """The file, streamed."""
    return stream_csv(HEADER, _all_rows(sources, tenant, period, wanted))
