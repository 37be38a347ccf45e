"""A business's own survey questions: their shape, their limits, and the validation that
names the field at fault (pure; no I/O).

Stored in the `configs` collection as `survey:<tenant_id>`:
`{"active": bool, "questions": [{"id", "kind", "text": {lang: str}, "required": bool}],
"invite": bool, "invite_days": int}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hub.errors import Invalid
from hub.ports import Doc
from hub.tickets.model import strip_controls

KINDS = ("rating4", "nps", "text")
LANGUAGES = ("es", "en", "fr", "de", "it", "pt", "gl", "ca")
MAX_QUESTIONS = 10
QUESTION_TEXT_MAX = 200
ANSWER_TEXT_MAX = 1000
INVITE_DAYS_DEFAULT = 14
INVITE_DAYS_MAX = 90
RATINGS = ("very_good", "good", "fair", "bad")
_ID = re.compile(r"^[a-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class Question:
    """One question: its kind, its words per language, and whether it must be answered."""

    id: str
    kind: str
    text: dict[str, str]
    required: bool = False

    def label(self, lang: str, default: str) -> str:
        """The question in `lang`, else in the business's language, else any it has."""
        return self.text.get(lang) or self.text.get(default) or next(iter(self.text.values()), "")

    def to_doc(self) -> Doc:
        return {
            "id": self.id,
            "kind": self.kind,
            "text": dict(self.text),
            "required": self.required,
        }


@dataclass(frozen=True)
class SurveyConfig:
    """What a business asks beyond the built-in rating, and how it invites customers."""

    questions: tuple[Question, ...] = ()
    active: bool = False
    invite: bool = True
    invite_days: int = INVITE_DAYS_DEFAULT
    updated_at: str | None = field(default=None, compare=False)

    @property
    def shown(self) -> tuple[Question, ...]:
        """The questions customers see now (none while the business keeps them off)."""
        return self.questions if self.active else ()

    def to_doc(self) -> Doc:
        return {
            "active": self.active,
            "questions": [q.to_doc() for q in self.questions],
            "invite": self.invite,
            "invite_days": self.invite_days,
        }

    @classmethod
    def from_doc(cls, doc: Doc | None) -> SurveyConfig:
        """A stored config as it is (it was validated when saved); defaults when none."""
        if not doc:
            return cls()
        questions = tuple(
            Question(
                str(q["id"]), str(q["kind"]), dict(q.get("text") or {}), bool(q.get("required"))
            )
            for q in doc.get("questions") or []
        )
        return cls(
            questions=questions,
            active=bool(doc.get("active")),
            invite=doc.get("invite") is not False,
            invite_days=int(doc.get("invite_days") or INVITE_DAYS_DEFAULT),
            updated_at=doc.get("updated_at"),
        )


def _texts(raw: Any, where: str, default_lang: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise Invalid(f"{where}: an object of texts by language", field=where)
    out: dict[str, str] = {}
    for lang, value in raw.items():
        spot = f"{where}.{lang}"
        if lang not in LANGUAGES:
            raise Invalid(f"{spot}: one of the languages {', '.join(LANGUAGES)}", field=spot)
        if value is None:
            continue
        if not isinstance(value, str):
            raise Invalid(f"{spot}: a text", field=spot)
        text = " ".join(value.replace("\x00", "").split())
        if len(text) > QUESTION_TEXT_MAX:
            raise Invalid(f"{spot}: at most {QUESTION_TEXT_MAX} characters", field=spot)
        if text:
            out[lang] = text
    if not out.get(default_lang):
        spot = f"{where}.{default_lang}"
        raise Invalid(
            f"{spot}: every question needs its text in the business's language ({default_lang})",
            field=spot,
        )
    return out


def _question(raw: Any, index: int, default_lang: str, taken: set[str]) -> Question:
    where = f"questions[{index}]"
    if not isinstance(raw, dict):
        raise Invalid(f"{where}: an object", field=where)
    unknown = set(raw) - {"id", "kind", "text", "required"}
    if unknown:
        spot = f"{where}.{sorted(unknown)[0]}"
        raise Invalid(f"{spot}: not a field of a question", field=spot)
    kind = raw.get("kind")
    if kind not in KINDS:
        raise Invalid(f"{where}.kind: one of {', '.join(KINDS)}", field=f"{where}.kind")
    qid = raw.get("id") or f"q{index + 1}"
    if not isinstance(qid, str) or not _ID.match(qid):
        raise Invalid(f"{where}.id: up to 32 of a-z, 0-9, _ and -", field=f"{where}.id")
    while qid in taken:
        qid = f"{qid}-{index + 1}"[:32]
    taken.add(qid)
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise Invalid(f"{where}.required: true or false", field=f"{where}.required")
    return Question(qid, kind, _texts(raw.get("text"), f"{where}.text", default_lang), required)


def validate(raw: Any, default_lang: str) -> SurveyConfig:
    """A survey config from a manager's JSON; Invalid names the field at fault."""
    if not isinstance(raw, dict):
        raise Invalid("body: an object", field="body")
    unknown = set(raw) - {"questions", "active", "invite", "invite_days"}
    if unknown:
        name = sorted(unknown)[0]
        raise Invalid(f"{name}: not a field of the survey", field=name)
    questions = raw.get("questions", [])
    if not isinstance(questions, list):
        raise Invalid("questions: a list", field="questions")
    if len(questions) > MAX_QUESTIONS:
        raise Invalid(f"questions: at most {MAX_QUESTIONS} questions", field="questions")
    for name in ("active", "invite"):
        if name in raw and not isinstance(raw[name], bool):
            raise Invalid(f"{name}: true or false", field=name)
    days = raw.get("invite_days", INVITE_DAYS_DEFAULT)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= INVITE_DAYS_MAX:
        raise Invalid(
            f"invite_days: a whole number of days from 1 to {INVITE_DAYS_MAX}", field="invite_days"
        )
    taken: set[str] = set()
    return SurveyConfig(
        questions=tuple(_question(q, i, default_lang, taken) for i, q in enumerate(questions)),
        active=bool(raw.get("active", False)),
        invite=raw.get("invite", True) is not False,
        invite_days=days,
    )


def check_answers(
    questions: tuple[Question, ...], raw: dict[str, Any]
) -> tuple[Doc, dict[str, str]]:
    """A customer's answers to the business's questions, cleaned; and per question id the
    kind of problem ("required", "invalid", "too_long") for the page to word."""
    answers: Doc = {}
    problems: dict[str, str] = {}
    for q in questions:
        value = raw.get(q.id)
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\x00", "").strip()
        if value in (None, ""):
            if q.required:
                problems[q.id] = "required"
            continue
        if q.kind == "rating4":
            if value not in RATINGS:
                problems[q.id] = "invalid"
                continue
            answers[q.id] = value
        elif q.kind == "nps":
            number = _whole(value)
            if number is None or not 0 <= number <= 10:
                problems[q.id] = "invalid"
                continue
            answers[q.id] = number
        else:
            text = strip_controls(str(value)).strip()
            if len(text) > ANSWER_TEXT_MAX:
                problems[q.id] = "too_long"
                continue
            answers[q.id] = text
    return answers, problems


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) <= 2:
        return int(value)
    return None
