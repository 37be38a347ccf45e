"""Surveys: a business's questions (stored config), standalone answers (`survey_responses`),
and the results a manager reads per question and per point for a period.

A standalone answer (from a point's QR page or a kiosk, without an SOS) is stored with
where it was given (point, kiosk, establishment), the page's language and the business's
local day, and never with anything about the person: no address, no cookie, no contact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub import clock
from hub.accounts.scans import local_day
from hub.clock import iso, new_id
from hub.errors import Invalid
from hub.ports import Doc, Store
from hub.surveys.questions import (
    ANSWER_TEXT_MAX,
    RATINGS,
    Question,
    SurveyConfig,
    validate,
)
from hub.tickets.model import clean_text
from hub.tickets.stats import Period, satisfaction

RESPONSES = "survey_responses"
TEXT_ANSWERS_SHOWN = 200  # per question on the results page, newest first
# The fields of a stored standalone answer (see `responses_between`).
RESPONSE_FIELDS = (
    "id",
    "created_at",
    "day",
    "source",
    "point",
    "point_label",
    "establishment",
    "kiosk_id",
    "language",
    "rating",
    "nps",
    "comment",
    "answers",
)


def config_id(tenant_id: str) -> str:
    """Config ids are unique across tenants in the store, so the tenant is part of it."""
    return f"survey:{tenant_id}"


async def responses_between(
    store: Store, tenant_id: str, start_iso: str, end_iso: str
) -> list[Doc]:
    """Standalone survey answers given in [start_iso, end_iso) (UTC ISO times), oldest first.

    Each has `RESPONSE_FIELDS`: `id`; `created_at` (UTC ISO); `day` (the business's local
    date, YYYY-MM-DD); `source` ("qr" or "kiosk"); `point` (the access point's code),
    `point_label`; `establishment` (its slug, or null); `kiosk_id` (null from a QR);
    `language` (the page's); `rating` (very_good|good|fair|bad), `nps` (0-10 or null),
    `comment` (text or null); `answers` ({question id: "very_good".. | 0-10 | text}, for the
    business's own questions as they were when answered). Thread surveys are on the tickets
    (`ticket.survey`, with the same `answers`), not here.
    """
    docs = await store.find(
        tenant_id,
        RESPONSES,
        {"created_at": {"gte": start_iso}},  # one operator per field: the end is checked below
        sort="created_at",
    )
    return [{k: d.get(k) for k in RESPONSE_FIELDS} for d in docs if str(d["created_at"]) < end_iso]


@dataclass(frozen=True)
class Where:
    """Where a standalone answer was given."""

    point: Doc
    kiosk: Doc | None = None


class Surveys:
    """The survey config, standalone answers and results of each business."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def config(self, tenant_id: str) -> SurveyConfig:
        """The business's survey (the defaults until it saves one)."""
        return SurveyConfig.from_doc(
            await self.store.get(tenant_id, "configs", config_id(tenant_id))
        )

    async def save(self, tenant: Doc, raw: Any, by: str | None) -> SurveyConfig:
        """Replace the business's survey; Invalid names the field at fault, nothing saved."""
        config = validate(raw, str(tenant.get("language") or "es"))
        fields = {
            **config.to_doc(),
            "kind": "survey",
            "updated_at": clock.now_iso(),
            "updated_by": by,
        }
        doc_id = config_id(tenant["id"])
        if await self.store.update(tenant["id"], "configs", doc_id, fields) is None:
            await self.store.insert(tenant["id"], "configs", {"id": doc_id, **fields})
        return SurveyConfig.from_doc(fields)

    async def respond(
        self,
        tenant: Doc,
        where: Where,
        *,
        language: str,
        rating: str,
        nps: int | None,
        comment: str | None,
        answers: Doc,
        moment: datetime | None = None,
    ) -> Doc:
        """Store one standalone answer (already checked by the page); no personal data."""
        if rating not in RATINGS:
            raise Invalid("rating: one of " + ", ".join(RATINGS), field="rating")
        when = moment or clock.now()
        point = where.point
        doc = {
            "id": new_id(),
            "created_at": iso(when),
            "day": local_day(when, tenant.get("timezone")),
            "source": "kiosk" if where.kiosk else "qr",
            "point": point["code"],
            "point_label": point.get("label") or point["code"],
            "establishment": point.get("establishment"),
            "kiosk_id": where.kiosk["id"] if where.kiosk else None,
            "language": language[:8],
            "rating": rating,
            "nps": nps,
            "comment": clean_text(comment, "comment", ANSWER_TEXT_MAX)
            if comment and comment.strip()
            else None,
            "answers": answers,
        }
        return await self.store.insert(tenant["id"], RESPONSES, doc)

    async def results(
        self, tenant: Doc, period: Period, point: str | None = None
    ) -> dict[str, Any]:
        """Per question (the built-in rating and NPS, then the business's own) and per
        point: distributions, NPS, text answers; standalone answers and thread surveys.
        `point`: only the answers given at that access point (its code)."""
        start, end = iso(period.start), iso(period.end)
        standalone = await responses_between(self.store, tenant["id"], start, end)
        tickets = await self.store.find(
            tenant["id"], "tickets", {"survey.answered_at": {"gte": start}}
        )
        threads = [
            {
                **dict(t["survey"]),
                "source": "thread",
                "point": (t.get("point") or {}).get("code"),
                "point_label": (t.get("point") or {}).get("label"),
            }
            for t in tickets
            if str((t.get("survey") or {}).get("answered_at") or "") < end
        ]
        answers = [a for a in [*standalone, *threads] if point is None or a.get("point") == point]
        config = await self.config(tenant["id"])
        return {
            "from": start,
            "to": end,
            "point": point,
            "count": len(answers),
            "by_source": _by(answers, "source"),
            "overall": _figures(answers),
            "questions": [_question_result(q, answers) for q in config.questions],
            "points": _points(answers),
        }


def _by(answers: Iterable[Doc], key: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for a in answers:
        out[str(a.get(key))] = out.get(str(a.get(key)), 0) + 1
    return out


def _figures(answers: list[Doc]) -> dict[str, Any]:
    """The built-in rating's distribution and the NPS (the statistics' own shape)."""
    return satisfaction({"survey": a} for a in answers)


def _points(answers: list[Doc]) -> list[dict[str, Any]]:
    groups: dict[str, list[Doc]] = {}
    labels: dict[str, str] = {}
    for a in answers:
        code = str(a.get("point") or "")
        groups.setdefault(code, []).append(a)
        labels[code] = str(a.get("point_label") or code)
    return [
        {"point": code, "label": labels[code], "count": len(members), **_figures(members)}
        for code, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


def _question_result(q: Question, answers: list[Doc]) -> dict[str, Any]:
    given = [
        (a, (a.get("answers") or {}).get(q.id))
        for a in answers
        if (a.get("answers") or {}).get(q.id) not in (None, "")
    ]
    out: dict[str, Any] = {"id": q.id, "kind": q.kind, "text": dict(q.text), "answers": len(given)}
    if q.kind == "rating4":
        out["ratings"] = {r: sum(1 for _a, v in given if v == r) for r in RATINGS}
    elif q.kind == "nps":
        out["nps"] = satisfaction({"survey": {"nps": v}} for _a, v in given)["nps"]
    else:
        newest = sorted(
            given,
            key=lambda av: str(av[0].get("created_at") or av[0].get("answered_at")),
            reverse=True,
        )
        out["texts"] = [
            {
                "text": str(v),
                "point": a.get("point"),
                "point_label": a.get("point_label"),
                "at": a.get("created_at") or a.get("answered_at"),
            }
            for a, v in newest[:TEXT_ANSWERS_SHOWN]
        ]
    return out
