"""Surveys in Chromium: a French guest rates a visit from the QR page (with and without
JavaScript), a kiosk's guest from its button, a manager edits the questions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from hub.ports import Store
from hub.surveys.service import Surveys
from tests.e2e.conftest import LiveHub, log_in, staff_page
from tests.helpers import Seeded
from tests.kit import Serve

pytestmark = pytest.mark.browser

QUESTIONS = {
    "active": True,
    "questions": [
        {
            "id": "clean",
            "kind": "rating4",
            "text": {"es": "¿Estaba limpio?", "fr": "Était-ce propre ?"},
            "required": True,
        },
        {"id": "idea", "kind": "text", "text": {"es": "¿Una idea?", "fr": "Une idée ?"}},
    ],
}


async def _questions(store: Store, tenants: dict[str, Seeded]) -> None:
    await Surveys(store).save(tenants["mirador"].tenant, QUESTIONS, None)


SERVED = Serve(slugs=("mirador",), seed=_questions)


def _manager(live_hub: LiveHub) -> httpx.Client:
    return httpx.Client(base_url=live_hub.url, headers=live_hub.seeded.auth("manager"), timeout=10)


def _results(live_hub: LiveHub) -> dict[str, Any]:
    with _manager(live_hub) as api:
        r = api.get("/api/v1/survey/results")
        assert r.status_code == 200, r.text
        return dict(r.json())


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def french_phone(browser: Browser, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    context = browser.new_context(
        locale="fr-FR",
        viewport={"width": 390, "height": 844},
        java_script_enabled=request.param,
    )
    yield context
    context.close()


def test_a_french_guest_rates_a_visit_from_the_qr_page(
    live_hub: LiveHub, french_phone: BrowserContext
) -> None:
    before = _results(live_hub)["by_source"].get("qr", 0)
    page = french_phone.new_page()
    page.goto(f"{live_hub.url}/q/{live_hub.seeded.point['code']}")
    page.get_by_role("link", name="Tout va bien ? Évaluez votre visite").click()
    expect(page.get_by_role("heading", name="Évaluez votre visite")).to_be_visible()
    visit = page.get_by_role("group", name="Comment s'est passée votre visite ?")
    visit.get_by_label("Bien", exact=True).check()
    page.get_by_label("Une idée ?").fill("Plus de <b>parasols</b>")
    page.get_by_role("button", name="Envoyer mon avis").click()
    # the required question of the business: said in French, next to it, answers kept
    expect(page.get_by_text("Veuillez répondre à cette question.")).to_be_visible()
    expect(page.get_by_label("Une idée ?")).to_have_value("Plus de <b>parasols</b>")
    page.get_by_role("group", name="Était-ce propre ?").get_by_label("Moyen").check()
    page.locator(".nps-choice", has_text="9").first.click()
    page.get_by_role("button", name="Envoyer mon avis").click()
    expect(page.get_by_role("heading", name="Merci pour votre avis.")).to_be_visible()
    result = _results(live_hub)
    assert result["by_source"]["qr"] == before + 1
    clean = next(q for q in result["questions"] if q["id"] == "clean")
    assert clean["ratings"]["fair"] >= 1


def test_a_kiosk_guest_rates_a_visit_from_its_button(live_hub: LiveHub, browser: Browser) -> None:
    with _manager(live_hub) as api:
        r = api.post(
            "/api/v1/kiosks", json={"name": "Hall", "point": live_hub.seeded.point["code"]}
        )
        assert r.status_code == 201, r.text
        kiosk: dict[str, Any] = r.json()
    before = _results(live_hub)["by_source"].get("kiosk", 0)
    tablet = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 800})
    try:
        page = tablet.new_page()
        page.goto(kiosk["pair_url"])
        button = page.get_by_role("link", name="¿Todo bien? Valora tu visita")
        expect(button).to_be_visible()
        button.click()
        expect(page.get_by_role("heading", name="Valora tu visita")).to_be_visible()
        page.get_by_role("group", name="¿Qué tal tu visita?").get_by_label("Muy bien").check()
        page.get_by_role("group", name="¿Estaba limpio?").get_by_label("Muy bien").check()
        page.get_by_role("button", name="Enviar mi opinión").click()
        expect(page.get_by_role("heading", name="Gracias por tu opinión.")).to_be_visible()
        page.get_by_role("link", name="Volver").click()
        expect(page.get_by_role("link", name="¿Todo bien? Valora tu visita")).to_be_visible()
    finally:
        tablet.close()
    assert _results(live_hub)["by_source"]["kiosk"] == before + 1


def test_a_manager_edits_the_questions_and_is_told_what_is_missing(
    live_hub: LiveHub, browser: Browser
) -> None:
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        log_in(page, live_hub, "manager", "/login?next=/admin/survey")
        page.wait_for_url("**/admin/survey")
        page.goto(f"{live_hub.url}/admin/survey?lang=es")  # the page in Spanish from now on
        expect(page.get_by_role("heading", name="Encuesta", exact=True)).to_be_visible()
        third = page.locator(".question-row").nth(2)
        third.get_by_text("En otros idiomas").click()
        third.get_by_label("English").fill("Anything to add?")
        page.get_by_role("button", name="Guardar").click()
        error = page.get_by_text("Escribe la pregunta en el idioma principal del negocio.")
        expect(error).to_be_visible()
        page.locator(".question-row").nth(2).get_by_label("Pregunta (Español)").fill("¿Algo más?")
        page.get_by_role("button", name="Guardar").click()
        expect(page.get_by_role("status")).to_have_text("Guardado.")
        page.get_by_role("link", name="Ver las respuestas").click()
        expect(page.get_by_role("heading", name="Respuestas a la encuesta")).to_be_visible()
    finally:
        context.close()
    with _manager(live_hub) as api:
        texts = [q["text"] for q in api.get("/api/v1/survey").json()["questions"]]
    assert {"es": "¿Algo más?", "en": "Anything to add?"} in texts


@pytest.mark.parametrize("width", [390, 820, 1440])
def test_the_0_to_10_scale_is_one_row_or_two_balanced_ones(
    live_hub: LiveHub, browser: Browser, width: int
) -> None:
    """Never nine boxes and an orphaned "9 10": eleven in a row, else 0–5 over 6–10."""
    context = browser.new_context(locale="en-GB", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_hub.url}/s/{live_hub.seeded.point['code']}")
    tops = (
        page.locator("fieldset.nps")
        .first.locator(".nps-choice")
        .evaluate_all("els => els.map(e => Math.round(e.getBoundingClientRect().top))")
    )
    rows = [tops.count(top) for top in sorted(set(tops))]
    assert rows in ([11], [6, 5]), rows
    context.close()


# The most lines a text of a cell of the results' level tables takes (a word broken: two).
CELL_LINES = """() => [...document.querySelectorAll('.survey-levels :is(th, td)')].map(cell => {
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  let most = 0;
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    if (!text.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(text);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    most = Math.max(most, tops.size);
  }
  return [cell.textContent.trim(), most];
})"""


@pytest.mark.parametrize("lang", ["es", "gl"])
def test_the_results_levels_fit_a_phone_without_breaking_a_word(
    live_hub: LiveHub, browser: Browser, lang: str
) -> None:
    """On a phone each cell of the level tables ("Respuesta", "Muy bien", "33 %") reads on
    one line, no word broken ("Regula/r"), and the tables fit the screen; the page's wide
    per-point table scrolls instead."""
    context, page, _problems = staff_page(
        browser, live_hub, lang, "/admin/survey/results", 390, 844, "manager"
    )
    try:
        cells = page.evaluate(CELL_LINES)
        assert cells and all(lines == 1 for _text, lines in cells), cells
        fits = page.evaluate(
            "[...document.querySelectorAll('.survey-levels')]"
            ".every(t => t.parentElement.scrollWidth <= t.parentElement.clientWidth)"
        )
        assert fits
    finally:
        context.close()
