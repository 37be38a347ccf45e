"""Opening hours, reply targets and what the customer is told about waiting. Pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hub.errors import Invalid
from hub.tickets.hours import is_open, next_opening
from hub.tickets.routing import plan_for
from hub.tickets.targets import check_targets, reply_due_at, target_minutes
from hub.tickets.waiting import expected_reply_by, median_minutes

MADRID = "Europe/Madrid"
WEEKDAYS = [{"weekdays": [1, 2, 3, 4, 5], "from": "08:00", "to": "20:00"}]
# A bar: Thursday to Saturday evenings, open past midnight.
NIGHTS = [{"weekdays": [4, 5, 6], "from": "20:00", "to": "02:00"}]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_no_opening_hours_means_always_open() -> None:
    nothing: tuple[list[Any] | None, ...] = (None, [])
    for hours in nothing:
        assert is_open(hours, utc(2026, 12, 5, 3, 0), MADRID)
        assert next_opening(hours, utc(2026, 12, 5, 3, 0), MADRID) is None


def test_open_inside_a_range_and_closed_outside_in_local_time() -> None:
    # Thursday 3 December 2026: Madrid is UTC+1 in winter
    assert is_open(WEEKDAYS, utc(2026, 12, 3, 7, 0), MADRID)  # 08:00 local
    assert not is_open(WEEKDAYS, utc(2026, 12, 3, 6, 59), MADRID)  # 07:59 local
    assert not is_open(WEEKDAYS, utc(2026, 12, 3, 19, 0), MADRID)  # 20:00 local: closed
    assert next_opening(WEEKDAYS, utc(2026, 12, 3, 12, 0), MADRID) is None  # open now


def test_the_next_opening_is_later_today_or_tomorrow() -> None:
    # Thursday 06:30 local: opens at 08:00 today
    assert next_opening(WEEKDAYS, utc(2026, 12, 3, 5, 30), MADRID) == utc(2026, 12, 3, 7, 0)
    # Thursday 22:00 local: opens at 08:00 on Friday
    assert next_opening(WEEKDAYS, utc(2026, 12, 3, 21, 0), MADRID) == utc(2026, 12, 4, 7, 0)


def test_the_next_opening_wraps_the_weekend_and_the_week() -> None:
    # Friday 21:00 local → Monday 08:00
    assert next_opening(WEEKDAYS, utc(2026, 12, 4, 20, 0), MADRID) == utc(2026, 12, 7, 7, 0)
    # Sunday 23:30 local (UTC+1: still Sunday) → Monday 08:00
    assert next_opening(WEEKDAYS, utc(2026, 12, 6, 22, 30), MADRID) == utc(2026, 12, 7, 7, 0)
    # Open on Mondays only, asked on Monday after closing: next Monday
    mondays = [{"weekdays": [1], "from": "09:00", "to": "13:00"}]
    assert next_opening(mondays, utc(2026, 12, 7, 14, 0), MADRID) == utc(2026, 12, 14, 8, 0)


def test_a_range_past_midnight_belongs_to_the_evening_it_started() -> None:
    # Friday 4 December 23:30 local: open (Friday's evening)
    assert is_open(NIGHTS, utc(2026, 12, 4, 22, 30), MADRID)
    # Saturday 01:30 local: still Friday's night
    assert is_open(NIGHTS, utc(2026, 12, 5, 0, 30), MADRID)
    # Monday 01:30 local: Sunday's night does not exist
    assert not is_open(NIGHTS, utc(2026, 12, 7, 0, 30), MADRID)
    # Sunday 02:30 local, after Saturday's night: next is Thursday 20:00
    assert next_opening(NIGHTS, utc(2026, 12, 6, 1, 30), MADRID) == utc(2026, 12, 10, 19, 0)


def test_the_next_opening_on_the_spring_dst_day_is_at_local_opening_time() -> None:
    # Sunday 29 March 2026: Madrid moves from UTC+1 to UTC+2 at 02:00 local.
    sundays = [{"weekdays": [7], "from": "08:00", "to": "14:00"}]
    saturday_night = utc(2026, 3, 28, 22, 0)  # 23:00 local, UTC+1
    assert next_opening(sundays, saturday_night, MADRID) == utc(2026, 3, 29, 6, 0)  # 08:00 CEST
    # 02:30 does not exist that night: it is read with the winter offset (03:30 summer time)
    small_hours = [{"weekdays": [7], "from": "02:30", "to": "05:00"}]
    assert next_opening(small_hours, saturday_night, MADRID) == utc(2026, 3, 29, 1, 30)


def test_the_next_opening_on_the_autumn_dst_day_is_at_local_opening_time() -> None:
    # Sunday 25 October 2026: back from UTC+2 to UTC+1
    sundays = [{"weekdays": [7], "from": "08:00", "to": "14:00"}]
    assert next_opening(sundays, utc(2026, 10, 24, 21, 0), MADRID) == utc(2026, 10, 25, 7, 0)


def test_a_range_ending_at_24_00_closes_at_midnight() -> None:
    noon_to_midnight = [{"weekdays": [], "from": "12:00", "to": "24:00"}]
    # Saturday 5 December 2026, Madrid UTC+1
    assert not is_open(noon_to_midnight, utc(2026, 12, 5, 3, 40), MADRID)  # 04:40: closed
    assert next_opening(noon_to_midnight, utc(2026, 12, 5, 3, 40), MADRID) == utc(2026, 12, 5, 11)
    assert is_open(noon_to_midnight, utc(2026, 12, 5, 22, 59), MADRID)  # 23:59
    assert not is_open(noon_to_midnight, utc(2026, 12, 5, 23, 0), MADRID)  # 00:00 Sunday
    saturday = [{"weekdays": [6], "from": "00:00", "to": "24:00"}]
    assert is_open(saturday, utc(2026, 12, 5, 3, 36), MADRID)
    assert not is_open(saturday, utc(2026, 12, 5, 23, 0), MADRID)


def test_a_whole_day_and_unreadable_ranges() -> None:
    all_day = [{"weekdays": [6], "from": "00:00", "to": "00:00"}]
    assert is_open(all_day, utc(2026, 12, 5, 22, 59), MADRID)  # Saturday 23:59 local
    broken: list[Any] = [
        {"weekdays": [9], "from": "08:00", "to": "09:00"},
        {"weekdays": [1], "from": "8 am", "to": "09:00"},
        "every day",
        {"weekdays": [2], "from": "10:00", "to": "11:00"},
    ]
    # Monday 12:00 local: only Tuesday's range is readable
    assert next_opening(broken, utc(2026, 12, 7, 11, 0), MADRID) == utc(2026, 12, 8, 9, 0)
    # nothing readable: nothing promised
    assert (
        next_opening([{"weekdays": [0], "from": "x", "to": "y"}], utc(2026, 12, 7), MADRID) is None
    )


TENANT: dict[str, Any] = {"timezone": MADRID, "sla_hours": 48}


def test_reply_targets_come_from_the_category_then_its_group_then_the_promise() -> None:
    assert target_minutes(TENANT, "question_basic") == 15
    assert target_minutes(TENANT, "question_complex") == 240
    assert target_minutes(TENANT, "question") == 60
    assert target_minutes(TENANT, "claim_repeated") == 48 * 60
    assert target_minutes(TENANT, "praise") == 48 * 60
    assert target_minutes(TENANT, None) == 48 * 60
    own = {**TENANT, "sla_hours": 24, "reply_targets": {"claim": 120, "question_basic": 5}}
    assert target_minutes(own, "claim_disputed") == 120  # the business's group target
    assert target_minutes(own, "question_basic") == 5
    assert target_minutes(own, "question_complex") == 240  # the default still
    assert target_minutes(own, "suggestion") == 24 * 60


def test_the_reply_is_due_from_arrival_or_from_the_next_opening() -> None:
    shop = {**TENANT, "opening_hours": WEEKDAYS}
    noon = {"created_at": "2026-12-03T11:00:00.000+00:00", "suggested_category": "question_basic"}
    assert reply_due_at(shop, noon) == "2026-12-03T11:15:00.000+00:00"
    # Friday night: the basic question is due 15 minutes after Monday's opening
    friday = {**noon, "created_at": "2026-12-04T22:00:00.000+00:00"}
    assert reply_due_at(shop, friday) == "2026-12-07T07:15:00.000+00:00"
    # staff's category wins over the suggestion
    confirmed = {**noon, "category": "claim_new"}
    assert reply_due_at(shop, confirmed) == "2026-12-05T11:00:00.000+00:00"


def test_reply_targets_are_checked_naming_the_entry() -> None:
    assert check_targets({"claim": 120, "praise": None, "question": 0}) == {"claim": 120}
    for bad, field in (
        ({"claims": 5}, "reply_targets.claims"),
        ({"claim": -1}, "reply_targets.claim"),
        ({"claim": 10**7}, "reply_targets.claim"),
        ({"claim": True}, "reply_targets.claim"),
        ({"claim": "5"}, "reply_targets.claim"),
    ):
        with pytest.raises(Invalid) as caught:
            check_targets(bad)
        assert caught.value.field == field


def test_the_customer_is_told_the_opening_while_closed_and_nothing_once_answered() -> None:
    shop = {**TENANT, "opening_hours": WEEKDAYS}
    waiting = {"status": "new"}
    friday_night = utc(2026, 12, 4, 22, 0)
    assert expected_reply_by(shop, waiting, friday_night) == "2026-12-07T07:00:00.000+00:00"
    assert expected_reply_by(shop, waiting, utc(2026, 12, 3, 11, 0)) is None  # open now
    assert expected_reply_by(TENANT, waiting, friday_night) is None  # always open
    answered = {"status": "waiting_customer"}
    assert expected_reply_by(shop, answered, friday_night) is None
    assert expected_reply_by(shop, {"status": "open"}, friday_night) is not None


def test_the_usual_answer_time_is_the_median_in_whole_minutes() -> None:
    def answered(minutes: float) -> dict[str, str]:
        created = utc(2026, 12, 1, 10, 0)
        first = created + timedelta(minutes=minutes)
        return {"created_at": created.isoformat(), "first_response_at": first.isoformat()}

    assert median_minutes([]) is None
    assert median_minutes([answered(4), answered(10), answered(600)]) == 10
    assert median_minutes([answered(0.2)]) == 1  # never "about 0 minutes"


def test_routing_still_alerts_the_on_call_rule_while_the_business_is_closed() -> None:
    closed_shop = {**TENANT, "opening_hours": WEEKDAYS}
    on_call = {
        "id": "night",
        "match": {},
        "schedule": {"from": "20:00", "to": "08:00"},
        "recipients": [{"channel": "sms", "to": "+34600111222", "name": "On call"}],
    }
    night = utc(2026, 12, 4, 22, 0)  # Friday 23:00 local: closed, the customer told Monday
    assert expected_reply_by(closed_shop, {"status": "new"}, night) is not None
    plan = plan_for([on_call], {"text": "Hay humo en el pasillo"}, closed_shop, night)
    assert [r.name for r in plan.recipients] == ["On call"]
