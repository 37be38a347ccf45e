"""The survey answers given outside a thread, as rows of /api/v1/export/surveys.csv.

A manager who exports the surveys of a month expects every answer in the file: the ones at
the end of a thread (hub/exports/surveys_csv.py, ThreadSurveys) and the ones given from a
point's QR or a kiosk without an SOS (`survey_responses`, hub/surveys/service.py). Each
standalone answer makes one row for the built-in rating (with its NPS and comment) and one
row per own question answered, named in the business's language (`answer_rows`, shared
with the thread's survey).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

from hub.clock import iso
from hub.exports.filters import TicketFilter
from hub.exports.surveys_csv import SurveyRow, answer_rows
from hub.ports import Doc, Store
from hub.surveys.questions import SurveyConfig
from hub.surveys.service import Surveys, responses_between
from hub.tickets.stats import Period


class StandaloneSurveys:
    """A SurveySource over `survey_responses`: answers from a point's QR or a kiosk."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _kept(self, response: Doc, wanted: TicketFilter) -> bool:
        """A standalone answer has no ticket: a filter on what only tickets carry (status,
        category, department, language of an SOS) leaves it out."""
        if wanted.status or wanted.category or wanted.department or wanted.language:
            return False
        if wanted.point:
            if wanted.point.startswith("kiosk:"):
                if response.get("kiosk_id") != wanted.point.removeprefix("kiosk:"):
                    return False
            elif response.get("point") != wanted.point:
                return False
        return not wanted.establishment or response.get("establishment") == wanted.establishment

    async def rows(
        self, tenant: Doc, period: Period, wanted: TicketFilter
    ) -> AsyncIterator[SurveyRow]:
        config: SurveyConfig = await Surveys(self.store).config(tenant["id"])
        language = str(tenant.get("language") or "en")
        found = await responses_between(
            self.store, tenant["id"], iso(period.start), iso(period.end)
        )
        for response in found:
            if not self._kept(response, wanted):
                continue
            base = SurveyRow(
                source=str(response.get("source") or "qr"),
                answered_at=response.get("created_at"),
                point=response.get("point"),
                point_label=response.get("point_label"),
                establishment=response.get("establishment"),
            )
            if response.get("rating") or response.get("nps") is not None:
                yield replace(
                    base,
                    rating=response.get("rating"),
                    nps=response.get("nps"),
                    comment=response.get("comment"),
                )
            for row in answer_rows(base, response.get("answers"), config.questions, language):
                yield row
