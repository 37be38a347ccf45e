"""What the dashboard (/admin/stats) reads besides the classic groupings: the business's
targets (PATCH /api/v1/tenant) and the by=month, by=weekday_hour and by=agent groups."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub import clock
from hub.app import Hub
from hub.clock import parse_iso
from tests.helpers import Seeded
from tests.integration.test_stats import PERIOD, counts, stats
from tests.integration.test_stats import tickets as tickets  # the fixture
from tests.kit import login

TENANT = "/api/v1/tenant"


async def patch(client: Any, who: Seeded, body: Any) -> Any:
    return await client.patch(TENANT, json=body, headers=who.auth("manager"))


async def test_targets_are_kept_changed_one_by_one_and_cleared(client: Any, acme: Seeded) -> None:
    r = await client.get(TENANT, headers=acme.auth("manager"))
    assert (await r.get_json())["targets"] == {
        "first_response_minutes": None,
        "within_promise_share": None,
        "nps": None,
        "complaints_per_1000_scans": None,
    }
    r = await patch(client, acme, {"targets": {"first_response_minutes": 30, "nps": 40}})
    assert r.status_code == 200, await r.get_data(as_text=True)
    r = await patch(client, acme, {"targets": {"within_promise_share": 0.9, "nps": None}})
    body = await r.get_json()
    assert body["targets"] == {
        "first_response_minutes": 30,
        "within_promise_share": 0.9,
        "nps": None,
        "complaints_per_1000_scans": None,
    }
    r = await client.get(TENANT, headers=acme.auth("manager"))
    assert (await r.get_json())["targets"]["first_response_minutes"] == 30
    r = await patch(client, acme, {"targets": None})
    assert set((await r.get_json())["targets"].values()) == {None}


@pytest.mark.parametrize(
    ("targets", "field"),
    [
        ({"nps": 101}, "targets.nps"),
        ({"nps": 12.5}, "targets.nps"),
        ({"within_promise_share": 1.5}, "targets.within_promise_share"),
        ({"first_response_minutes": "fast"}, "targets.first_response_minutes"),
        ({"first_response_minutes": True}, "targets.first_response_minutes"),
        ({"complaints_per_1000_scans": -1}, "targets.complaints_per_1000_scans"),
        ({"happiness": 3}, "targets.happiness"),
    ],
)
async def test_a_wrong_target_is_refused_naming_it(
    client: Any, acme: Seeded, targets: dict[str, Any], field: str
) -> None:
    r = await patch(client, acme, {"targets": targets})
    assert r.status_code == 400
    error = (await r.get_json())["error"]
    assert error["message"].startswith(f"{field}:"), error
    r = await client.get(TENANT, headers=acme.auth("manager"))
    assert set((await r.get_json())["targets"].values()) == {None}


async def test_an_agent_cannot_set_targets(client: Any, acme: Seeded) -> None:
    r = await client.patch(TENANT, json={"targets": {"nps": 10}}, headers=acme.auth("agent"))
    assert r.status_code == 403


async def test_months_and_weekday_hour_cells_in_local_time(
    client: Any, acme: Seeded, tickets: dict[str, str]
) -> None:
    by_cell = await stats(client, acme, **PERIOD, by="weekday_hour")
    # Monday 09:30, Tuesday 23:30 and Wednesday 00:30 in Madrid; weekday then hour
    assert [g["key"] for g in by_cell["groups"]] == ["1-09", "2-23", "3-00"]
    assert counts(by_cell) == {"1-09": 1, "2-23": 1, "3-00": 1}
    first = by_cell["groups"][0]
    assert first["first_response"]["median_minutes"] == 30
    assert set(first) >= {"key", "label", "count", "first_response", "resolution"}

    by_month = await stats(client, acme, **{"from": "2026-09-15", "to": "2026-11-30"}, by="month")
    assert [(g["key"], g["count"]) for g in by_month["groups"]] == [
        ("2026-10", 1),
        ("2026-11", 3),
    ]


async def test_by_agent_is_who_sent_the_first_reply(
    client: Any, hub: Hub, acme: Seeded, tickets: dict[str, str]
) -> None:
    for role, name in (("agent", "lift"), ("manager", "lift"), ("manager", "noise")):
        r = await client.post(
            f"/api/v1/tickets/{tickets[name]}/replies",
            json={"text": "We are on it"},
            headers=acme.auth(role),
        )
        assert r.status_code == 201, await r.get_data(as_text=True)
    result = await stats(client, acme, **PERIOD, by="agent")
    agent, manager = acme.users["agent"], acme.users["manager"]
    groups = [(g["key"], g["label"], g["count"]) for g in result["groups"]]
    assert sorted(groups[:2]) == sorted(
        [(agent["id"], agent["name"], 1), (manager["id"], manager["name"], 1)]
    )
    assert groups[2:] == [(None, None, 1)]  # the towels: no reply yet, listed last
    r = await client.get(
        "/api/v1/stats", query_string={"by": "agents"}, headers=acme.auth("manager")
    )
    assert r.status_code == 400
    assert "by" in (await r.get_json())["error"]["message"]


async def test_another_business_sees_neither_the_agents_nor_the_targets(
    client: Any, acme: Seeded, globex: Seeded, tickets: dict[str, str]
) -> None:
    r = await client.post(
        f"/api/v1/tickets/{tickets['lift']}/replies",
        json={"text": "On it"},
        headers=acme.auth("agent"),
    )
    assert r.status_code == 201
    assert (await patch(client, acme, {"targets": {"nps": 40}})).status_code == 200
    theirs = await stats(client, globex, **PERIOD, by="agent")
    assert theirs["groups"] == [] and theirs["overall"]["count"] == 0
    r = await client.get(TENANT, headers=globex.auth("manager"))
    assert (await r.get_json())["targets"]["nps"] is None


async def test_the_dashboard_page_groups_by_the_new_keys_and_explains_refusals(
    client: Any, acme: Seeded, tickets: dict[str, str]
) -> None:
    await login(client, acme, "manager")
    english = {"Accept-Language": "en"}
    long = {"from": "2026-09-01", "to": "2026-11-30"}
    r = await client.get(
        "/admin/stats", query_string={**long, "by": "weekday_hour"}, headers=english
    )
    assert r.status_code == 200
    page = await r.get_data(as_text=True)
    assert "SOS per month" in page  # over 62 days the trend goes by month
    assert re.search(
        r'<tr data-key="2026-10">\s*<th scope="row">2026-10</th><td data-value="1">', page
    )
    assert re.search(r'<tr data-key="1-09">\s*<th scope="row">Mon 09:00</th>\s*<td>1</td>', page)

    r = await client.get("/admin/stats", query_string={**PERIOD, "by": "agent"}, headers=english)
    assert "Not answered yet" in await r.get_data(as_text=True)  # no one replied in the API

    r = await client.get("/admin/stats", query_string={**PERIOD, "by": "agents"}, headers=english)
    assert r.status_code == 400
    page = await r.get_data(as_text=True)
    assert 'id="stats-error">Choose a grouping from the list.' in page
    assert 'id="stats-by" name="by" aria-invalid="true"' in page

    reversed_compare = {
        **PERIOD,
        "compare": "custom",
        "compare_from": "2026-10-31",
        "compare_to": "2026-10-01",
    }
    r = await client.get(
        "/admin/stats", query_string=reversed_compare, headers={"Accept-Language": "es"}
    )
    assert r.status_code == 400
    assert "«Comparar desde» tiene que ir antes de «Comparar hasta»." in await r.get_data(
        as_text=True
    )


async def test_the_period_reads_in_the_business_clock_on_both_pages(
    client: Any, acme: Seeded
) -> None:
    """A manager in Madrid who asks for 1–7 November reads midnight to midnight, not 23:00 UTC."""
    await login(client, acme, "manager")
    r = await client.get("/admin/stats", query_string=PERIOD, headers={"Accept-Language": "en"})
    line = re.search(
        r'<p class="muted" id="stats-period">([^<]*)</p>', await r.get_data(as_text=True)
    )
    assert line is not None
    assert "from Nov 1, 2026, 00:00 to Nov 8, 2026, 00:00" in line[1]
    assert "(Europe/Madrid)" in line[1] and "UTC" not in line[1]

    r = await client.get(
        "/admin/survey/results", query_string=PERIOD, headers={"Accept-Language": "es"}
    )
    assert r.status_code == 200
    page = await r.get_data(as_text=True)
    assert "Del 1 nov 2026, 0:00 al 8 nov 2026, 0:00, hora del negocio (Europe/Madrid)." in page


def _field(page: str, name: str) -> str:
    found = re.search(rf'<input id="[a-z]+-{name}" name="{name}" type="date" value="([^"]*)"', page)
    assert found is not None, name
    return found[1]


async def test_survey_results_read_the_same_last_30_days_as_the_statistics(
    client: Any, acme: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without dates, /admin/survey/results, its API and /admin/stats read one period: the
    last 30 of the business's days up to today, midnight to midnight in Madrid, and the
    survey page shows those dates in its fields, as the statistics do."""
    moment = datetime.now(UTC).replace(hour=3, minute=35, second=0, microsecond=0)
    monkeypatch.setattr(clock, "now", lambda: moment)  # 04:35 in Madrid, the same day
    today = moment.astimezone(ZoneInfo("Europe/Madrid")).date()
    first = (today - timedelta(days=29)).isoformat()
    await login(client, acme, "manager")
    stats_page = await (await client.get("/admin/stats?lang=es")).get_data(as_text=True)
    survey_page = await (await client.get("/admin/survey/results?lang=es")).get_data(as_text=True)
    assert (_field(stats_page, "from"), _field(stats_page, "to")) == (first, today.isoformat())
    assert (_field(survey_page, "from"), _field(survey_page, "to")) == (
        first,
        today.isoformat(),
    )
    r = await client.get("/api/v1/survey/results", headers=acme.auth("manager"))
    result = await r.get_json()
    madrid = ZoneInfo("Europe/Madrid")
    assert parse_iso(result["from"]) == datetime.combine(today - timedelta(days=29), time(), madrid)
    assert parse_iso(result["to"]) == datetime.combine(today + timedelta(days=1), time(), madrid)
    # the explicit period of the API still works, dates or date-times
    r = await client.get(
        "/api/v1/survey/results",
        query_string={"from": "2026-11-01T08:00:00+01:00", "to": "2026-11-07"},
        headers=acme.auth("manager"),
    )
    assert (await r.get_json())["from"] == "2026-11-01T07:00:00.000+00:00"


async def test_the_spanish_dashboard_writes_decimals_and_compared_dates_in_spanish(
    client: Any, acme: Seeded
) -> None:
    await login(client, acme, "manager")
    r = await patch(client, acme, {"targets": {"complaints_per_1000_scans": 117.6}})
    assert r.status_code == 200, await r.get_data(as_text=True)
    r = await client.get("/admin/stats", query_string=PERIOD, headers={"Accept-Language": "es"})
    page = await r.get_data(as_text=True)
    row = re.search(r'<tr data-target="complaints_per_1000_scans">(.*?)</tr>', page, re.S)
    assert row is not None and "117,6" in row[1] and "117.6" not in row[1]
    # 1–7 November against the 7 days before, as the period's line writes its dates
    heading = re.search(r'<h2 id="compare-heading">([^<]*)</h2>', page)
    assert heading is not None and heading[1] == "Comparado con 25 oct 2026 – 31 oct 2026"
