"""The operator's figures and the installation's small rules, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.clock import iso, parse_iso
from hub.errors import field_first
from hub.installation.operators import parse_operator_session
from hub.tickets.promise import kept_promise, not_due_yet
from hub.tickets.ticket import Ticket

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def ticket(
    created_hours_ago: float, answered_after_hours: float | None = None, **extra: object
) -> dict[str, object]:
    created = NOW - timedelta(hours=created_hours_ago)
    answered = (
        None if answered_after_hours is None else created + timedelta(hours=answered_after_hours)
    )
    return {
        "created_at": iso(created),
        "first_response_at": iso(answered) if answered else None,
        "status": "open",
        **extra,
    }


def promise_kept(
    tickets: list[dict[str, object]], sla_hours: float, at: datetime
) -> tuple[int, int, int]:
    """(SOS, due, answered in time): the store counts the first two figures' inputs (SOS and
    those answered in time) as here; hub/tickets/promise.py tells which are not due yet."""
    sla = timedelta(hours=sla_hours)
    shown = [t for t in tickets if not Ticket(t).held_back]
    in_time = sum(
        1
        for t in shown
        if t["first_response_at"]
        and parse_iso(str(t["first_response_at"])) - parse_iso(str(t["created_at"])) <= sla
    )
    got = kept_promise(len(shown), in_time, sum(1 for t in tickets if not_due_yet(t, sla, at)))
    return got["sos"], got["due"], got["answered_in_time"]


def test_a_promise_counts_when_answered_or_once_it_ran_out() -> None:
    tickets = [
        ticket(100, 2),  # answered in 2 h: kept
        ticket(100, 47.9),  # just within 48 h: kept
        ticket(100, 49),  # answered late: due, not kept
        ticket(60),  # unanswered and past its 48 h: due, not kept
        ticket(3),  # unanswered, still within its promise: not due yet
        ticket(3, 1),  # answered early: kept, even though its promise has not run out
    ]
    assert promise_kept(tickets, 48, NOW) == (6, 5, 3)
    assert promise_kept(tickets, 1, NOW) == (6, 6, 1)  # a one-hour promise: only the 1 h one


def test_held_back_sos_never_reached_the_staff_and_are_not_counted() -> None:
    held = ticket(100, held=True, held_reason="spam", status="quarantined")
    assert promise_kept([held, ticket(100, 1)], 48, NOW) == (1, 1, 1)


def test_an_error_message_starts_with_the_field_it_names() -> None:
    assert field_first("slug must be lowercase", "slug") == "slug: must be lowercase"
    assert field_first("unknown time zone 'X'", "timezone") == "timezone: unknown time zone 'X'"
    assert field_first("name: is required", "name") == "name: is required"


def test_only_an_operator_session_id_parses_as_one() -> None:
    assert parse_operator_session("operator:abc:def") == ("abc", "def")
    for other in (None, "", "tenant:user:session", "operator:abc", "operator::x", "operator:a:b:c"):
        assert parse_operator_session(other) is None
