"""GET /api/v1/stats/words: what customers say, counted per ticket, each linked to them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from hub.app import Hub
from hub.exports.words import stop_words_for, ticket_terms
from tests.helpers import Seeded
from tests.kit import new_sos

PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}
TEXTS = (
    "Agua fría en la ducha. Habitación 204",
    "Agua fría otra vez en la ducha, por favor",
    "The shower water is cold, and the towels are missing",
    "Hijo de puta",  # held back: never read
)


async def _words(client: Any, who: Seeded, **params: Any) -> Any:
    r = await client.get("/api/v1/stats/words", query_string=params, headers=who.auth("manager"))
    assert r.status_code == 200, await r.get_data(as_text=True)
    return await r.get_json()


async def _sent(client: Any, hub: Hub, who: Seeded, texts: tuple[str, ...]) -> list[str]:
    ids = []
    for n, text in enumerate(texts):
        ticket_id = (await new_sos(client, who, text))["id"]
        await hub.store.update(
            who.tenant["id"],
            "tickets",
            ticket_id,
            {"created_at": f"2026-11-0{n + 2}T10:00:00.000+00:00"},
        )
        ids.append(ticket_id)
    return ids


async def test_top_words_and_phrases_without_stop_words(
    client: Any, hub: Hub, acme: Seeded, globex: Seeded
) -> None:
    await _sent(client, hub, acme, TEXTS)
    await _sent(client, hub, globex, ("Agua agua agua caliente",))
    body = await _words(client, acme, **PERIOD)
    words = {w["text"]: w["count"] for w in body["words"]}
    assert words["agua"] == 2 and words["fría"] == 2 and words["ducha"] == 2  # once per ticket
    assert words["water"] == 1 and "caliente" not in words  # globex's word stays globex's
    for stop in ("el", "de", "la", "the", "and", "por", "is", "puta"):
        assert stop not in words
    assert {"text": "agua fría", "count": 2} in [
        {k: p[k] for k in ("text", "count")} for p in body["phrases"]
    ]
    assert body["tickets"] == 3 and body["sampled"] is False
    first = body["words"][0]
    link = urlsplit(first["console_url"])
    assert link.path == "/console" and parse_qs(link.query)["q"] == [first["text"]]
    link = urlsplit(first["url"])
    assert link.path == "/admin/stats/said" and parse_qs(link.query)["q"] == [first["text"]]
    assert parse_qs(link.query)["from"] == [body["from"]]


async def test_the_console_link_finds_the_tickets_behind_a_word(
    client: Any, hub: Hub, acme: Seeded
) -> None:
    await _sent(client, hub, acme, TEXTS)
    body = await _words(client, acme, **PERIOD, limit=50)
    ducha = next(w for w in body["words"] if w["text"] == "ducha")
    q = parse_qs(urlsplit(ducha["console_url"]).query)["q"][0]
    r = await client.get("/api/v1/tickets", query_string={"q": q}, headers=acme.auth("manager"))
    assert len((await r.get_json())["items"]) == ducha["count"]


async def test_filters_and_bad_limits(client: Any, hub: Hub, acme: Seeded) -> None:
    await _sent(client, hub, acme, TEXTS)
    assert (await _words(client, acme, **PERIOD, point="nowhere"))["words"] == []
    assert len((await _words(client, acme, **PERIOD, limit=1))["words"]) == 1
    for params, field in (({"limit": 0}, "limit"), ({"category": "x"}, "category")):
        r = await client.get(
            "/api/v1/stats/words", query_string=params, headers=acme.auth("manager")
        )
        assert r.status_code == 400
        assert field in (await r.get_json())["error"]["message"]


def test_phrases_stay_inside_a_sentence() -> None:
    stops = stop_words_for(["gl", "ca"])
    words, phrases = ticket_terms("Toallas sucias. Ducha rota; toallas sucias", stops)
    assert phrases == {"toallas sucias", "ducha rota"}
    assert words == {"toallas", "sucias", "ducha", "rota"}
    assert "sucias ducha" not in phrases
    assert {"moi", "unha"} <= stops  # Galician from the hub's own list


async def test_only_the_latest_tickets_are_read_and_the_answer_says_so(
    client: Any, hub: Hub, acme: Seeded
) -> None:
    from hub.clock import parse_iso
    from hub.exports.filters import TicketFilter
    from hub.exports.words import top_words
    from hub.tickets.stats import Period

    await _sent(client, hub, acme, ("Dirty towels", "Broken lamp", "Dim lamp"))
    period = Period(parse_iso("2026-11-01T00:00:00+00:00"), parse_iso("2026-12-01T00:00:00+00:00"))
    body = await top_words(hub.store, acme.tenant, period, TicketFilter(), sample=2)
    assert body["sampled"] is True and body["tickets"] == 2
    assert {w["text"]: w["count"] for w in body["words"]} == {"lamp": 2, "broken": 1, "dim": 1}


async def test_the_page_behind_a_word_lists_exactly_the_tickets_counted(
    client: Any, hub: Hub, acme: Seeded, globex: Seeded
) -> None:
    await _sent(client, hub, acme, (*TEXTS, "Ducha rota fuera de noviembre"))
    late = (await new_sos(client, acme, "Ducha de diciembre"))["id"]
    await hub.store.update(
        acme.tenant["id"], "tickets", late, {"created_at": "2026-12-02T10:00:00.000+00:00"}
    )
    await _sent(client, hub, globex, ("Ducha de globex",))
    body = await _words(client, acme, **PERIOD, limit=50)
    ducha = next(w for w in body["words"] if w["text"] == "ducha")
    r = await client.get(ducha["url"], headers=acme.auth("manager"))
    assert r.status_code == 200
    page = (await r.get_data()).decode()
    listed = page.split('id="said-list"')[1].split("</ol>")[0]
    assert listed.count("<li>") == ducha["count"] == 3
    # the SOS listed (the page also carries the month names its dates are written with)
    assert "globex" not in page.lower() and "diciembre" not in listed
    r = await client.get(ducha["url"] + "&lang=es", headers=acme.auth("manager"))
    assert "SOS que dicen «ducha»" in (await r.get_data()).decode()
    r = await client.get(
        "/admin/stats/said?q=ducha&from=2026-12-01&to=2026-11-01", headers=acme.auth("manager")
    )
    assert r.status_code == 400
    assert (await client.get(ducha["url"], headers=acme.auth("agent"))).status_code == 403
