"""Bad input to the public API gets the contract's JSON error and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from quart import Blueprint

from hub.app import Hub
from tests.helpers import Seeded

JSON = {"Content-Type": "application/json"}


def _sos(**fields: Any) -> bytes:
    body = {"point": "acme-bar", "text": "The music is too loud", "anonymous": True, **fields}
    return json.dumps(body).encode()


# (case, raw body, status, code, words the message must contain)
BAD_SOS: list[tuple[str, bytes, int, str, tuple[str, ...]]] = [
    ("malformed JSON", b"{bad", 400, "invalid", ("body",)),
    ("a JSON array", b'[{"point": "acme-bar", "text": "hi"}]', 400, "invalid", ("body",)),
    ("a JSON string", b'"hello"', 400, "invalid", ("body",)),
    ("an empty body", b"", 400, "invalid", ("body",)),
    ("no text", json.dumps({"point": "acme-bar"}).encode(), 400, "invalid", ("text",)),
    ("text of only spaces", _sos(text="   \n\t  "), 400, "invalid", ("text",)),
    ("text of 2,001 characters", _sos(text="x" * 2001), 400, "invalid", ("text",)),
    ("text that is a number", _sos(text=12), 400, "invalid", ("text",)),
    ("no point", json.dumps({"text": "hi"}).encode(), 400, "invalid", ("point",)),
    ("an unknown point", _sos(point="nowhere"), 404, "not_found", ("point: ",)),
    (
        "a contact e-mail that is no e-mail",
        _sos(anonymous=False, contact={"email": "not-mail"}),
        400,
        "invalid",
        ("contact.email",),
    ),
    *(
        # what the SMS sender could never text (6 to 15 digits): refused now, not dropped later
        (
            f"a phone of {phone!r}",
            _sos(anonymous=False, contact={"phone": phone}),
            400,
            "invalid",
            ("contact.phone",),
        )
        for phone in ("600 11", "------", "(((())))", "+34 600-111-222-333-444-555")
    ),
    (
        "a contact that is a string",
        _sos(anonymous=False, contact="me"),
        400,
        "invalid",
        ("contact",),
    ),
    ("anonymous as 'maybe'", _sos(anonymous="maybe"), 400, "invalid", ("anonymous",)),
    ("a body over 64 KB", _sos(text="x" * 70_000), 413, "too_large", ()),
]


def _assert_error(body: Any, code: str, words: tuple[str, ...]) -> None:
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert isinstance(message, str) and message
    for word in words:
        assert word in message, message
    assert "Traceback" not in message
    assert "instance of" not in message, message  # pydantic's words, with a class name


@pytest.mark.parametrize(
    ("raw", "status", "code", "words"),
    [case[1:] for case in BAD_SOS],
    ids=[case[0] for case in BAD_SOS],
)
async def test_a_bad_sos_gets_a_json_error_and_stores_nothing(
    client: Any, hub: Hub, acme: Seeded, raw: bytes, status: int, code: str, words: tuple[str, ...]
) -> None:
    tenant_id = acme.tenant["id"]
    before = await hub.store.count(tenant_id, "tickets"), await hub.store.latest_seq(tenant_id)
    r = await client.post("/api/v1/sos", data=raw, headers=JSON)
    assert r.status_code == status, await r.get_data(as_text=True)
    assert r.content_type.startswith("application/json")
    _assert_error(await r.get_json(), code, words)
    after = await hub.store.count(tenant_id, "tickets"), await hub.store.latest_seq(tenant_id)
    assert after == before


async def test_text_of_exactly_2000_characters_is_accepted(
    client: Any, hub: Hub, acme: Seeded
) -> None:
    r = await client.post("/api/v1/sos", data=_sos(text="  " + "x" * 2000 + "  "), headers=JSON)
    assert r.status_code == 201, await r.get_data(as_text=True)
    assert await hub.store.count(acme.tenant["id"], "tickets") == 1


async def test_an_inactive_point_is_404(client: Any, hub: Hub, acme: Seeded) -> None:
    await hub.store.update(acme.tenant["id"], "points", acme.point["id"], {"active": False})
    r = await client.post("/api/v1/sos", data=_sos(), headers=JSON)
    assert r.status_code == 404
    _assert_error(await r.get_json(), "not_found", ("point: ",))
    assert await hub.store.count(acme.tenant["id"], "tickets") == 0


async def test_a_bad_reply_body_is_400_and_adds_no_message(
    client: Any, hub: Hub, acme: Seeded
) -> None:
    r = await client.post("/api/v1/sos", data=_sos(), headers=JSON)
    ticket_id = (await r.get_json())["id"]
    for raw in (b"{bad", b"[]", json.dumps({"text": "   "}).encode(), b"{}"):
        r = await client.post(
            f"/api/v1/tickets/{ticket_id}/replies", data=raw, headers={**JSON, **acme.auth()}
        )
        assert r.status_code == 400, raw
        _assert_error(await r.get_json(), "invalid", ())
    assert await hub.store.count(acme.tenant["id"], "entries", {"kind": "message"}) == 0


async def test_an_unknown_api_path_is_a_json_404(client: Any) -> None:
    r = await client.get("/api/v1/no-such-thing")
    assert r.status_code == 404
    _assert_error(await r.get_json(), "not_found", ())


async def test_a_wrong_method_is_a_json_405_that_names_the_allowed_ones(client: Any) -> None:
    r = await client.get("/api/v1/sos")
    assert r.status_code == 405
    _assert_error(await r.get_json(), "method_not_allowed", ())
    assert "POST" in r.headers.get("Allow", "")


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/events?since=" + "9" * 30,
        "/api/v1/events?since=9223372036854775808",
        "/api/v1/events?since=" + "9" * 5000,  # int() refuses over 4,300 digits
        "/api/v1/tickets?cursor=" + "9" * 5000,
        "/api/v1/events?since=%C2%B2",  # '²' is a digit to str.isdigit, not to int()
        "/api/v1/events?since=-1",
        "/api/v1/tickets?cursor=" + "9" * 30,
        "/api/v1/tickets?cursor=9223372036854775808",
        "/api/v1/tickets?cursor=0",
        "/api/v1/tickets?limit=0",
        "/api/v1/tickets?limit=201",
        "/api/v1/tickets?limit=ten",
    ],
)
async def test_an_out_of_range_query_value_is_400_naming_it(
    client: Any, acme: Seeded, query: str
) -> None:
    r = await client.get(query, headers=acme.auth())
    assert r.status_code == 400, await r.get_data(as_text=True)
    name = query.split("?")[1].split("=")[0]
    _assert_error(await r.get_json(), "invalid", (name,))


async def test_a_crash_answers_500_without_a_traceback(hub: Hub) -> None:
    bp = Blueprint("boom", __name__)

    @bp.get("/api/v1/_boom")
    async def boom() -> Any:
        raise RuntimeError("secret internals: password=hunter2")

    hub.quart.register_blueprint(bp)
    r = await hub.quart.test_client().get("/api/v1/_boom")
    assert r.status_code == 500
    text = await r.get_data(as_text=True)
    assert "hunter2" not in text and "Traceback" not in text and "RuntimeError" not in text
    _assert_error(json.loads(text), "internal", ())


SEND_JSON = "body: send a JSON object (Content-Type: application/json)"


@pytest.mark.parametrize(
    ("path", "content_type", "raw"),
    [
        ("/api/v1/sos", "text/plain", _sos()),
        ("/api/v1/sos", "application/x-www-form-urlencoded", b"point=acme-bar&text=Hello"),
        ("/api/v1/auth/login", "text/plain", b'{"email": "a@b.example", "password": "x"}'),
    ],
)
async def test_a_body_not_sent_as_json_is_told_to_send_json(
    client: Any, acme: Seeded, path: str, content_type: str, raw: bytes
) -> None:
    r = await client.post(path, data=raw, headers={"Content-Type": content_type})
    assert r.status_code == 400
    body = await r.get_json()
    _assert_error(body, "invalid", ())
    assert body["error"]["message"] == SEND_JSON


async def test_a_json_body_that_is_no_object_names_no_class(client: Any, acme: Seeded) -> None:
    r = await client.post("/api/v1/sos", data=b"[1, 2]", headers=JSON)
    assert (await r.get_json())["error"][
        "message"
    ] == "body: the request body must be a JSON object"
    r = await client.post("/api/v1/sos", data=_sos(anonymous=False, contact="me"), headers=JSON)
    assert (await r.get_json())["error"]["message"] == "contact: must be a JSON object"


async def _error_message(r: Any, status: int) -> str:
    assert r.status_code == status, await r.get_data(as_text=True)
    body = await r.get_json()
    _assert_error(body, body["error"]["code"], ())
    return str(body["error"]["message"])


async def test_every_refusal_names_its_field_first(client: Any, acme: Seeded) -> None:
    manager = {**JSON, **acme.auth("manager")}
    r = await client.post(
        "/api/v1/rules/test", json={"point": "nowhere", "text": "hi"}, headers=manager
    )
    assert (await _error_message(r, 404)).startswith("point: ")
    r = await client.get("/api/v1/deliveries?ticket=nope", headers=manager)
    assert await _error_message(r, 404) == "ticket: no such ticket"
    r = await client.get("/api/v1/deliveries?status=bogus", headers=manager)
    assert (await _error_message(r, 400)).startswith("status: must be one of pending")
    r = await client.get("/api/v1/deliveries?limit=0", headers=manager)
    assert (await _error_message(r, 400)).startswith("limit: must be a whole number")
    r = await client.patch("/api/v1/kiosks/nope", json={"name": "Hall"}, headers=manager)
    assert await _error_message(r, 404) == "id: no such kiosk"
    r = await client.delete("/api/v1/kiosks/nope", headers=manager)
    assert await _error_message(r, 404) == "id: no such kiosk"


async def test_a_refused_status_change_says_why_in_plain_words(client: Any, acme: Seeded) -> None:
    ticket_id = (await (await client.post("/api/v1/sos", data=_sos(), headers=JSON)).get_json())[
        "id"
    ]
    path, agent = f"/api/v1/tickets/{ticket_id}", {**JSON, **acme.auth()}
    r = await client.patch(path, json={"status": "bogus"}, headers=agent)
    message = await _error_message(r, 400)
    assert message.startswith("status: must be one of new, acknowledged, open"), message
    assert (await client.patch(path, json={"status": "open"}, headers=agent)).status_code == 200
    r = await client.patch(path, json={"status": "new"}, headers=agent)
    assert await _error_message(r, 409) == "status: an open ticket cannot become new"
