"""The customer's pages without JavaScript: the QR form, the thread page, their languages."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from hub.app import Hub
from hub.translate.detect import detect_sync
from tests.helpers import Seeded

ROOT = Path(__file__).resolve().parents[2]


class _Page(HTMLParser):
    """Just enough of the DOM for assertions: elements by id, their attributes and text."""

    VOID = frozenset({"input", "meta", "link", "img", "br", "hr", "source"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, dict[str, str | None]] = {}
        self.texts: dict[str, list[str]] = {}
        self.tags: dict[str, str] = {}
        self._open: list[str | None] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        ident = found.get("id")
        if ident:
            self.attrs[ident], self.texts[ident], self.tags[ident] = found, [], tag
        if tag not in self.VOID:
            self._open.append(ident)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for ident in self._open:
            if ident:
                self.texts[ident].append(data)

    def text(self, ident: str) -> str:
        return " ".join(" ".join(self.texts[ident]).split())

    def raw(self, ident: str) -> str:
        return "".join(self.texts[ident])


async def _html(response: Any) -> str:
    return str(await response.get_data(as_text=True))


async def _send(client: Any, code: str, **form: str) -> Any:
    return await client.post(f"/q/{code}", form=form)


async def _thread_token(client: Any, acme: Seeded, text: str, **form: str) -> str:
    r = await _send(client, acme.point["code"], text=text, **form)
    assert r.status_code == 303, await _html(r)
    location = r.headers["Location"]
    assert location.startswith("/t/") and location.endswith("?sent=1")
    return str(location.removeprefix("/t/").removesuffix("?sent=1"))


async def _tickets(client: Any, acme: Seeded) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/tickets", headers=acme.auth())
    assert r.status_code == 200
    return list((await r.get_json())["items"])


async def test_the_form_shows_the_business_and_the_place_in_spanish_by_default(
    client: Any, acme: Seeded
) -> None:
    r = await client.get(f"/q/{acme.point['code']}")
    assert r.status_code == 200
    html = await _html(r)
    page = _Page(html)
    assert '<html lang="es">' in html
    assert "Business acme" in html and "Bar terrace" in html
    assert "¿En qué te podemos ayudar?" in html
    assert page.tags["text"] == "textarea" and page.attrs["sos-form"]["method"] == "post"
    # Send, then the promise of privacy right under it (it never pushes Send down a phone)
    assert page.text("sos-form").endswith(
        "Enviar Solo el equipo de Business acme lee tu mensaje. "
        "Tus datos de contacto solo se usan para responderte."
    )


async def test_the_form_speaks_english_to_a_browser_that_asks_for_it(
    client: Any, acme: Seeded
) -> None:
    r = await client.get(f"/q/{acme.point['code']}", headers={"Accept-Language": "en-GB,en;q=0.8"})
    html = await _html(r)
    assert '<html lang="en">' in html
    assert "How can we help?" in html and "Business acme" in html and "Bar terrace" in html
    assert "¿En qué" not in html


async def test_lang_en_in_the_address_switches_to_english_and_is_remembered(
    client: Any, acme: Seeded
) -> None:
    r = await client.get(f"/q/{acme.point['code']}?lang=en")
    assert "How can we help?" in await _html(r)
    assert any(c.startswith("lang=en;") for c in r.headers.getlist("Set-Cookie"))
    r = await client.get(f"/q/{acme.point['code']}")  # the test client keeps the cookie
    assert "How can we help?" in await _html(r)


async def test_a_plain_form_post_creates_a_ticket_and_shows_its_thread(
    client: Any, acme: Seeded
) -> None:
    detect_sync("warm up", ["es", "en"])  # the models a served hub loads at start-up
    token = await _thread_token(
        client,
        acme,
        "  The music on the terrace is too loud  ",
        name="Ana",
        email="ana@example.com",
    )
    [ticket] = await _tickets(client, acme)
    assert ticket["text"] == "The music on the terrace is too loud"
    assert ticket["contact"] == {"name": "Ana", "email": "ana@example.com"}
    # The page was in Spanish (the default) but the customer wrote in English: staff see
    # the language of the text, detected at intake, not the language of the page.
    assert ticket["language"] == "en"

    r = await client.get(f"/t/{token}?sent=1")
    assert r.status_code == 200
    assert r.headers["Referrer-Policy"] == "no-referrer"  # the link is the customer's key
    page = _Page(await _html(r))
    assert "Tu número de mensaje 1" in page.text("main")
    assert f"http://hub.test/t/{token}" == page.attrs["thread-link"]["href"]
    assert "The music on the terrace is too loud" in page.text("conversation")
    assert page.text("status") == "Recibido"


async def test_an_empty_message_is_refused_with_the_reason_next_to_the_field(
    client: Any, acme: Seeded
) -> None:
    r = await _send(client, acme.point["code"], text="   \r\n  ", name="Ana")
    assert r.status_code == 400
    page = _Page(await _html(r))
    assert page.text("text-error") == "Escribe primero tu mensaje."
    assert page.attrs["text-error"]["role"] == "alert"
    assert "text-error" in (page.attrs["text"]["aria-describedby"] or "").split()
    assert page.attrs["text"]["aria-invalid"] == "true"
    assert page.attrs["name"]["value"] == "Ana"
    assert await _tickets(client, acme) == []


async def test_a_message_of_2001_characters_is_refused_and_kept_in_the_box(
    client: Any, acme: Seeded
) -> None:
    text = "Ruido " * 333 + "abc"  # 2,001 characters
    assert len(text) == 2001
    r = await _send(client, acme.point["code"], text=text)
    assert r.status_code == 400
    page = _Page(await _html(r))
    assert "2001" in page.text("text-error") and "2000" in page.text("text-error")
    assert page.raw("text").removeprefix("\n") == text
    assert await _tickets(client, acme) == []


async def test_line_breaks_count_as_one_character_each(client: Any, acme: Seeded) -> None:
    # Browsers send a textarea's line breaks as CRLF; the customer typed one character each.
    text = "\r\n".join(["x" * 189] * 10) + "x" * 101
    assert len(text.replace("\r\n", "\n")) == 2000
    r = await _send(client, acme.point["code"], text=text)
    assert r.status_code == 303, await _html(r)


async def test_a_form_bigger_than_64_kb_gets_a_readable_page_with_a_way_back(
    client: Any, acme: Seeded
) -> None:
    r = await _send(client, acme.point["code"], text="x" * 70_000)
    assert r.status_code == 413
    page = _Page(await _html(r))
    assert "Acorta tu mensaje y vuelve a intentarlo." in page.text("main")
    assert f'href="/q/{acme.point["code"]}"' in await _html(r)


async def test_an_invalid_email_is_named_next_to_its_field_and_the_text_is_kept(
    client: Any, acme: Seeded
) -> None:
    r = await _send(client, acme.point["code"], text="Cold soup", email="not-an-address")
    assert r.status_code == 400
    page = _Page(await _html(r))
    assert "correo" in page.text("email-error")
    assert page.attrs["email"]["aria-describedby"] == "email-error"
    assert page.raw("text").strip() == "Cold soup"


async def test_a_phone_of_no_country_is_asked_for_its_country_next_to_its_field(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    """A British guest's "07700 900123" at a Spanish hotel: no Spanish number, and no
    international one without its "+44"; the page asks, the text and number kept."""
    r = await _send(client, acme.point["code"], text="Cold soup", phone="07700 900123")
    assert r.status_code == 400
    page = _Page(await _html(r))
    assert "teléfono" in page.text("phone-error") and "+" in page.text("phone-error")
    assert page.attrs["phone"]["value"] == "07700 900123"
    assert page.raw("text").strip() == "Cold soup"
    assert await hub.store.count(acme.tenant["id"], "tickets") == 0


async def test_an_anonymous_post_stores_no_contact_even_when_the_fields_were_filled(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    await _thread_token(
        client,
        acme,
        "Broken glass near the pool",
        anonymous="1",
        name="Ana",
        email="ana@example.com",
        phone="+34 600 111 222",
    )
    [stored] = await hub.store.find(acme.tenant["id"], "tickets")
    assert stored["anonymous"] is True
    assert stored["contact"] is None
    assert "ana@example.com" not in repr(stored) and "600 111 222" not in repr(stored)


async def test_an_unknown_code_gets_the_friendly_404_page(client: Any, acme: Seeded) -> None:
    r = await client.get("/q/no-such-code")
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/html")
    html = await _html(r)
    assert "Este código no está activo" in html and '"error"' not in html
    r = await client.get("/q/no-such-code", headers={"Accept-Language": "en"})
    assert "This code is not active" in await _html(r)


async def test_a_deactivated_point_gets_the_friendly_404_page_and_takes_no_sos(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    await hub.store.update(acme.tenant["id"], "points", acme.point["id"], {"active": False})
    r = await client.get(f"/q/{acme.point['code']}")
    assert r.status_code == 404
    assert "Este código no está activo" in await _html(r)
    r = await _send(client, acme.point["code"], text="Anyone there?")
    assert r.status_code == 404
    assert "Este código no está activo" in await _html(r)
    assert await _tickets(client, acme) == []


async def test_an_unknown_thread_token_gets_a_404_page(client: Any, acme: Seeded) -> None:
    r = await client.get("/t/not-a-real-token", headers={"Accept-Language": "en"})
    assert r.status_code == 404
    assert r.headers["Content-Type"].startswith("text/html")
    assert "This conversation does not exist" in await _html(r)
    r = await client.post("/t/not-a-real-token", form={"text": "hello?"})
    assert r.status_code == 404
    assert "Esta conversación no existe" in await _html(r)


async def test_a_customer_answer_by_plain_form_post_appears_on_the_thread_page(
    client: Any, acme: Seeded
) -> None:
    token = await _thread_token(client, acme, "Our table was never served")
    r = await client.post(f"/t/{token}", form={"text": "We are at table 12\r\nby the window"})
    assert r.status_code == 303
    assert r.headers["Location"] == f"/t/{token}#latest"
    page = _Page(await _html(await client.get(f"/t/{token}")))
    assert page.raw("latest").count("We are at table 12\nby the window") == 1
    assert page.attrs["latest"]["class"] == "msg from-customer"
    [ticket] = await _tickets(client, acme)
    r = await client.get(f"/api/v1/tickets/{ticket['id']}", headers=acme.auth())
    messages = (await r.get_json())["messages"]
    assert [(m["author"], m["text"]) for m in messages] == [
        ("customer", "We are at table 12\nby the window")
    ]


async def test_an_empty_answer_is_refused_next_to_the_field_and_nothing_is_stored(
    client: Any, acme: Seeded
) -> None:
    token = await _thread_token(client, acme, "Too cold in here")
    r = await client.post(f"/t/{token}", form={"text": "  "}, headers={"Accept-Language": "en"})
    assert r.status_code == 400
    page = _Page(await _html(r))
    assert page.text("text-error") == "Please write your message first."
    assert "text-error" in (page.attrs["text"]["aria-describedby"] or "").split()
    r = await client.get(f"/api/v1/thread/{token}")
    assert (await r.get_json())["messages"] == []


async def test_staff_replies_status_and_machine_translations_show_in_words(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    token = await _thread_token(client, acme, "¿Hay opciones sin gluten?")
    [ticket] = await _tickets(client, acme)
    r = await client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": "Yes, ask for the green menu."},
        headers=acme.auth(),
    )
    assert r.status_code == 201
    reply = await r.get_json()
    await hub.store.update(
        acme.tenant["id"],
        "entries",
        reply["id"],
        {"translations": {"es": "Sí, pide la carta verde."}},
    )
    page = _Page(await _html(await client.get(f"/t/{token}")))
    assert page.text("status") == "En curso"
    conversation = page.text("conversation")
    assert "Business acme" in conversation and "Yes, ask for the green menu." in conversation
    assert "Traducción automática Sí, pide la carta verde." in conversation

    r = await client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"status": "resolved"}, headers=acme.auth()
    )
    assert r.status_code == 200
    page = _Page(await _html(await client.get(f"/t/{token}?lang=en")))
    assert page.text("status") == "Resolved"
    assert "resolved-note" in page.attrs and "hidden" not in page.attrs["resolved-note"]


async def test_customer_text_is_escaped_in_the_html(client: Any, acme: Seeded) -> None:
    token = await _thread_token(client, acme, "<script>alert(1)</script> in the SOS")
    await client.post(f"/t/{token}", form={"text": '<img src=x onerror="alert(2)">'})
    html = await _html(await client.get(f"/t/{token}"))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; in the SOS" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
    r = await _send(client, acme.point["code"], text="<script>alert(3)</script>" + "x" * 2000)
    assert r.status_code == 400
    html = await _html(r)
    assert "<script>alert(3)" not in html and "&lt;script&gt;alert(3)" in html


def _customer_strings() -> set[str]:
    web = ROOT / "web"
    templates = [
        web / "base.html",
        web / "error.html",
        web / "staff" / "login.html",
        *sorted((web / "customer").glob("*.html")),
    ]
    found = {
        message if isinstance(message, str) else message[0]
        for path in templates
        for _line, message, _comments, _context in extract_from_file(
            "jinja2", path, options={"extensions": "jinja2.ext.i18n"}
        )
    }
    found |= {
        message if isinstance(message, str) else message[0]
        for _line, message, _comments, _context in extract_from_file(
            "python", ROOT / "hub" / "routes" / "customer.py"
        )
    }
    return found


def test_every_customer_string_has_a_spanish_translation() -> None:
    with (ROOT / "hub" / "locale" / "es" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="es")
    strings = _customer_strings()
    assert len(strings) > 40
    missing = sorted(s for s in strings if not ((found := catalog.get(s)) and found.string))
    assert missing == [], "run the commands in hub/locale/README.md and translate these"
