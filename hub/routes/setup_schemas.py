"""Bodies of the set-up API (the business, establishments, departments, access points).

Each validator applies the domain's own rule (hub/accounts/business.py, model.py), so the
API and the service refuse the same things with the same words; a broken rule answers 400
naming the exact field (`opening_hours.1.to`, `labels.fr`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator

from hub.accounts.business import (
    BOUNDS,
    NAME_MAX,
    check_color,
    check_languages,
    check_opening_hours,
    check_sms_from,
)
from hub.accounts.model import CODE_MAX, check_code, check_timezone
from hub.accounts.setup import ADDRESS_MAX, LABEL_MAX
from hub.routes.bodies import Body, Flag

Kind = Literal["poster", "flyer", "coaster", "receipt", "table-tent", "kiosk", "table", "other"]
LangCode = str  # checked against the business's languages by the service
Texts = dict[LangCode, str]
COLOR = r"^#[0-9A-Fa-f]{6}$"
SLUG_MAX = 63


class _Body(Body):
    model_config = ConfigDict(str_max_length=2_000, populate_by_name=True)

    def given(self, *nullable: str) -> dict[str, Any]:
        """The fields the client sent; a null counts only where it means something."""
        return {
            name: getattr(self, name)
            for name in self.model_fields_set
            if getattr(self, name) is not None or name in nullable
        }


class OpeningRange(Body):
    """Open on these weekdays (1 = Monday) from `from` to `to` (HH:MM; `to` may be 24:00)."""

    model_config = ConfigDict(populate_by_name=True)

    weekdays: list[int] = Field(min_length=1, max_length=7)
    from_: str = Field(alias="from", max_length=5)
    to: str = Field(max_length=5)

    def as_doc(self) -> dict[str, Any]:
        return {"weekdays": self.weekdays, "from": self.from_, "to": self.to}


class TenantPatch(_Body):
    """The business's settings; absent fields stay as they are."""

    name: str | None = Field(default=None, max_length=NAME_MAX)
    language: str | None = Field(default=None, max_length=8)
    languages: list[str] | None = Field(default=None, max_length=8)
    timezone: str | None = Field(default=None, max_length=64)
    sla_hours: int | None = Field(
        default=None, ge=BOUNDS["sla_hours"][0], le=BOUNDS["sla_hours"][1]
    )
    onsite_minutes: int | None = Field(
        default=None, ge=BOUNDS["onsite_minutes"][0], le=BOUNDS["onsite_minutes"][1]
    )
    sms_hourly_budget: int | None = Field(
        default=None, ge=BOUNDS["sms_hourly_budget"][0], le=BOUNDS["sms_hourly_budget"][1]
    )
    sms_from: str | None = Field(default=None, max_length=20)
    opening_hours: list[OpeningRange] | None = Field(default=None, max_length=50)
    brand_color: str | None = Field(default=None, pattern=COLOR)
    privacy_retention_days: int | None = Field(
        default=None,
        ge=BOUNDS["privacy_retention_days"][0],
        le=BOUNDS["privacy_retention_days"][1],
    )
    # checked by hub/accounts/targets.py (400 naming `targets.<name>`); null clears them
    targets: dict[str, Any] | None = Field(default=None, max_length=10)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else check_languages(value)

    @field_validator("sms_from")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        return check_sms_from(value)

    @field_validator("brand_color")
    @classmethod
    def _color(cls, value: str | None) -> str | None:
        return None if value is None else check_color(value)

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, value: list[OpeningRange] | None) -> list[OpeningRange] | None:
        check_opening_hours([r.as_doc() for r in value or []])
        return value

    def changes(self) -> dict[str, Any]:
        fields = self.given("opening_hours", "sms_from", "targets")
        if "opening_hours" in fields:
            fields["opening_hours"] = [r.as_doc() for r in self.opening_hours or []]
        return fields


class DepartmentIn(_Body):
    """A department: `name` in the main language, `names` in each of the business's."""

    slug: str | None = Field(default=None, max_length=SLUG_MAX)
    name: str | None = Field(default=None, max_length=LABEL_MAX)
    names: Texts | None = Field(default=None, max_length=8)


class EstablishmentIn(_Body):
    """An establishment: one hotel, restaurant or shop of the business."""

    slug: str | None = Field(default=None, max_length=SLUG_MAX)
    name: str | None = Field(default=None, max_length=LABEL_MAX)
    brand_color: str | None = Field(default=None, pattern=COLOR)
    address: str | None = Field(default=None, max_length=ADDRESS_MAX)


class PointIn(_Body):
    """A new access point: its code (1–40 letters, digits, - and _) is printed under its QR."""

    code: str = Field(max_length=200)
    label: str | None = Field(default=None, max_length=LABEL_MAX)
    labels: Texts | None = Field(default=None, max_length=8)
    department: str | None = Field(default=None, max_length=SLUG_MAX)
    establishment: str | None = Field(default=None, max_length=SLUG_MAX)
    kind: Kind = "poster"

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return check_code(value)


class PointPatch(_Body):
    """Relabel, move (department, establishment; null: none), change the kind, (re)activate."""

    code: str | None = Field(default=None, max_length=200)  # may only repeat the point's own
    label: str | None = Field(default=None, max_length=LABEL_MAX)
    labels: Texts | None = Field(default=None, max_length=8)
    department: str | None = Field(default=None, max_length=SLUG_MAX)
    establishment: str | None = Field(default=None, max_length=SLUG_MAX)
    kind: Kind | None = None
    active: Flag | None = None


__all__ = [
    "CODE_MAX",
    "DepartmentIn",
    "EstablishmentIn",
    "OpeningRange",
    "PointIn",
    "PointPatch",
    "TenantPatch",
]
