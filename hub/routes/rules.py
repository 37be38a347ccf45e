"""/api/v1/rules: routing rules (manager), and /api/v1/rules/test: who would get this SOS."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import EmailStr, Field, field_validator, model_validator
from quart import Blueprint
from quart_schema import validate_request

from hub.accounts.model import Role
from hub.container import hub
from hub.notify.sms import phone_number
from hub.routes.auth import staff_required, tenant_id
from hub.routes.bodies import Body, Flag
from hub.routes.openapi import responds
from hub.tickets.model import CATEGORY_ORDER
from hub.tickets.rulebook import RuleBook, rule_json
from hub.translate.detect import TICKET_LANGUAGES

bp = Blueprint("rules", __name__, url_prefix="/api/v1/rules")

_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"


class RecipientIn(Body):
    channel: Literal["email", "sms"]
    to: str = Field(min_length=3, max_length=254)
    name: str = Field(default="", max_length=120)
    language: str = Field(default="es", pattern=r"^[a-z]{2}$")

    @model_validator(mode="after")
    def _address(self) -> RecipientIn:
        if self.channel == "sms":
            # digits only here; the rule book reads it in the business's country (E.164)
            if phone_number(self.to) is None:
                raise ValueError("to: an SMS number has 6 to 15 digits, e.g. +34 600 111 222")
        else:
            from pydantic import TypeAdapter, ValidationError

            try:
                TypeAdapter(EmailStr).validate_python(self.to)
            except ValidationError:
                raise ValueError("to: not an e-mail address") from None
        return self


class DateRange(Body):
    from_: str = Field(alias="from", pattern=_DATE)
    to: str = Field(pattern=_DATE)

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        from datetime import date

        try:
            start, end = date.fromisoformat(self.from_), date.fromisoformat(self.to)
        except ValueError:
            raise ValueError("not a real date") from None
        if start > end:
            raise ValueError("from must not be after to")
        return self


class ScheduleIn(Body):
    weekdays: list[int] = Field(default_factory=list)
    from_: str | None = Field(default=None, alias="from", pattern=_HHMM)
    to: str | None = Field(default=None, pattern=_HHMM)
    dates: list[DateRange] = Field(default_factory=list)
    except_: list[str] = Field(default_factory=list, alias="except")
    timezone: str | None = None

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(not 1 <= d <= 7 for d in value):
            raise ValueError("weekdays are 1 (Monday) to 7 (Sunday)")
        return sorted(set(value))

    @field_validator("except_")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        from datetime import date

        for day in value:
            try:
                date.fromisoformat(day)
            except ValueError:
                raise ValueError(f"{day!r} is not a date YYYY-MM-DD") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value or None


class MatchIn(Body):
    points: list[str] = Field(default_factory=list, max_length=200)
    establishments: list[str] = Field(default_factory=list, max_length=200)
    departments: list[str] = Field(default_factory=list, max_length=200)
    # A category value or a group ("claim": every claim_*), as hub/tickets/model.py has them.
    categories: list[str] = Field(default_factory=list, max_length=len(CATEGORY_ORDER))
    words: list[str] = Field(default_factory=list, max_length=200)
    languages: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("categories")
    @classmethod
    def _categories(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in CATEGORY_ORDER]
        if unknown:
            raise ValueError(
                f"unknown category {unknown[0][:40]!r}; one of {', '.join(CATEGORY_ORDER)}"
            )
        return list(dict.fromkeys(value))

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        unknown = [code for code in value if code not in TICKET_LANGUAGES]
        if unknown:  # no SOS could carry it: the rule would never fire
            raise ValueError(
                f"unknown language {unknown[0][:20]!r}; one of {', '.join(TICKET_LANGUAGES)}"
            )
        return list(dict.fromkeys(value))


class StepIn(Body):
    after_minutes: float = Field(gt=0, le=7 * 24 * 60)
    recipients: list[RecipientIn] = Field(min_length=1, max_length=50)


class RuleIn(Body):
    name: str = Field(min_length=1, max_length=120)
    active: Flag = True
    match: MatchIn = Field(default_factory=MatchIn)
    schedule: ScheduleIn | None = None
    recipients: list[RecipientIn] = Field(default_factory=list, max_length=100)
    escalation: list[StepIn] = Field(default_factory=list, max_length=10)

    def fields(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class RuleTestIn(Body):
    """A sample SOS: `text` is required, as the contract lists it; it may be empty (the page's
    dry run of a place and a time)."""

    point: str = Field(min_length=1, max_length=64)
    text: str = Field(max_length=2000)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    category: str | None = Field(default=None, max_length=32)  # as if staff had confirmed it
    at: datetime | None = None


def _book() -> RuleBook:
    return hub().rules


@bp.get("")
@staff_required(Role.manager)
async def list_rules() -> Any:
    return {"items": [rule_json(r) for r in await _book().all(tenant_id())]}


@bp.post("")
@responds(201)
@staff_required(Role.manager)
@validate_request(RuleIn)
async def create_rule(data: RuleIn) -> Any:
    return rule_json(await _book().create(tenant_id(), data.fields())), 201


@bp.get("/<rule_id>")
@staff_required(Role.manager)
async def get_rule(rule_id: str) -> Any:
    return rule_json(await _book().get(tenant_id(), rule_id))


@bp.put("/<rule_id>")
@staff_required(Role.manager)
@validate_request(RuleIn)
async def replace_rule(rule_id: str, data: RuleIn) -> Any:
    return rule_json(await _book().replace(tenant_id(), rule_id, data.fields()))


@bp.delete("/<rule_id>")
@responds(204)
@staff_required(Role.manager)
async def delete_rule(rule_id: str) -> Any:
    await _book().delete(tenant_id(), rule_id)
    return "", 204


@bp.post("/test")
@staff_required(Role.manager)
@validate_request(RuleTestIn)
async def test_rules(data: RuleTestIn) -> Any:
    """Who would get this SOS at `at` (default now)? Nothing is stored or sent."""
    point, tenant = await hub().accounts.active_point(data.point)
    if point["tenant_id"] != tenant_id():
        from hub.errors import NotFound

        raise NotFound("this access point does not exist or is not active", field="point")
    at = data.at or datetime.now(UTC)
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(tenant.get("timezone") or "UTC"))
    sample = {
        "text": data.text,
        "language": data.language,
        "category": data.category,
        "point": {"code": point["code"], "label": point["label"]},
        "department": point.get("department"),
        "establishment": point.get("establishment"),
        "translations": {},
    }
    plan = await _book().plan(tenant, sample, at)
    return {**plan.to_json(), "at": at.isoformat()}
