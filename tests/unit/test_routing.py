"""Routing rules: matching, schedules across time zones and DST, de-duplication."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub.tickets.routing import contains_phrase, in_schedule, plan_for

TENANT = {"id": "t", "timezone": "Europe/Madrid", "language": "es"}


def ticket(**over: Any) -> dict[str, Any]:
    base = {
        "text": "La música de la terraza está muy alta",
        "language": "es",
        "category": None,
        "point": {"code": "bar-terrace", "label": "Bar terrace"},
        "department": "pool-bar",
        "establishment": "hotel",
        "translations": {},
    }
    return {**base, **over}


def rule(id: str, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": id,
        "name": id,
        "active": True,
        "match": {},
        "schedule": None,
        "recipients": [],
        "escalation": [],
    }
    return {**base, **over}


def email(to: str, lang: str = "es") -> dict[str, str]:
    return {"channel": "email", "to": to, "name": to.split("@")[0], "language": lang}


def sms(to: str, lang: str = "es") -> dict[str, str]:
    return {"channel": "sms", "to": to, "name": to, "language": lang}


NIGHT = {"weekdays": [6, 7], "from": "22:00", "to": "06:00"}
SUNDAY_2300_MADRID = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)  # 23:00 in Madrid (CET)


def test_a_ticket_sent_on_sunday_at_23_reaches_exactly_the_night_rule_recipients() -> None:
    rules = [
        rule(
            "day",
            schedule={"weekdays": [1, 2, 3, 4, 5, 6, 7], "from": "08:00", "to": "22:00"},
            recipients=[email("day@hotel.example")],
        ),
        rule(
            "night",
            schedule=NIGHT,
            recipients=[sms("+34600111222"), email("night@hotel.example", "en")],
        ),
        rule(
            "bar-words",
            match={"points": ["bar-terrace"], "words": ["música"]},
            recipients=[email("NIGHT@hotel.example"), sms("0034 600 111 222")],
        ),
        rule(
            "kitchen",
            match={"departments": ["restaurant"]},
            recipients=[email("chef@hotel.example")],
        ),
    ]
    plan = plan_for(rules, ticket(), TENANT, SUNDAY_2300_MADRID)
    assert plan.rules == ("night", "bar-words")
    assert [(r.channel, r.to, r.language) for r in plan.recipients] == [
        ("sms", "+34600111222", "es"),
        ("email", "night@hotel.example", "en"),
    ]


def test_the_small_hours_belong_to_the_night_that_started_the_day_before() -> None:
    friday_night_only = {"weekdays": [5], "from": "22:00", "to": "02:00"}
    saturday_0100 = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)  # Sat 01:00 Madrid
    sunday_0100 = datetime(2026, 11, 29, 0, 0, tzinfo=UTC)  # Sun 01:00 Madrid
    assert in_schedule(friday_night_only, saturday_0100, "Europe/Madrid")
    assert not in_schedule(friday_night_only, sunday_0100, "Europe/Madrid")


def test_schedules_follow_the_tenant_clock_across_daylight_saving_changes() -> None:
    morning = {"from": "09:00", "to": "10:00"}
    # 08:30 UTC is 09:30 in Madrid in winter (CET, +1) but 10:30 in summer (CEST, +2).
    assert in_schedule(morning, datetime(2026, 1, 15, 8, 30, tzinfo=UTC), "Europe/Madrid")
    assert not in_schedule(morning, datetime(2026, 7, 15, 8, 30, tzinfo=UTC), "Europe/Madrid")
    # The day clocks go forward (29 March 2026): 07:30 UTC is 09:30 CEST.
    assert in_schedule(morning, datetime(2026, 3, 29, 7, 30, tzinfo=UTC), "Europe/Madrid")
    # Same instant, a tenant in New York: 03:30 there.
    assert not in_schedule(morning, datetime(2026, 3, 29, 7, 30, tzinfo=UTC), "America/New_York")


def test_date_ranges_and_holidays_limit_a_rule() -> None:
    summer = {"dates": [{"from": "2026-06-15", "to": "2026-09-15"}], "except": ["2026-08-15"]}
    assert in_schedule(summer, datetime(2026, 7, 1, 12, tzinfo=UTC), "Europe/Madrid")
    assert not in_schedule(summer, datetime(2026, 8, 15, 12, tzinfo=UTC), "Europe/Madrid")
    assert not in_schedule(summer, datetime(2026, 10, 1, 12, tzinfo=UTC), "Europe/Madrid")


def test_words_match_whole_words_without_caring_for_accents_or_case() -> None:
    assert contains_phrase("La MUSICA está alta", "música")
    assert contains_phrase("the air conditioning is broken", "air conditioning")
    assert not contains_phrase("musicales", "música")
    assert not contains_phrase("the bar is closed", "ar")


def test_inactive_rules_and_non_matching_languages_are_ignored() -> None:
    rules = [
        rule("off", active=False, recipients=[email("a@x.example")]),
        rule("english", match={"languages": ["en"]}, recipients=[email("b@x.example")]),
        rule("any", recipients=[email("c@x.example")]),
    ]
    plan = plan_for(rules, ticket(), TENANT, SUNDAY_2300_MADRID)
    assert plan.rules == ("any",)


def test_escalation_steps_of_all_matching_rules_merge_by_delay() -> None:
    rules = [
        rule(
            "a",
            recipients=[email("a@x.example")],
            escalation=[
                {"after_minutes": 10, "recipients": [sms("+34600000001")]},
                {"after_minutes": 30, "recipients": [email("boss@x.example")]},
            ],
        ),
        rule(
            "b",
            escalation=[
                {"after_minutes": 10, "recipients": [sms("34600000001"), sms("+34600000002")]}
            ],
        ),
    ]
    plan = plan_for(rules, ticket(), TENANT, SUNDAY_2300_MADRID)
    assert [s.after_minutes for s in plan.escalation] == [10, 30]
    assert [r.to for r in plan.escalation[0].recipients] == ["+34600000001", "+34600000002"]
    assert [r.to for r in plan.escalation[1].recipients] == ["boss@x.example"]
