"""The pure rules of alerts: which SOS count, the densest window, the burst, a detractor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.alerts.model import counts, densest, in_burst, is_detractor
from hub.clock import iso

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
WIDTH = timedelta(minutes=15)


def at(minutes: float) -> str:
    return iso(T0 + timedelta(minutes=minutes))


def test_a_ticket_counts_by_point_and_by_the_staff_category_or_else_the_suggestion() -> None:
    alert = {"point": "bar", "category": "complaint"}
    complaint = {"point": {"code": "bar"}, "category": "complaint_service"}
    assert counts(alert, complaint)
    assert not counts(alert, {**complaint, "point": {"code": "pool"}})
    suggested = {"point": {"code": "bar"}, "category": None, "suggested_category": "complaint"}
    assert counts(alert, suggested)
    # staff's word wins over the suggestion
    assert not counts(alert, {**suggested, "category": "praise"})
    assert counts({"point": None, "category": None}, {"point": {"code": "any"}})


def test_the_densest_window_holds_the_sos_being_counted() -> None:
    times = [at(0), at(1), at(2), at(30)]
    assert densest(times, at(2), WIDTH) == [at(0), at(1), at(2)]
    assert densest(times, at(30), WIDTH) == [at(30)]
    # a ticket classified late sits inside its burst, not at its end
    assert densest([at(0), at(10), at(14), at(40)], at(0), WIDTH) == [at(0), at(10), at(14)]
    assert densest([at(0), at(16)], at(0), WIDTH) == [at(0)]


def test_an_sos_is_in_the_burst_until_its_minutes_pass() -> None:
    alert = {"burst_from": at(0), "burst_until": at(17)}
    assert in_burst(alert, at(5), WIDTH)
    assert in_burst(alert, at(16.9), WIDTH)
    assert not in_burst(alert, at(17), WIDTH)
    assert not in_burst(alert, at(-20), WIDTH)
    assert not in_burst({}, at(1), WIDTH)


def test_a_detractor_is_a_bad_rating_or_an_nps_of_six_or_less() -> None:
    assert is_detractor({"rating": "bad", "nps": None})
    assert is_detractor({"rating": "good", "nps": 6})
    assert is_detractor({"rating": "very_good", "nps": 0})
    assert not is_detractor({"rating": "fair", "nps": 7})
    assert not is_detractor({"rating": "fair", "nps": None})


def test_a_fire_reads_in_each_language_with_a_point_label_escaped_in_html() -> None:
    from hub.notify.render import Renderer

    fire = {
        "name": "Rush",
        "point": "bar",
        "point_label": "Bar <script>x</script> & co",
        "category": "complaint",
        "found": 3,
        "count": 3,
        "minutes": 15,
        "from": at(0),
        "to": at(5),
        "at": at(5),
        "tickets": [{"id": "a1", "number": 1}],
    }
    tenant = {"name": "Acme", "timezone": "Europe/Madrid"}
    subjects = set()
    for lang in ("es", "en", "fr", "de", "it", "pt", "gl", "ca"):
        item = {"language": lang, "channel": "email", "fire": fire}
        words = Renderer().threshold(item, tenant, console_url="C", ticket_url="T/{id}")
        assert words.html is not None and "<script>" not in words.html
        assert "Bar &lt;script&gt;x&lt;/script&gt; &amp; co" in words.html
        assert "3 SOS" in words.subject and "15" in words.subject and "T/a1" in words.text
        subjects.add(words.subject)
    assert len(subjects) == 8  # every language has its own words
