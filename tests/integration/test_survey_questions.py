"""A business's own survey questions (API and page), the standalone survey behind a QR code
and a kiosk (plain form posts), the results per question and per point."""

from __future__ import annotations

import html
import re
from typing import Any

from hub.app import Hub
from hub.surveys.service import responses_between
from tests.helpers import Seeded
from tests.integration.test_exports import export
from tests.integration.test_surveys import rate, resolve
from tests.kit import login, new_sos

ESPANOL_BEFORE = "«Desde» tiene que ir antes de «Hasta»."
QUESTIONS = {
    "active": True,
    "questions": [
        {
            "id": "clean",
            "kind": "rating4",
            "text": {"es": "¿Estaba limpio?", "fr": "C'était propre ?"},
            "required": True,
        },
        {"id": "staff", "kind": "nps", "text": {"es": "¿Y el personal?"}},
        {"id": "idea", "kind": "text", "text": {"es": "¿Una idea?", "en": "An idea?"}},
    ],
}


async def put_survey(client: Any, who: Seeded, body: Any) -> Any:
    return await client.put("/api/v1/survey", json=body, headers=who.auth("manager"))


async def error_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, await response.get_data(as_text=True)
    error: dict[str, Any] = (await response.get_json())["error"]
    return error


async def test_a_manager_saves_questions_and_bad_ones_are_refused_naming_the_field(
    client: Any, acme: Seeded
) -> None:
    r = await client.get("/api/v1/survey", headers=acme.auth("manager"))
    assert r.status_code == 200
    assert (await r.get_json())["questions"] == [] and (await r.get_json())["invite_days"] == 14
    assert (await client.get("/api/v1/survey", headers=acme.auth("agent"))).status_code == 403

    r = await put_survey(client, acme, QUESTIONS)
    assert r.status_code == 200, await r.get_data(as_text=True)
    saved = await (await client.get("/api/v1/survey", headers=acme.auth("manager"))).get_json()
    assert [q["id"] for q in saved["questions"]] == ["clean", "staff", "idea"]
    assert saved["questions"][0]["text"]["fr"] == "C'était propre ?"

    no_text = {"questions": [{"kind": "text", "text": {"en": "Only English"}}]}
    assert (
        "questions[0].text.es"
        in (await error_of(await put_survey(client, acme, no_text)))["message"]
    )
    blank = {"questions": [{"kind": "text", "text": {"es": "   "}}]}
    assert (await error_of(await put_survey(client, acme, blank)))["message"].startswith(
        "questions[0].text.es"
    )
    unknown = {"questions": [{"kind": "stars", "text": {"es": "¿Qué tal?"}}]}
    assert (await error_of(await put_survey(client, acme, unknown)))["message"].startswith(
        "questions[0].kind"
    )
    many = {"questions": [{"kind": "text", "text": {"es": f"P{i}"}} for i in range(11)]}
    assert (await error_of(await put_survey(client, acme, many)))["message"].startswith("questions")
    long = {"questions": [{"kind": "text", "text": {"es": "x" * 201}}]}
    assert (await error_of(await put_survey(client, acme, long)))["message"].startswith(
        "questions[0].text.es"
    )
    days = {"invite_days": 0}
    assert (await error_of(await put_survey(client, acme, days)))["message"].startswith(
        "invite_days"
    )
    # nothing of the refused bodies was saved
    again = await (await client.get("/api/v1/survey", headers=acme.auth("manager"))).get_json()
    assert [q["id"] for q in again["questions"]] == ["clean", "staff", "idea"]
    spec = await (await client.get("/openapi.json")).get_json()
    assert "put" in spec["paths"]["/api/v1/survey"]


async def test_the_admin_page_saves_by_plain_form_and_says_what_is_wrong_in_its_language(
    client: Any, acme: Seeded
) -> None:
    await login(client, acme, "manager")
    page = await (await client.get("/admin/survey?lang=es")).get_data(as_text=True)
    assert 'href="/admin/survey"' in page and "Tus preguntas" in page
    form = {
        "active": "on",
        "invite": "on",
        "invite_days": "7",
        "questions[0].kind": "rating4",
        "questions[0].text.es": "",
        "questions[0].text.en": "Was it clean?",
    }
    r = await client.post("/admin/survey?lang=es", form=form)
    assert r.status_code == 400
    page = await r.get_data(as_text=True)
    assert "Escribe la pregunta en el idioma principal" in page
    assert 'aria-invalid="true" aria-describedby="q0-es-error"' in page
    form["questions[0].text.es"] = "¿Estaba limpio?"
    r = await client.post("/admin/survey?lang=es", form=form)
    assert r.status_code == 303
    saved = await (await client.get("/api/v1/survey", headers=acme.auth("manager"))).get_json()
    assert saved["active"] and saved["invite_days"] == 7
    assert saved["questions"][0]["text"] == {"es": "¿Estaba limpio?", "en": "Was it clean?"}


async def test_the_admin_form_sent_from_another_site_changes_nothing(
    client: Any, acme: Seeded
) -> None:
    """A sibling subdomain is the same site, so SameSite cookies go with its forms: the
    page's form must come from the hub's own pages."""
    await login(client, acme, "manager")
    form = {
        "active": "on",
        "invite_days": "7",
        "questions[0].kind": "text",
        "questions[0].text.es": "Escriba su número de tarjeta y el CVV",
    }
    # a browser says where the form came from (Fetch Metadata); an older one, by its Origin
    for sent in (
        {"Sec-Fetch-Site": "same-site", "Origin": "https://evil.hub.test"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "null"},
        {"Origin": "https://attacker.example"},
        {"Origin": "http://evil.hub.test"},
    ):
        r = await client.post("/admin/survey", form=form, headers=sent)
        assert r.status_code == 403, sent
        assert "another site" in await r.get_data(as_text=True)
    saved = await (await client.get("/api/v1/survey", headers=acme.auth("manager"))).get_json()
    assert saved["questions"] == []
    # from its own page it saves (a browser saying same-origin is believed, whatever its Origin)
    for own in ({"Sec-Fetch-Site": "same-origin", "Origin": "null"}, {"Origin": "http://hub.test"}):
        r = await client.post("/admin/survey", form=form, headers=own)
        assert r.status_code == 303, own
    saved = await (await client.get("/api/v1/survey", headers=acme.auth("manager"))).get_json()
    assert saved["questions"][0]["text"]["es"] == "Escriba su número de tarjeta y el CVV"


async def test_the_qr_survey_works_as_a_plain_form_and_keeps_nothing_about_the_person(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    await put_survey(client, acme, QUESTIONS)
    code = acme.point["code"]
    qr_page = await (await client.get(f"/q/{code}?lang=fr")).get_data(as_text=True)
    assert f'href="/s/{code}"' in qr_page
    page = await (await client.get(f"/s/{code}?lang=fr")).get_data(as_text=True)
    assert "Évaluez votre visite" in page and "C&#39;était propre ?" in page
    assert 'name="q.idea"' in page
    # the required question left out: 400, the answers kept, the error in French next to it
    r = await client.post(f"/s/{code}", form={"rating": "good", "q.idea": "Plus de <b>chaises</b>"})
    assert r.status_code == 400
    page = await r.get_data(as_text=True)
    assert "Veuillez répondre à cette question." in page
    assert "Plus de &lt;b&gt;chaises&lt;/b&gt;" in page
    r = await client.post(
        f"/s/{code}",
        form={
            "rating": "good",
            "nps": "9",
            "q.clean": "fair",
            "q.staff": "7",
            "q.idea": "Plus de <b>chaises</b>",
        },
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    assert r.status_code == 303 and r.headers["Location"] == f"/s/{code}/thanks"
    thanks = await (await client.get(r.headers["Location"])).get_data(as_text=True)
    assert "Merci pour votre avis." in thanks
    [stored] = await responses_between(hub.store, acme.tenant["id"], "2000-01-01", "2100-01-01")
    assert stored["source"] == "qr" and stored["point"] == code and stored["language"] == "fr"
    assert stored["answers"] == {"clean": "fair", "staff": 7, "idea": "Plus de <b>chaises</b>"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", stored["day"])
    raw = await hub.store.get(acme.tenant["id"], "survey_responses", stored["id"])
    assert raw is not None
    assert not {"ip", "device_id", "origin", "contact", "user_agent"} & set(raw)
    assert "203.0.113.9" not in str(raw)


async def test_a_kiosk_answer_is_counted_as_the_kiosks(hub: Hub, client: Any, acme: Seeded) -> None:
    r = await client.post(
        "/api/v1/kiosks",
        json={"name": "Hall", "point": acme.point["code"]},
        headers=acme.auth("manager"),
    )
    kiosk = await r.get_json()
    code = acme.point["code"]
    page = await (await client.get(f"/s/{code}?via=kiosk")).get_data(as_text=True)
    assert 'name="device_token"' in page and 'href="/kiosk"' in page
    r = await client.post(
        f"/s/{code}?via=kiosk", form={"rating": "very_good", "device_token": kiosk["device_token"]}
    )
    assert r.status_code == 303 and r.headers["Location"] == f"/s/{code}/thanks?via=kiosk"
    thanks = await (await client.get(r.headers["Location"])).get_data(as_text=True)
    assert 'http-equiv="refresh"' in thanks
    [stored] = await responses_between(hub.store, acme.tenant["id"], "2000-01-01", "2100-01-01")
    assert stored["source"] == "kiosk" and stored["kiosk_id"] == kiosk["id"]
    kiosk_page = await (await client.get("/kiosk")).get_data(as_text=True)
    assert 'id="kiosk-survey"' in kiosk_page


async def test_the_thread_survey_shows_the_business_questions_and_results_add_up(
    client: Any, acme: Seeded
) -> None:
    await put_survey(client, acme, QUESTIONS)
    sent = await new_sos(client, acme, "La mesa cojea", anonymous=True)
    await resolve(client, acme, sent["id"])
    page = await (await client.get(f"/t/{sent['token']}?lang=es")).get_data(as_text=True)
    assert "¿Estaba limpio?" in page and 'name="q.clean"' in page
    r = await client.post(f"/t/{sent['token']}/survey", form={"rating": "bad", "nps": "3"})
    assert r.status_code == 400  # the required question
    r = await client.post(
        f"/t/{sent['token']}/survey",
        form={"rating": "bad", "nps": "3", "q.clean": "bad", "q.idea": "<script>x</script>"},
    )
    assert r.status_code == 303
    r = await client.post(
        f"/s/{acme.point['code']}", form={"rating": "good", "q.clean": "good", "nps": "10"}
    )
    assert r.status_code == 303
    r = await client.get("/api/v1/survey/results", headers=acme.auth("manager"))
    result = await r.get_json()
    assert result["count"] == 2 and result["by_source"] == {"thread": 1, "qr": 1}
    assert result["overall"]["ratings"] == {"very_good": 0, "good": 1, "fair": 0, "bad": 1}
    assert result["overall"]["nps"]["score"] == 0
    by_id = {q["id"]: q for q in result["questions"]}
    assert by_id["clean"]["ratings"]["bad"] == 1 and by_id["clean"]["ratings"]["good"] == 1
    assert by_id["idea"]["texts"][0]["text"] == "<script>x</script>"
    assert result["points"][0]["point"] == acme.point["code"] and result["points"][0]["count"] == 2
    await login(client, acme, "manager")
    page = await (await client.get("/admin/survey/results?lang=es")).get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    assert html.escape("¿Estaba limpio?") in page or "¿Estaba limpio?" in page
    bad = await client.get("/admin/survey/results?lang=es&from=2026-12-10&to=2026-12-01")
    assert bad.status_code == 400
    assert ESPANOL_BEFORE in await bad.get_data(as_text=True)
    other = await client.post(
        "/api/v1/points",
        json={"code": "acme-door", "label": "Door", "department": "bar"},
        headers=acme.auth("manager"),
    )
    assert other.status_code == 201, await other.get_data(as_text=True)
    r = await client.get("/api/v1/survey/results?point=acme-door", headers=acme.auth("manager"))
    assert (await r.get_json())["count"] == 0
    r = await client.get(
        f"/api/v1/survey/results?point={acme.point['code']}", headers=acme.auth("manager")
    )
    assert (await r.get_json())["count"] == 2
    r = await client.get("/api/v1/survey/results?point=nope", headers=acme.auth("manager"))
    assert (await error_of(r))["message"].startswith("point")
    r = await client.get(
        "/api/v1/survey/results?from=2026-12-10&to=2026-12-01", headers=acme.auth("manager")
    )
    assert (await error_of(r))["message"].startswith("from")


async def test_answers_given_without_an_sos_are_rows_of_the_surveys_export(
    client: Any, acme: Seeded
) -> None:
    """A manager's surveys.csv holds the QR survey's answers too: the rating row, then one
    row per own question, named in the business's language, formulas neutralised."""
    await put_survey(client, acme, QUESTIONS)
    code = acme.point["code"]
    r = await client.post(
        f"/s/{code}",
        form={"rating": "good", "nps": "9", "q.clean": "fair", "q.idea": "=HYPERLINK(1)"},
    )
    assert r.status_code == 303
    rows = await export(client, acme, "surveys", point=code)
    mine = [row for row in rows if row["source"] == "qr"]
    assert [(row["question"], row["rating"], row["nps"], row["comment"]) for row in mine] == [
        ("", "good", "9", ""),
        ("¿Estaba limpio?", "fair", "", ""),
        ("¿Una idea?", "", "", "'=HYPERLINK(1)"),
    ]
    assert all(row["point"] == code for row in mine)
    # a filter only tickets carry (a category) leaves the standalone answers out
    assert [
        r for r in await export(client, acme, "surveys", category="praise") if r["source"] == "qr"
    ] == []


async def test_every_answer_the_results_count_is_a_row_of_the_surveys_export(
    client: Any, acme: Seeded
) -> None:
    """Answers to the business's own questions given on the customer's thread (the JSON
    API, as the thread page sends them) are rows of surveys.csv, read as a spreadsheet
    reads it: per question, the file holds what /api/v1/survey/results counts."""
    await put_survey(client, acme, QUESTIONS)
    for q_clean, idea in (("very_good", "Más toallas"), ("fair", None)):
        sent = await new_sos(client, acme, "La ducha gotea", anonymous=True)
        await resolve(client, acme, sent["id"])
        answers: dict[str, Any] = {"clean": q_clean, "staff": 9}
        if idea:
            answers["idea"] = idea
        r = await rate(client, sent["token"], rating="very_good", nps=10, answers=answers)
        assert r.status_code == 201, await r.get_data(as_text=True)
    r = await client.post(f"/s/{acme.point['code']}", form={"rating": "good", "q.clean": "bad"})
    assert r.status_code == 303
    results = await (
        await client.get("/api/v1/survey/results", headers=acme.auth("manager"))
    ).get_json()
    by_id = {q["id"]: q for q in results["questions"]}
    assert by_id["clean"]["ratings"] == {"very_good": 1, "good": 0, "fair": 1, "bad": 1}
    rows = await export(client, acme, "surveys")
    named = {"clean": "¿Estaba limpio?", "staff": "¿Y el personal?", "idea": "¿Una idea?"}
    for qid, result in by_id.items():
        mine = [row for row in rows if row["question"] == named[qid]]
        assert len(mine) == result["answers"], (qid, mine)
    clean = [row for row in rows if row["question"] == named["clean"]]
    assert sorted((row["source"], row["rating"]) for row in clean) == [
        ("qr", "bad"),
        ("thread", "fair"),
        ("thread", "very_good"),
    ]
    # each ticket's rows: the built-in rating first, then its own questions
    thread = [row for row in rows if row["source"] == "thread"]
    numbers = {row["ticket_number"] for row in thread}
    assert len(numbers) == 2 and all(row["ticket_number"] for row in thread)
    firsts = [next(row for row in thread if row["ticket_number"] == n) for n in numbers]
    assert [(row["question"], row["rating"]) for row in firsts] == [("", "very_good")] * 2
    assert [row["nps"] for row in thread if row["question"] == named["staff"]] == ["9", "9"]
    assert [row["comment"] for row in thread if row["question"] == named["idea"]] == ["Más toallas"]


async def test_the_survey_pages_name_the_answer_as_a_noun_not_the_verb(
    client: Any, acme: Seeded
) -> None:
    """ "Answer" is also the reply etiquette's step (a verb: "Responder"); the results
    table's first column and the editor's answer type are the noun, in every staff language."""
    await put_survey(client, acme, QUESTIONS)
    await login(client, acme, "manager")
    nouns = {
        "es": ("Respuesta", "Tipo de respuesta"),
        "gl": ("Resposta", "Tipo de resposta"),
        "ca": ("Resposta", "Tipus de resposta"),
        "en": ("Response", "Kind of answer"),
    }
    for lang, (header, kind) in nouns.items():
        results = await (await client.get(f"/admin/survey/results?lang={lang}")).get_data(
            as_text=True
        )
        heads = re.findall(
            r'<table class="data-table survey-levels">.*?<th scope="col">([^<]*)<', results, re.S
        )
        assert heads and set(heads) == {header}, (lang, heads)
        editor = await (await client.get(f"/admin/survey?lang={lang}")).get_data(as_text=True)
        labels = re.findall(r'<label for="q\d+-kind">([^<]*)</label>', editor)
        assert labels and set(labels) == {kind}, (lang, labels)
