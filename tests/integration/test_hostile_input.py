"""Hostile input, table-driven: every case is refused with a clear 4xx or stored inert.

Decisions, and where they live:

- Markup (`<script>`, `<img onerror>`, `"><svg onload>`, `javascript:`, template syntax) is
  kept exactly as typed: staff must see what was sent (to judge it, to block its sender).
  It is always shown as text: Jinja autoescaping on pages, `textContent` in page scripts,
  JSON served as `application/json` with `nosniff`. Nothing renders a customer's text as a link.
- Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and zero-width
  spaces (U+200B, U+2060, U+FEFF) are removed at intake (`clean_text`, and `clean_line` for
  contact fields, in hub/tickets/model.py). They can disguise a text on every surface, and
  CSS isolation cannot reach an e-mail subject or an SMS; zero-width spaces also hide words
  from the filters. Zero-width joiners (emoji sequences, Persian and Indic scripts) and the
  LRM/RLM marks stay: they are part of real writing and reorder nothing around them.
- Control characters go too (newline and tab stay; CR LF becomes LF); a contact name is one
  line, so no CR/LF can reach an e-mail header. NUL bytes are dropped.
- Invalid UTF-8: a JSON body is refused (400, "not valid UTF-8"); a form post is decoded the
  way browsers' forms are, with U+FFFD in place of the bad bytes, and stored inert.
- Size: a body over 64 KB is 413 (JSON and form); a text over 2,000 characters is 400 naming
  the field.
- Operator injection: every field is a typed string, so `{"$gt": ""}` anywhere is a 400
  naming the field; unknown keys and bracketed query parameters (`status[$ne]=x`) are
  ignored; `$ne` as a value is only text.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import socketio
from markupsafe import escape

from hub.app import Hub
from hub.clock import new_id, now_iso
from hub.notify.ack import ack_token
from tests.helpers import Seeded
from tests.integration.delivery_kit import quiet
from tests.integration.realtime_clients import Console
from tests.kit import Served, new_sos, post_sos

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

# (case, what the customer sends, what is stored and shown)
HOSTILE: list[tuple[str, str, str]] = [
    ("script tag", "<script>alert(1)</script>", "<script>alert(1)</script>"),
    ("img onerror", "<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    (
        "flag-setting img",
        '<img src=x onerror="window.__xss=1">',
        '<img src=x onerror="window.__xss=1">',
    ),
    ("attribute breakout", "\"><svg onload=alert(1)>'", "\"><svg onload=alert(1)>'"),
    ("javascript link", "javascript:alert(1)", "javascript:alert(1)"),
    ("template syntax", "{{ 7*7 }} ${7*7} {% raw %}", "{{ 7*7 }} ${7*7} {% raw %}"),
    ("entity", "&lt;b&gt; &amp; &#x3C;", "&lt;b&gt; &amp; &#x3C;"),
    ("bidi override", "invoice_\u202egpj.exe", "invoice_gpj.exe"),
    ("bidi isolates", "a\u2066b\u2067c\u2068d\u2069e", "abcde"),
    ("zero-width spaces", "pa\u200bss\u2060wo\ufeffrd", "password"),
    ("NUL bytes", "a\x00b\x00c", "abc"),
    ("terminal escapes", "\x1b[31mred\x1b[0m\x07 alarm", "[31mred[0m alarm"),
    ("CR LF", "line one\r\nline two\rline three", "line one\nline two\nline three"),
    ("operators as text", '{"$gt": ""} $where $ne', '{"$gt": ""} $where $ne'),
    ("emoji with joiners kept", "family 👨\u200d👩\u200d👧 here", "family 👨\u200d👩\u200d👧 here"),
    ("right-to-left kept", "\u200fשלום עולם", "\u200fשלום עולם"),
]
IDS = [case[0] for case in HOSTILE]


def assert_shown_as_text(html: str, stored: str) -> None:
    """The text is on the page escaped, and no raw markup of it is."""
    assert str(escape(stored)) in html, f"{stored!r} is not on the page as text"
    if "<" in stored:
        assert stored not in html, f"{stored!r} reached the page unescaped"
    assert 'href="javascript:' not in html and "href='javascript:" not in html


async def thread_page(client: Any, token: str) -> str:
    r = await client.get(f"/t/{token}")
    assert r.status_code == 200
    return str(await r.get_data(as_text=True))


# ---------------------------------------------------------------- stored inert


@pytest.mark.parametrize(("sent", "stored"), [c[1:] for c in HOSTILE], ids=IDS)
async def test_a_hostile_sos_text_is_stored_as_typed_minus_invisibles_and_shown_as_text(
    client: Any, acme: Seeded, sent: str, stored: str
) -> None:
    ticket = await new_sos(client, acme, sent)
    r = await client.get(f"/api/v1/tickets/{ticket['id']}", headers=acme.auth())
    assert r.content_type.startswith("application/json")
    assert (await r.get_json())["text"] == stored
    r = await client.get(f"/api/v1/thread/{ticket['token']}")
    assert (await r.get_json())["ticket"]["text"] == stored
    assert_shown_as_text(await thread_page(client, ticket["token"]), stored)


@pytest.mark.parametrize(("sent", "stored"), [c[1:] for c in HOSTILE], ids=IDS)
async def test_hostile_thread_messages_replies_and_notes_are_inert(
    client: Any, acme: Seeded, sent: str, stored: str
) -> None:
    ticket = await new_sos(client, acme, "The shower is cold")
    r = await client.post(f"/api/v1/thread/{ticket['token']}/messages", json={"text": sent})
    assert r.status_code == 201
    assert (await r.get_json())["text"] == stored
    staff = acme.auth()
    r = await client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": sent}, headers=staff
    )
    assert r.status_code == 201
    r = await client.post(
        f"/api/v1/tickets/{ticket['id']}/notes", json={"text": sent}, headers=staff
    )
    assert r.status_code == 201
    r = await client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"description": sent}, headers=staff
    )
    assert r.status_code == 200
    detail = await (await client.get(f"/api/v1/tickets/{ticket['id']}", headers=staff)).get_json()
    assert [m["text"] for m in detail["messages"]] == [stored, stored]
    assert [n["text"] for n in detail["notes"]] == [stored]
    assert detail["description"] == stored
    html = await thread_page(client, ticket["token"])
    assert html.count(str(escape(stored))) >= 2  # the customer's message and the staff reply
    assert_shown_as_text(html, stored)


@pytest.mark.parametrize(("sent", "stored"), [c[1:] for c in HOSTILE], ids=IDS)
async def test_a_hostile_text_through_the_plain_form_is_inert(
    client: Any, acme: Seeded, sent: str, stored: str
) -> None:
    r = await client.post(f"/q/{acme.point['code']}", form={"text": sent, "anonymous": "1"})
    assert r.status_code == 303, await r.get_data(as_text=True)
    token = r.headers["Location"].split("/t/", 1)[1].split("?", 1)[0]
    html = await thread_page(client, token)
    assert_shown_as_text(html, stored)
    r = await client.post(f"/t/{token}", form={"text": sent})
    assert r.status_code == 303
    assert str(await thread_page(client, token)).count(str(escape(stored))) >= 2


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("Ana\r\nBcc: victim@example.com", "Ana Bcc: victim@example.com"),
        ("Ana\nSubject: you won", "Ana Subject: you won"),
        ("\u202eanA\u200b", "anA"),
        ("Ana\x00\x1b[2J", "Ana[2J"),
    ],
    ids=["script", "javascript", "crlf-bcc", "lf-subject", "bidi", "controls"],
)
async def test_a_hostile_contact_name_is_kept_on_one_line_and_shown_as_text(
    client: Any, acme: Seeded, name: str, stored: str
) -> None:
    ticket = await new_sos(
        client,
        acme,
        "Please call me",
        anonymous=False,
        contact={"name": name, "email": "ana@example.com"},
    )
    r = await client.get(f"/api/v1/tickets/{ticket['id']}", headers=acme.auth())
    contact = (await r.get_json())["contact"]
    assert contact == {"name": stored, "email": "ana@example.com"}
    r = await client.post(
        f"/q/{acme.point['code']}",
        form={"text": "Please call me too", "name": name, "email": "ana@example.com"},
    )
    assert r.status_code == 303, await r.get_data(as_text=True)


async def test_the_acknowledge_page_of_an_e_mail_link_shows_a_hostile_text_as_text(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    sent = '<img src=x onerror="window.__xss=1"> \u202eevil'
    ticket = await new_sos(client, acme, sent)
    item = await hub.store.insert(
        acme.tenant["id"],
        "outbox",
        {
            "id": new_id(),
            "ticket_id": ticket["id"],
            "channel": "email",
            "to": "boss@acme.example",
            "name": "<b>Boss</b>",
            "kind": "alert",
            "status": "sent",
            "attempts": 1,
            "reason": None,
            "language": "en",
            "created_at": now_iso(),
            "sent_at": now_iso(),
        },
    )
    token = ack_token(hub.settings.secret_key, acme.tenant["id"], item["id"])
    r = await client.get(f"/ack/{token}")
    assert r.status_code == 200
    html = await r.get_data(as_text=True)
    assert_shown_as_text(html, '<img src=x onerror="window.__xss=1"> evil')
    assert "<b>Boss</b>" not in html


# ---------------------------------------------------------------- refused with a clear 4xx


def _body(**fields: Any) -> bytes:
    return json.dumps(
        {"point": "acme-bar", "text": "The music is too loud", "anonymous": True, **fields}
    ).encode()


# (case, path template, raw body, status, words in the message)
REFUSED: list[tuple[str, str, bytes, int, tuple[str, ...]]] = [
    (
        "invalid UTF-8 in an SOS",
        "/api/v1/sos",
        b'{"point": "acme-bar", "text": "caf\xe9 \xff\xfe", "anonymous": true}',
        400,
        ("UTF-8",),
    ),
    (
        "invalid UTF-8 in a thread message",
        "/api/v1/thread/{token}/messages",
        b'{"text": "\xff"}',
        400,
        ("UTF-8",),
    ),
    (
        "invalid UTF-8 in a reply",
        "/api/v1/tickets/{id}/replies",
        b'{"text": "\xc3\x28"}',
        400,
        ("UTF-8",),
    ),
    (
        "invalid UTF-8 in a note",
        "/api/v1/tickets/{id}/notes",
        b'{"text": "\xed\xa0\x80"}',
        400,
        ("UTF-8",),
    ),
    (
        "invalid UTF-8 in a login",
        "/api/v1/auth/login",
        b'{"email": "agent@acme.example\xff", "password": "x"}',
        400,
        ("UTF-8",),
    ),
    ("a lone surrogate", "/api/v1/sos", _body().replace(b"loud", b"\\ud800"), 400, ("text",)),
    ("a 100 KB text", "/api/v1/sos", _body(text="x" * 100_000), 413, ("64 KB",)),
    (
        "a 100 KB thread message",
        "/api/v1/thread/{token}/messages",
        json.dumps({"text": "y" * 100_000}).encode(),
        413,
        ("64 KB",),
    ),
    ("a 3,000-character text", "/api/v1/sos", _body(text="z" * 3000), 400, ("text", "2000")),
    (
        "a text of only invisibles",
        "/api/v1/sos",
        _body(text="\u200b\u202e\u2066\x00\u200b"),
        400,
        ("text", "empty"),
    ),
    ("an operator as point", "/api/v1/sos", _body(point={"$gt": ""}), 400, ("point",)),
    ("an operator as text", "/api/v1/sos", _body(text={"$ne": None}), 400, ("text",)),
    (
        "an operator as contact name",
        "/api/v1/sos",
        _body(anonymous=False, contact={"name": {"$gt": ""}}),
        400,
        ("contact.name",),
    ),
    (
        "an operator as contact e-mail",
        "/api/v1/sos",
        _body(anonymous=False, contact={"email": {"$regex": ".*"}}),
        400,
        ("contact.email",),
    ),
    (
        "an operator as contact phone",
        "/api/v1/sos",
        _body(anonymous=False, contact={"phone": {"$gt": 0}}),
        400,
        ("contact.phone",),
    ),
    ("an operator as language", "/api/v1/sos", _body(language={"$ne": "es"}), 400, ("language",)),
    (
        "CR LF in the contact e-mail",
        "/api/v1/sos",
        _body(anonymous=False, contact={"email": "ana@example.com\r\nBcc: x@evil.example"}),
        400,
        ("contact.email",),
    ),
    (
        "a newline in the contact phone",
        "/api/v1/sos",
        _body(anonymous=False, contact={"phone": "+34600111222\n"}),
        400,
        ("contact.phone",),
    ),
    (
        "an operator as login e-mail",
        "/api/v1/auth/login",
        b'{"email": {"$gt": ""}, "password": "x"}',
        400,
        ("email",),
    ),
    (
        "an operator as login password",
        "/api/v1/auth/login",
        b'{"email": "agent@acme.example", "password": {"$ne": "x"}}',
        400,
        ("password",),
    ),
    (
        "an operator as a thread message",
        "/api/v1/thread/{token}/messages",
        b'{"text": {"$gt": ""}}',
        400,
        ("text",),
    ),
    (
        "an operator as a reply",
        "/api/v1/tickets/{id}/replies",
        b'{"text": {"$gt": ""}}',
        400,
        ("text",),
    ),
    (
        "an operator as a note",
        "/api/v1/tickets/{id}/notes",
        b'{"text": {"$gt": ""}}',
        400,
        ("text",),
    ),
    # Nesting deep enough to exhaust the parser's recursion, yet within 64 KB: a 400, not a 500
    ("arrays 20,000 deep as an SOS", "/api/v1/sos", b"[" * 20_000 + b"]" * 20_000, 400, ("body",)),
    (
        "objects 10,000 deep as an SOS",
        "/api/v1/sos",
        b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
        400,
        ("body",),
    ),
    (
        "arrays 20,000 deep in an SOS text",
        "/api/v1/sos",
        _body().replace(b'"The music is too loud"', b"[" * 20_000 + b"]" * 20_000),
        400,
        ("body",),
    ),
    (
        "objects 6,000 deep as a thread message",
        "/api/v1/thread/{token}/messages",
        b'{"text":' * 6_000 + b'"x"' + b"}" * 6_000,
        400,
        ("body",),
    ),
    (
        "arrays 20,000 deep as a login",
        "/api/v1/auth/login",
        b"[" * 20_000 + b"]" * 20_000,
        400,
        ("body",),
    ),
    (
        "arrays 20,000 deep as a reply",
        "/api/v1/tickets/{id}/replies",
        b"[" * 20_000 + b"]" * 20_000,
        400,
        ("body",),
    ),
]


@pytest.mark.parametrize(
    ("path", "raw", "status", "words"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
async def test_hostile_api_input_is_refused_with_a_clear_json_error_and_changes_nothing(
    hub: Hub,
    client: Any,
    acme: Seeded,
    path: str,
    raw: bytes,
    status: int,
    words: tuple[str, ...],
) -> None:
    ticket = await new_sos(client, acme, "The shower is cold")
    await quiet(hub)  # its translation and routing run in jobs: let them finish first
    tenant = acme.tenant["id"]
    before = (
        await hub.store.latest_seq(tenant),
        await hub.store.count(tenant, "tickets"),
        await hub.store.count(tenant, "entries"),
    )
    url = path.format(token=ticket["token"], id=ticket["id"])
    r = await client.post(url, data=raw, headers={**JSON, **acme.auth()})
    assert r.status_code == status, await r.get_data(as_text=True)
    assert r.content_type.startswith("application/json")
    error = (await r.get_json())["error"]
    assert set(error) == {"code", "message"}
    for word in words:
        assert word in error["message"], error
    assert "Traceback" not in error["message"]
    after = (
        await hub.store.latest_seq(tenant),
        await hub.store.count(tenant, "tickets"),
        await hub.store.count(tenant, "entries"),
    )
    assert after == before


async def test_an_operator_in_a_ticket_patch_is_refused(client: Any, acme: Seeded) -> None:
    ticket = await new_sos(client, acme, "The shower is cold")
    for body in (
        {"status": {"$ne": ""}},
        {"category": {"$gt": ""}},
        {"assignee": {"$ne": None}},
        {"description": {"$where": "1"}},
    ):
        r = await client.patch(f"/api/v1/tickets/{ticket['id']}", json=body, headers=acme.auth())
        assert r.status_code == 400, body
        assert next(iter(body)) in (await r.get_json())["error"]["message"]
    r = await client.get(f"/api/v1/tickets/{ticket['id']}", headers=acme.auth())
    assert (await r.get_json())["status"] == "new"


async def test_an_operator_object_as_contact_is_refused_naming_it(
    client: Any, acme: Seeded
) -> None:
    # not a field of a contact: 400 naming it (the caller learns it was not taken), nothing
    # stored
    status, body = await post_sos(
        client, acme, "Call me", anonymous=False, contact={"$where": "sleep(1000)"}
    )
    assert status == 400, body
    assert body["error"]["message"].startswith("contact.$where: "), body
    r = await client.get("/api/v1/tickets", headers=acme.auth())
    assert (await r.get_json())["items"] == []


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"text=caf%E9+%FF%FE&anonymous=1", 303),  # latin-1 bytes, percent-encoded
        (b"text=a%00b&anonymous=1", 303),
        (b"text%5B%24ne%5D=1&anonymous=1", 400),  # text[$ne]=1: no field named text
        (b"text=hi&anonymous=1&email=a%40b.example%0D%0ABcc%3Ax%40evil.example", 303),
        (b"text=" + b"x" * 70_000, 413),
    ],
    ids=["invalid-utf8", "nul", "bracket-operator", "crlf-email-when-anonymous", "100kb"],
)
async def test_hostile_form_posts_get_a_page_never_a_crash(
    client: Any, acme: Seeded, raw: bytes, status: int
) -> None:
    r = await client.post(f"/q/{acme.point['code']}", data=raw, headers=FORM)
    assert r.status_code == status, await r.get_data(as_text=True)
    if status == 303:
        html = await thread_page(client, r.headers["Location"].split("/t/", 1)[1].split("?")[0])
        assert "\x00" not in html
    else:
        assert r.content_type.startswith("text/html")


async def test_a_crlf_email_on_the_form_is_refused_with_the_form_and_a_field_error(
    client: Any, acme: Seeded
) -> None:
    r = await client.post(
        f"/q/{acme.point['code']}?lang=en",
        form={"text": "hi", "name": "Ana", "email": "ana@example.com\r\nBcc: x@evil.example"},
    )
    assert r.status_code == 400
    html = await r.get_data(as_text=True)
    assert "does not look right" in html and "<form" in html


@pytest.mark.parametrize(
    "query",
    ["status[$ne]=x", "q[$regex]=.*", "point[$gt]=", "limit[$gt]=1", "department[$ne]=x"],
)
async def test_bracketed_operator_query_parameters_have_no_effect(
    client: Any, acme: Seeded, query: str
) -> None:
    for i in range(3):
        await new_sos(client, acme, f"Ticket {i}")
    plain = await (await client.get("/api/v1/tickets", headers=acme.auth())).get_json()
    r = await client.get(f"/api/v1/tickets?{query}", headers=acme.auth())
    assert r.status_code == 200
    # the same tickets (their translations may have arrived in between)
    assert [t["id"] for t in (await r.get_json())["items"]] == [t["id"] for t in plain["items"]]
    assert len(plain["items"]) == 3


@pytest.mark.parametrize(
    ("query", "status", "count"),
    [
        ("status=%24ne", 400, None),
        ('point={"$gt":""}', 200, 0),
        ("q=$where", 200, 0),
        ('q={"$regex":".*"}', 200, 0),
        ("q=%00", 200, 1),  # an empty search: everything, as without q
        ("status[]=new", 400, None),
        ("q=%FF%FE", 200, 0),
        ("limit=-1", 400, None),
        ("cursor=1e999", 400, None),
    ],
)
async def test_operator_values_in_query_parameters_are_plain_values(
    client: Any, acme: Seeded, query: str, status: int, count: int | None
) -> None:
    await new_sos(client, acme, "An ordinary ticket")
    r = await client.get(f"/api/v1/tickets?{query}", headers=acme.auth())
    assert r.status_code == status, await r.get_data(as_text=True)
    if count is not None:
        assert len((await r.get_json())["items"]) == count
    else:
        assert (await r.get_json())["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    "token", ['{"$ne":null}', "%00", "..%2F..%2Fetc%2Fpasswd", "<script>", "x" * 5000]
)
async def test_a_hostile_thread_token_is_a_404(client: Any, acme: Seeded, token: str) -> None:
    await new_sos(client, acme, "Somebody's ticket")
    r = await client.get(f"/api/v1/thread/{token}")
    assert r.status_code == 404
    r = await client.get(f"/t/{token}")
    assert r.status_code == 404
    assert "<script>" not in await r.get_data(as_text=True)


# ---------------------------------------------------------------- socket.io


@pytest.fixture
async def console(served: Served) -> AsyncIterator[Console]:
    c = Console(served.url, auth={"token": served.acme.tokens["agent"]})
    await c.connect()
    yield c
    await c.close()


HOSTILE_RESUMES: list[Any] = [
    {"since": {"$gt": 0}},
    {"since": {"$where": "1"}},
    {"since": "0; DROP TABLE events"},
    {"since": "<script>alert(1)</script>"},
    {"since": -1},
    {"since": 1.5},
    {"since": 1e308},
    {"since": 2**70},
    {"since": True},
    {"since": None},
    {"since": ["0"]},
    {"since": "\x00"},
    {"$where": "1"},
    "<script>alert(1)</script>",
    ["since", 0],
    12,
    None,
    {"since": [[[[[[[[[[0]]]]]]]]]] * 1000},
]
RESUME_IDS = [f"resume-{i}" for i, _ in enumerate(HOSTILE_RESUMES)]


@pytest.mark.slow
@pytest.mark.parametrize("payload", HOSTILE_RESUMES, ids=RESUME_IDS)
async def test_a_hostile_resume_gets_an_error_event_and_the_console_keeps_working(
    served: Served, console: Console, payload: Any
) -> None:
    await console.sio.emit("resume", payload, namespace="/staff")
    error = await console.next_event("error", 5)
    assert error["code"] == "invalid" and "since" in error["message"]
    assert console.connected
    await console.resume(0)
    await console.wait_for(lambda: bool(console.events("resume.done")), 5, "resume.done")
    assert isinstance(console.events("resume.done")[-1]["seq"], int)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("namespace", "auth"),
    [
        ("/staff", {"token": {"$ne": ""}}),
        ("/staff", {"token": {"$gt": ""}}),
        ("/staff", {"token": "<script>alert(1)</script>"}),
        ("/staff", {"token": "\x00"}),
        ("/thread", {"thread_token": {"$ne": None}}),
        ("/thread", {"thread_token": ["x"]}),
        ("/thread", {"thread_token": "<script>"}),
        ("/thread", {"thread_token": "\u202e" + "x" * 300}),
        ("/thread", "<script>"),
    ],
)
async def test_a_hostile_socket_handshake_is_refused(
    served: Served, namespace: str, auth: Any
) -> None:
    c = Console(served.url, namespace, auth=auth)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await c.connect()
    assert not c.connected
    await c.close()


@pytest.mark.slow
async def test_a_hostile_sos_reaches_the_live_console_as_the_same_literal_text(
    served: Served, console: Console
) -> None:
    text = '<img src=x onerror="window.__xss=1"> \u202egpj.exe'
    async with httpx.AsyncClient(base_url=served.url) as http:
        r = await http.post(
            "/api/v1/sos",
            json={"point": served.acme.point["code"], "text": text, "anonymous": True},
        )
        assert r.status_code == 201
    ticket_id = r.json()["id"]
    await console.wait_for(
        lambda: ticket_id in [e["id"] for e in console.events("ticket.created")], 5, "the ticket"
    )
    pushed = next(e for e in console.events("ticket.created") if e["id"] == ticket_id)
    assert pushed["text"] == '<img src=x onerror="window.__xss=1"> gpj.exe'


# ---------------------------------------------------------------- e-mail headers


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subject", "SOS #1 at Bar\r\nBcc: victim@example.com"),
        ("subject", "SOS\nContent-Type: text/html\n\n<script>alert(1)</script>"),
        ("to", "ana@example.com\r\nBcc: victim@example.com"),
        ("to", "ana@example.com\x00\nCc: victim@example.com"),
    ],
)
def test_cr_lf_in_what_becomes_an_e_mail_header_cannot_add_headers(field: str, value: str) -> None:
    from hub.notify.email import build_message
    from hub.notify.transport import Outgoing

    fields = {"subject": "SOS", "to": "ana@example.com", field: value}
    msg = build_message(
        Outgoing(channel="email", text="<script>alert(1)</script>", **fields), "hub@acme.example"
    )
    assert msg["Bcc"] is None and msg["Cc"] is None
    wire = msg.as_bytes()
    head = wire.split(b"\n\n", 1)[0]
    assert b"\nBcc:" not in head and b"\nCc:" not in head
    assert head.count(b"\nContent-Type:") + head.startswith(b"Content-Type:") <= 1
