"""The exports use case: the files, the words and the report for one tenant at a time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

from hub.exports.filters import TicketFilter
from hub.exports.monthly import monthly_figures, write_pdf
from hub.exports.surveys_csv import SurveySource, ThreadSurveys, surveys_csv
from hub.exports.tickets_csv import tickets_csv
from hub.exports.words import tickets_saying, top_words
from hub.ports import Doc, Store
from hub.tickets.stats import Period

RENDERING = 2  # reports laid out at once: each holds a core for a while


class Exports:
    """CSV files, words and the monthly report over the hub's store.

    `survey_sources`: more sources of survey answers (custom surveys) after the thread's.
    """

    def __init__(self, store: Store, survey_sources: Sequence[SurveySource] = ()) -> None:
        self.store = store
        self.survey_sources: list[SurveySource] = [ThreadSurveys(store), *survey_sources]
        self.rendering = asyncio.Semaphore(RENDERING)

    def tickets_csv(
        self, tenant: Doc, period: Period, wanted: TicketFilter
    ) -> AsyncIterator[bytes]:
        return tickets_csv(self.store, tenant, period, wanted)

    def surveys_csv(
        self, tenant: Doc, period: Period, wanted: TicketFilter
    ) -> AsyncIterator[bytes]:
        return surveys_csv(self.survey_sources, tenant, period, wanted)

    def add_survey_source(self, source: SurveySource) -> None:
        """Custom surveys plug their answers in here (hub/surveys/, at start-up)."""
        self.survey_sources.append(source)

    async def words(
        self, tenant: Doc, period: Period, wanted: TicketFilter, limit: int
    ) -> dict[str, Any]:
        return await top_words(self.store, tenant, period, wanted, limit)

    async def monthly(self, tenant: Doc, month: str, establishment: str | None) -> dict[str, Any]:
        """The monthly report's figures (hub/exports/monthly.py)."""
        return await monthly_figures(self.store, tenant, month, establishment)

    async def pdf(self, html: str) -> bytes:
        """The report's HTML laid out as a PDF, in a thread, RENDERING at a time."""
        async with self.rendering:
            return await asyncio.to_thread(write_pdf, html)

    async def saying(
        self, tenant: Doc, period: Period, wanted: TicketFilter, text: str
    ) -> tuple[list[Doc], bool]:
        """The tickets behind one word or phrase of `words` (hub/exports/words.py)."""
        return await tickets_saying(self.store, tenant, period, wanted, text)
