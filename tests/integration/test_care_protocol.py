"""The care protocol at the front desk (issue 12), on one real `sos-hub serve`.

Managers write canned answers, agents read them; the ones that fit a ticket come in its
language first, then by category (the ticket's, its group's, any), with the placeholders
filled for that ticket and the agent asking. A reply records the etiquette steps it covered
and the ticket keeps their union; managers read the share per agent. The customer sees who
answered, by name, in the thread JSON and live on /thread.

Insults: staff warn the sender of a held-back SOS without releasing it (their thread, and
e-mail or SMS through the replies' outbox) while no console ever sees the ticket; a sender
held back for insults three times within 30 days is blocked by their own identifiers (never
the network address a whole hotel shares) and the managers are told.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub import clock
from hub.app import Hub
from hub.notify.render import Renderer
from hub.tickets.etiquette import detect, lexicon
from tests.helpers import Seeded
from tests.integration.realtime_clients import HTTP_TIMEOUT, Console
from tests.kit import Serve, Served, fresh_device, http_sos, login, new_sos

SERVED = Serve(slugs=("acme", "globex", "initech"))
ROOT = Path(__file__).resolve().parents[2]
ANSWERS = "/api/v1/answers"


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as client:
        yield client


async def make(http: httpx.AsyncClient, served: Served, slug: str = "acme", **fields: Any) -> Any:
    body = {"title": "An answer", "category": None, "language": "es", "text": "Hola", **fields}
    r = await http.post(ANSWERS, json=body, headers=served.tenants[slug].auth("manager"))
    assert r.status_code == 201, r.text
    return r.json()


def error_of(r: httpx.Response) -> str:
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"], body
    return str(body["error"]["message"])


async def test_a_manager_writes_canned_answers_and_agents_read_them(
    served: Served, http: httpx.AsyncClient
) -> None:
    manager, agent = served.acme.auth("manager"), served.acme.auth("agent")
    answer = await make(
        http,
        served,
        title="  Hoja de   reclamaciones ",
        category="claim_new",
        text="Hola {customer_name}: pide la hoja de reclamaciones en recepción.",
    )
    assert set(answer) == {"id", "title", "category", "language", "text"}
    assert answer["title"] == "Hoja de reclamaciones" and answer["category"] == "claim_new"
    r = await http.get(ANSWERS, headers=agent)
    assert r.status_code == 200 and answer in r.json()["items"]

    changed = {**answer, "title": "Reclamación formal", "category": "claim", "language": "en"}
    r = await http.put(f"{ANSWERS}/{answer['id']}", json=changed, headers=manager)
    assert r.status_code == 200, r.text
    assert r.json() == changed
    r = await http.put(f"{ANSWERS}/{answer['id']}", json=changed, headers=agent)
    assert r.status_code == 403 and "manager" in error_of(r)
    r = await http.delete(f"{ANSWERS}/{answer['id']}", headers=agent)
    assert r.status_code == 403
    r = await http.post(ANSWERS, json=changed, headers=agent)
    assert r.status_code == 403

    assert (await http.delete(f"{ANSWERS}/{answer['id']}", headers=manager)).status_code == 204
    r = await http.get(ANSWERS, headers=agent)
    assert answer["id"] not in [a["id"] for a in r.json()["items"]]
    r = await http.delete(f"{ANSWERS}/{answer['id']}", headers=manager)
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"text": "Hola {nombre_cliente}, gracias"}, "text", "{nombre_cliente}"),
        ({"text": "Dear {customer_name}, {Agent_Name} here"}, "text", "{Agent_Name}"),
        ({"text": "x" * 2001}, "text", "2000"),
        ({"text": "   "}, "text", "empty"),
        ({"language": "xx"}, "language", "xx"),
        ({"language": ""}, "language", "es"),
        ({"title": ""}, "title", "required"),
        ({"title": "t" * 121}, "title", "120"),
        ({"category": "insult"}, "category", "claim_new"),
    ],
)
async def test_a_bad_answer_is_refused_naming_the_field_and_nothing_is_stored(
    served: Served, http: httpx.AsyncClient, fields: dict[str, Any], field: str, words: str
) -> None:
    manager = served.acme.auth("manager")
    before = (await http.get(ANSWERS, headers=manager)).json()["items"]
    body = {"title": "Bad", "category": None, "language": "es", "text": "Hola", **fields}
    r = await http.post(ANSWERS, json=body, headers=manager)
    assert r.status_code == 400, r.text
    message = error_of(r)
    assert message.startswith(f"{field}: ") and words in message, message
    good = await make(http, served, title="Good one")
    r = await http.put(f"{ANSWERS}/{good['id']}", json=body, headers=manager)
    assert r.status_code == 400 and error_of(r) == message
    after = (await http.get(ANSWERS, headers=manager)).json()["items"]
    assert sorted(a["id"] for a in after) == sorted([a["id"] for a in before] + [good["id"]])
    assert next(a for a in after if a["id"] == good["id"]) == good  # the PUT changed nothing
    await http.delete(f"{ANSWERS}/{good['id']}", headers=manager)


async def test_another_businesss_answer_is_not_found_and_never_listed(
    served: Served, http: httpx.AsyncClient
) -> None:
    theirs = await make(http, served, "globex", title="Globex only")
    acme = served.acme.auth("manager")
    body = {"title": "Mine now", "category": None, "language": "es", "text": "Hola"}
    r = await http.put(f"{ANSWERS}/{theirs['id']}", json=body, headers=acme)
    assert r.status_code == 404 and "Globex" not in error_of(r)
    assert (await http.delete(f"{ANSWERS}/{theirs['id']}", headers=acme)).status_code == 404
    listed = (await http.get(ANSWERS, headers=served.acme.auth())).json()["items"]
    assert theirs["id"] not in [a["id"] for a in listed]
    globex = (await http.get(ANSWERS, headers=served.globex.auth())).json()["items"]
    assert theirs in globex  # untouched
    their_sos = await http_sos(http, served.globex, "Globex: a claim")
    r = await http.get(f"/api/v1/tickets/{their_sos['id']}/answers", headers=served.acme.auth())
    assert r.status_code == 404


async def test_the_answers_for_a_ticket_come_in_its_language_then_closest_category_filled(
    served: Served, http: httpx.AsyncClient
) -> None:
    # a business of its own, so no other test's answers mix in
    initech = served.tenants["initech"]
    agent = initech.auth("agent")
    text = "Hola {customer_name}, soy {agent_name} de {business}. #{number} en {place}."
    made = {
        name: await make(
            http, served, "initech", title=name, category=category, language=lang, text=text
        )
        for name, category, lang in (
            ("Claim EN", "claim_new", "en"),
            ("Reclamación", "claim", "es"),
            ("Hoja", "claim_new", "es"),
            ("Cierre", None, "es"),
            ("Elogio", "praise", "es"),
            ("Queja", "complaint_service", "es"),
        )
    }
    sos = await http_sos(
        http, initech, "Me cobraron de más", language="es", anonymous=False, contact={"name": "Eva"}
    )
    r = await http.patch(f"/api/v1/tickets/{sos['id']}", json={"category": "claim"}, headers=agent)
    assert r.status_code == 200, r.text

    r = await http.get(f"/api/v1/tickets/{sos['id']}/answers", headers=agent)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(a["title"], a["fit"]) for a in items] == [
        ("Reclamación", "category"),
        ("Hoja", "group"),
        ("Cierre", "any"),
        ("Claim EN", "group"),
    ]
    number = sos["number"]
    assert items[0]["text"] == (
        f"Hola Eva, soy Agent initech de Business initech. #{number} en Bar terrace."
    )
    assert items[0]["id"] == made["Reclamación"]["id"]
    # the manager asking sends it under their own name
    r = await http.get(f"/api/v1/tickets/{sos['id']}/answers", headers=initech.auth("manager"))
    assert "soy Manager initech de" in r.json()["items"][0]["text"]

    # as if it were a new claim: that category's answer first, then the group's
    r = await http.get(
        f"/api/v1/tickets/{sos['id']}/answers", params={"category": "claim_new"}, headers=agent
    )
    assert [a["title"] for a in r.json()["items"]] == ["Hoja", "Reclamación", "Cierre", "Claim EN"]
    r = await http.get(
        f"/api/v1/tickets/{sos['id']}/answers", params={"category": "rude"}, headers=agent
    )
    assert r.status_code == 400 and error_of(r).startswith("category: ")

    # an English ticket without a name: its language first, and a neutral word for the name
    anon = await http_sos(http, initech, "I was charged twice", language="en")
    r = await http.get(f"/api/v1/tickets/{anon['id']}/answers", headers=agent)
    items = r.json()["items"]
    assert items[0]["title"] == "Claim EN"  # uncategorised: every answer, its language first
    assert items[0]["text"].startswith("Hola customer, soy Agent initech")
    spanish = next(a for a in items if a["title"] == "Cierre")
    assert spanish["text"].startswith("Hola cliente,")


async def test_a_reply_keeps_the_steps_it_covered_and_managers_read_them_per_agent(
    served: Served, http: httpx.AsyncClient
) -> None:
    acme = served.acme
    sos = await http_sos(http, acme, "The music is too loud")
    base = f"/api/v1/tickets/{sos['id']}"
    # ticked in the console: what the agent's checklist showed, detected or by hand
    r = await http.post(
        f"{base}/replies",
        json={"text": "Hi, I'm Ana. On it.", "etiquette": ["greet", "introduce", "survey"]},
        headers=acme.auth("agent"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["etiquette"] == ["greet", "introduce", "survey"]
    # no checklist (an API client): detected from the text
    r = await http.post(
        f"{base}/replies",
        json={"text": "Sorry for the noise. We turned the music down. Did this solve it? Bye!"},
        headers=acme.auth("manager"),
    )
    assert r.json()["etiquette"] == ["acknowledge", "answer", "closing_check", "farewell"]
    r = await http.post(
        f"{base}/replies", json={"text": "Hi", "etiquette": ["wave"]}, headers=acme.auth()
    )
    assert r.status_code == 400 and error_of(r).startswith("etiquette")

    detail = (await http.get(base, headers=acme.auth())).json()
    assert detail["etiquette"] == [
        "greet",
        "introduce",
        "acknowledge",
        "answer",
        "closing_check",
        "farewell",
        "survey",
    ]
    assert [m["etiquette"] for m in detail["messages"]] == [
        ["greet", "introduce", "survey"],
        ["acknowledge", "answer", "closing_check", "farewell"],
    ]

    r = await http.get("/api/v1/stats/etiquette", headers=acme.auth("manager"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["steps"][0] == "greet" and report["from"] < report["to"]
    by_name = {a["name"]: a for a in report["agents"]}
    agent = by_name["Agent acme"]
    assert agent["id"] == acme.users["agent"]["id"]
    assert agent["steps"]["greet"] > 0 and agent["replies"] >= 1
    manager = by_name["Manager acme"]
    assert manager["replies"] == 1 and manager["steps"]["farewell"] == 1.0
    assert manager["steps"]["greet"] == 0.0
    r = await http.get("/api/v1/stats/etiquette", headers=acme.auth("agent"))
    assert r.status_code == 403
    r = await http.get(
        "/api/v1/stats/etiquette", params={"from": "2026-02-30"}, headers=acme.auth("manager")
    )
    assert r.status_code == 400 and error_of(r).startswith("from")
    r = await http.get(
        "/api/v1/stats/etiquette", params={"to": "2000-01-02"}, headers=acme.auth("manager")
    )
    assert r.json()["agents"] == []


async def test_the_customer_sees_the_agents_name_in_the_thread_json_and_live(
    served: Served, http: httpx.AsyncClient
) -> None:
    acme = served.acme
    sos = await http_sos(http, acme, "Is the pool open tonight?")
    thread = await Console(served.url, "/thread", auth={"thread_token": sos["token"]}).connect()
    try:
        r = await http.post(
            f"/api/v1/tickets/{sos['id']}/replies",
            json={"text": "Yes, until 22:00"},
            headers=acme.auth("agent"),
        )
        assert r.status_code == 201, r.text
        await thread.wait_for(lambda: bool(thread.events("ticket.message")), 10, "the reply")
        live = thread.events("ticket.message")[0]["message"]
        assert live["from"] == "staff" and live["author"] == {"name": "Agent acme"}
        assert live["text"] == "Yes, until 22:00"
        assert "author_name" not in live and "author_id" not in live and "etiquette" not in live
    finally:
        await thread.close()
    r = await http.post(f"/api/v1/thread/{sos['token']}/messages", json={"text": "Thanks!"})
    assert r.json()["from"] == "customer" and r.json()["author"] is None
    messages = (await http.get(f"/api/v1/thread/{sos['token']}")).json()["messages"]
    assert [(m["from"], m["author"], m["text"]) for m in messages] == [
        ("staff", {"name": "Agent acme"}, "Yes, until 22:00"),
        ("customer", None, "Thanks!"),
    ]
    page = (await http.get(f"/t/{sos['token']}")).text
    assert '<span class="author">Agent acme</span>' in page


SAMPLES = [
    "Hola Ana, soy Marcos, de recepción. Siento las molestias. Ya hemos bajado el volumen de "
    "la música. ¿Se ha solucionado? Un saludo, y valora nuestra atención en la encuesta.",
    "Hi Ana, I’m Emma from the bar. I'm sorry for the wait: a waiter is on his way to your "
    "table now. Did this solve it? Have a nice day!",
    "Gracias por su visita",
    "I'm glad to help",
    "Gracias, ya hemos bajado el volumen",
    "Hilo dental en recepción. ADIÓS",
    "Buenas noches\n\nle atiende Lucía; ¿algo más?",
    "",
]


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_consoles_checklist_ticks_exactly_what_the_server_detects() -> None:
    """static/js/console-etiquette.js on the lists the page gets, against hub/tickets/etiquette."""
    script = ROOT / "static" / "js" / "console-etiquette.js"
    program = (
        f"import {{ detector }} from {json.dumps(script.as_uri())};\n"
        "const [lexicon, samples] = JSON.parse(process.argv[1]);\n"
        "const detect = detector(lexicon);\n"
        "console.log(JSON.stringify(samples.map(detect)));\n"
    )
    out = subprocess.run(
        ["node", "--input-type=module", "-e", program, json.dumps([lexicon(), SAMPLES])],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert json.loads(out.stdout) == [detect(s) for s in SAMPLES]


# The pages, in-process: who may open them, and in the reader's language.


async def test_the_answers_page_is_for_managers_and_speaks_the_readers_language(
    client: Any, acme: Seeded
) -> None:
    await login(client, acme, "agent")
    assert (await client.get("/admin/answers")).status_code == 403
    console = (await (await client.get("/console?lang=es")).get_data()).decode()
    assert "Respuestas preparadas" in console and "Presentarte" in console
    found = re.search(r"data-etiquette='([^']*)'", console)
    assert found and json.loads(html.unescape(found.group(1))) == lexicon()  # the lists, as data
    await login(client, acme, "manager")
    spanish = (await (await client.get("/admin/answers?lang=es")).get_data()).decode()
    assert "<h1>Respuestas preparadas</h1>" in spanish and "/static/js/admin-answers.js" in spanish
    assert '<option value="claim_new">Reclamación nueva</option>' in spanish
    assert "{customer_name}" in spanish and "Cualquier categoría" in spanish
    english = (await (await client.get("/admin/answers?lang=en")).get_data()).decode()
    assert '<option value="claim_new">New claim</option>' in english
    assert "Respuestas preparadas" not in english


async def test_the_statistics_page_shows_each_agents_share_of_every_step(
    client: Any, acme: Seeded
) -> None:
    sent = await new_sos(client, acme, "Wifi down in room 12")
    r = await client.post(
        f"/api/v1/tickets/{sent['id']}/replies",
        json={"text": "Hola, soy Ana. Ya funciona. Un saludo.", "etiquette": ["greet", "farewell"]},
        headers=acme.auth("agent"),
    )
    assert r.status_code == 201
    await login(client, acme, "manager")
    page = (await (await client.get("/admin/stats?lang=es")).get_data()).decode()
    assert "Protocolo de respuesta por persona" in page
    row = page[page.index(f'data-agent="{acme.users["agent"]["id"]}"') :].split("</tr>")[0]
    assert "Agent acme" in row
    assert '<td data-step="greet">100 %</td>' in row and '<td data-step="survey">0 %</td>' in row


# Insults: warnings from the held-back view, and the third strike --------------------------


TROLL = {"name": "Troll", "email": "troll@example.com"}


async def held_ids(http: httpx.AsyncClient, seeded: Seeded) -> dict[str, str]:
    r = await http.get("/api/v1/tickets", params={"status": "quarantined"}, headers=seeded.auth())
    return {t["id"]: t["quarantine_reason"] for t in r.json()["items"]}


async def test_a_warning_reaches_the_senders_thread_while_their_sos_stays_held_back(
    served: Served, http: httpx.AsyncClient
) -> None:
    acme = served.acme
    sent = await http_sos(
        http, acme, "Sois unos gilipollas", device=fresh_device(), anonymous=False, contact=TROLL
    )
    assert (await held_ids(http, acme)).get(sent["id"]) == "offensive"
    thread = await Console(served.url, "/thread", auth={"thread_token": sent["token"]}).connect()
    try:
        warning = "Hola, soy Agent acme. Aquí no se permiten insultos."
        r = await http.post(
            f"/api/v1/tickets/{sent['id']}/warning", json={"text": warning}, headers=acme.auth()
        )
        assert r.status_code == 201, r.text
        assert r.json()["warning"] is True and r.json()["author"] == "staff"
        await thread.wait_for(lambda: bool(thread.events("ticket.message")), 10, "the warning")
        live = thread.events("ticket.message")[0]["message"]
        assert (live["from"], live["author"], live["text"]) == (
            "staff",
            {"name": "Agent acme"},
            warning,
        )
    finally:
        await thread.close()
    messages = (await http.get(f"/api/v1/thread/{sent['token']}")).json()["messages"]
    assert [(m["from"], m["text"]) for m in messages] == [("staff", warning)]

    # still held back: listed only as such, never on a console, nothing routed
    assert (await held_ids(http, acme)).get(sent["id"]) == "offensive"
    listed = (await http.get("/api/v1/tickets", headers=acme.auth())).json()["items"]
    assert sent["id"] not in [t["id"] for t in listed]
    detail = (await http.get(f"/api/v1/tickets/{sent['id']}", headers=acme.auth())).json()
    assert detail["status"] == "quarantined" and detail["first_response_at"] is None
    assert [m["warning"] for m in detail["messages"]] == [True]
    assert "warned" in [h["action"] for h in detail["history"]]
    events = (await http.get("/api/v1/events", headers=acme.auth())).json()["items"]
    assert sent["id"] not in str(events)
    # and by e-mail, through the replies' outbox (the sender left an address)
    r = await http.get(
        "/api/v1/deliveries", params={"ticket": sent["id"]}, headers=acme.auth("manager")
    )
    assert [(d["kind"], d["to"]) for d in r.json()["items"]] == [("reply", TROLL["email"])]

    # a ticket that is not held back gets an answer, not a warning
    ok = await http_sos(http, acme, "Where is the gym?")
    r = await http.post(
        f"/api/v1/tickets/{ok['id']}/warning", json={"text": "No insults"}, headers=acme.auth()
    )
    assert r.status_code == 409
    r = await http.post(
        f"/api/v1/tickets/{sent['id']}/warning", json={"text": "  "}, headers=acme.auth()
    )
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("text")


async def test_the_third_insult_blocks_the_senders_device_not_their_neighbours_on_the_network(
    served: Served, http: httpx.AsyncClient
) -> None:
    acme, boss = served.acme, served.acme.auth("manager")
    device = fresh_device()
    insults = ["Sois unos gilipollas", "Hijos de puta, arreglad la ducha ya", "Cabrones de mierda"]
    sent = []
    for text in insults:
        sent.append(await http_sos(http, acme, text, device=device))
        blocks = (await http.get("/api/v1/blocks", headers=boss)).json()["items"]
        mine = [b for b in blocks if b["ticket_id"] in {s["id"] for s in sent}]
        assert bool(mine) == (len(sent) == 3), (len(sent), mine)
    assert [b["kind"] for b in mine] == ["device"]  # anonymous: their own device, no address
    assert mine[0]["created_by"] == "SOS hub" and "insults" in mine[0]["note"]
    assert mine[0]["ticket_id"] == sent[2]["id"] and mine[0]["expires_at"]
    held = await held_ids(http, acme)
    assert [held.get(s["id"]) for s in sent] == ["offensive"] * 3

    fourth = await http_sos(http, acme, "La ducha no funciona", device=device)
    assert (await held_ids(http, acme))[fourth["id"]] == "blocked"
    # another guest on the same network (every request here comes from 127.0.0.1)
    neighbour = await http_sos(http, acme, "The lift is stuck", device=fresh_device())
    assert neighbour["id"] not in await held_ids(http, acme)
    assert neighbour["status"] == "new"

    # the managers are told, by e-mail through the outbox
    r = await http.get("/api/v1/deliveries", params={"ticket": sent[2]["id"]}, headers=boss)
    told = sorted((d["kind"], d["to"]) for d in r.json()["items"])
    assert told == [("auto_block", "admin@acme.example"), ("auto_block", "manager@acme.example")]
    detail = (await http.get(f"/api/v1/tickets/{sent[2]['id']}", headers=acme.auth())).json()
    assert [h["to"] for h in detail["history"] if h["action"] == "auto_blocked"] == ["device"]


# In-process: the window and thread messages, with the store at hand to age the strikes.


async def test_insults_older_than_30_days_do_not_count_and_held_thread_messages_do(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    device = fresh_device()
    tenant_id = acme.tenant["id"]
    old = clock.iso(clock.now() - timedelta(days=31))
    for text in ("Sois unos gilipollas", "Hijos de puta"):
        sent = await new_sos(client, acme, text, device=device)
        await hub.store.update(
            tenant_id, "tickets", sent["id"], {"insults": [old], "last_insult_at": old}
        )
    await new_sos(client, acme, "Cabrones de mierda", device=device)
    assert await hub.store.find(tenant_id, "blocks") == []  # one insult within 30 days

    clean = await new_sos(client, acme, "Where is the gym?", device=device)
    assert clean["status"] == "new"
    for text in ("gilipollas", "hijo de puta"):
        r = await client.post(f"/api/v1/thread/{clean['token']}/messages", json={"text": text})
        assert r.status_code == 201
    blocks = await hub.store.find(tenant_id, "blocks")
    assert [(b["kind"], b["value"], b["ticket_id"]) for b in blocks] == [
        ("device", device, clean["id"])
    ]


def test_the_managers_mail_says_what_happened_and_where_to_review_it_in_their_language() -> None:
    ticket = {
        "number": 7,
        "point": {"label": "Bar terrace"},
        "created_at": "2026-12-03T18:07:00+00:00",
    }
    tenant = {"name": "Hotel Mirador", "timezone": "Europe/Madrid"}
    links = {"held_url": "https://h.example/held-back", "blocks_url": "https://h.example/f"}
    english = Renderer().auto_block({"language": "en"}, ticket, tenant, **links)
    assert "#7" in english.subject and "insults" in english.subject
    assert "https://h.example/held-back" in english.text and "Bar terrace" in english.text
    assert "19:07" in english.text  # the business's local time
    assert english.html and "https://h.example/f" in english.html
    spanish = Renderer().auto_block({"language": "es"}, ticket, tenant, **links)
    assert "insultos" in spanish.subject and "n.º 7" in spanish.subject
    assert "Revisar los mensajes retenidos" in spanish.text
    assert "3 dic 2026, 19:07" in spanish.text  # the date in Spanish too
