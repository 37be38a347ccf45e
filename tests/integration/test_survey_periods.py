"""The surveys results page and the surveys CSV count the same thread answers for a period:
the ones answered in it (the business's local days), whenever their SOS came."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from hub.app import Hub
from hub.clock import iso, parse_iso
from tests.helpers import Seeded
from tests.integration.test_exports import export
from tests.integration.test_survey_questions import QUESTIONS, put_survey
from tests.integration.test_surveys import rate, resolve
from tests.kit import login, new_sos

CLEAN = "¿Estaba limpio?"


async def answered(
    client: Any, hub: Hub, acme: Seeded, *, created: str, answered_at: str, clean: str
) -> None:
    """An SOS resolved and rated on its thread (the built-in rating and the business's
    "clean" question), then dated: created at `created`, the survey answered at `answered_at`."""
    sent = await new_sos(client, acme, "La ducha gotea", anonymous=True)
    await resolve(client, acme, sent["id"])
    r = await rate(client, sent["token"], rating="good", nps=9, answers={"clean": clean})
    assert r.status_code == 201, await r.get_data(as_text=True)
    ticket = await hub.store.get(acme.tenant["id"], "tickets", sent["id"])
    assert ticket is not None
    survey = {**ticket["survey"], "answered_at": answered_at}
    await hub.store.update(
        acme.tenant["id"], "tickets", sent["id"], {"created_at": created, "survey": survey}
    )


def page_counts(page: str) -> tuple[int, dict[str, int]]:
    """What the results page shows: the conversations' answers, and the "clean" question's
    answers per level."""
    thread = re.search(r'data-source="thread">(\d+)<', page)
    assert thread, "the page shows the conversations' count"
    section = page.split('data-question="clean"', 1)[1].split("</section>", 1)[0]
    levels = dict(re.findall(r'data-level="(\w+)"><th[^>]*>[^<]*</th><td>(\d+)</td>', section))
    return int(thread.group(1)), {k: int(v) for k, v in levels.items() if int(v)}


def file_counts(rows: list[dict[str, str]]) -> tuple[int, dict[str, int]]:
    """The same figures from the CSV rows, as a spreadsheet's filter would give them."""
    thread = [row for row in rows if row["source"] == "thread"]
    ratings = [row for row in thread if row["question"] == ""]
    levels: dict[str, int] = {}
    for row in thread:
        if row["question"] == CLEAN:
            levels[row["rating"]] = levels.get(row["rating"], 0) + 1
    return len(ratings), levels


async def test_a_month_counts_the_answers_given_in_it_on_the_page_and_in_the_file(
    client: Any, hub: Hub, acme: Seeded
) -> None:
    """Madrid: answers half an hour into November 1st (still October 31st in UTC) and half
    an hour before its end belong to November, the one half an hour into December 1st does
    not, whatever day the SOS came: page and file agree on it."""
    await put_survey(client, acme, QUESTIONS)
    # an October SOS answered on November 1st at 00:30 in Madrid: November's
    await answered(
        client,
        hub,
        acme,
        created="2026-10-27T10:00:00.000+00:00",
        answered_at="2026-10-31T23:30:00.000+00:00",
        clean="very_good",
    )
    # a November SOS answered on November 30th at 23:30 in Madrid: November's
    await answered(
        client,
        hub,
        acme,
        created="2026-11-10T10:00:00.000+00:00",
        answered_at="2026-11-30T22:30:00.000+00:00",
        clean="fair",
    )
    # a November SOS answered on December 1st at 00:30 in Madrid: December's
    await answered(
        client,
        hub,
        acme,
        created="2026-11-27T10:00:00.000+00:00",
        answered_at="2026-11-30T23:30:00.000+00:00",
        clean="bad",
    )
    month = {"from": "2026-11-01", "to": "2026-11-30"}
    await login(client, acme, "manager")
    r = await client.get("/admin/survey/results", query_string=month)
    assert r.status_code == 200
    shown = page_counts(await r.get_data(as_text=True))
    assert shown == (2, {"very_good": 1, "fair": 1})
    assert file_counts(await export(client, acme, "surveys", **month)) == shown
    december = {"from": "2026-12-01", "to": "2026-12-31"}
    r = await client.get("/admin/survey/results", query_string=december)
    shown = page_counts(await r.get_data(as_text=True))
    assert shown == (1, {"bad": 1})
    assert file_counts(await export(client, acme, "surveys", **december)) == shown


async def test_without_dates_the_file_counts_what_the_page_shows(
    client: Any, hub: Hub, acme: Seeded
) -> None:
    """No dates: the page shows the last 30 of the business's days; the file holds the
    same answers: one a minute after the period's first midnight (its SOS days before),
    not the one a minute before it."""
    await put_survey(client, acme, QUESTIONS)
    results = await (
        await client.get("/api/v1/survey/results", headers=acme.auth("manager"))
    ).get_json()
    start = parse_iso(results["from"])
    for minutes, clean in ((-1, "bad"), (1, "good")):
        await answered(
            client,
            hub,
            acme,
            created=iso(start - timedelta(days=5)),
            answered_at=iso(start + timedelta(minutes=minutes)),
            clean=clean,
        )
    await login(client, acme, "manager")
    shown = page_counts(await (await client.get("/admin/survey/results")).get_data(as_text=True))
    assert shown == (1, {"good": 1})
    assert file_counts(await export(client, acme, "surveys")) == shown
