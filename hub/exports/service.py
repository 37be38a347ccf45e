"""The exports use case: the files, the words and the report for one tenant at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from hub.exports.filters import TicketFilter
from hub.exports.surveys_csv import SurveySource, ThreadSurveys, surveys_csv
from hub.exports.tickets_csv import tickets_csv
from hub.ports import Doc, Store
from hub.tickets.stats import Period


class Exports:
    """CSV files, words and the monthly report over the hub's store.

    `survey_sources`: more sources of survey answers (custom surveys) after the thread's.
    """

    def __init__(self, store: Store, survey_sources: Sequence[SurveySource] = ()) -> None:
        self.store = store
        self.survey_sources: list[SurveySource] = [ThreadSurveys(store), *survey_sources]

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

    async def describe(self) -> dict[str, Any]:
        return {"survey_sources": [type(s).__name__ for s in self.survey_sources]}
