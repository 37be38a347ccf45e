"""Tenant B can neither read, list, change nor count anything of tenant A, on any endpoint.

Data-driven over the app's url_map: a new /api/v1/ route without a case here fails
`test_every_staff_route_has_an_isolation_case`.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from quart.datastructures import FileStorage

from hub.accounts.services import ensure_named
from hub.app import Hub
from hub.ports import COLLECTIONS
from tests.helpers import PASSWORD, Seeded
from tests.integration.delivery_kit import quiet
from tests.kit import new_sos

ROLES = ("agent", "manager", "admin")

# Routes anyone may call: they are reached by a public secret (point code, thread token)
# or they are the login itself, so there is no "other tenant" to keep out.
PUBLIC_ROUTES = {
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/sos"),
    ("GET", "/api/v1/thread/<token>"),
    ("POST", "/api/v1/thread/<token>/messages"),
    ("POST", "/api/v1/kiosk/sos"),  # a kiosk's device token names its business
    ("POST", "/api/v1/thread/<token>/survey"),
    # the installation operator's own login: no tenant's staff can log in there
    ("POST", "/api/v1/operator/auth/login"),
    ("POST", "/api/v1/operator/auth/logout"),
    ("POST", "/api/v1/thread/<token>/attachments"),
    ("GET", "/api/v1/thread/<token>/attachments/<attachment_id>"),
}


@dataclass
class World:
    """Acme with a busy ticket, Globex with a ticket of its own, and the snapshots to compare."""

    client: Any
    hub: Hub
    acme: Seeded
    globex: Seeded
    acme_ticket: dict[str, Any]
    acme_held_id: str
    acme_rule_id: str
    acme_block_id: str
    acme_kiosk_id: str
    acme_answer_id: str
    globex_ticket_id: str
    globex_rule_id: str
    globex_block_id: str
    acme_alert_id: str = ""  # a threshold alert (hub/alerts)

    async def acme_view(self) -> Any:
        """Everything acme's own staff can read: must not change while globex tries things."""
        await quiet(self.hub)  # acme's own deliveries settle first: they change on their own
        c, auth = self.client, self.acme.auth("admin")
        views = {}
        for path in (
            f"/api/v1/tickets/{self.acme_ticket['id']}",
            f"/api/v1/tickets/{self.acme_held_id}",
            "/api/v1/tickets?limit=200",
            "/api/v1/tickets?status=quarantined",
            "/api/v1/events",
            "/api/v1/rules",
            "/api/v1/filters",
            "/api/v1/blocks",
            "/api/v1/deliveries",
            "/api/v1/points",
            "/api/v1/users",
            "/api/v1/kiosks",
            "/api/v1/tenant",
            "/api/v1/departments",
            "/api/v1/establishments",
            f"/api/v1/points/{self.acme.point['code']}",
            "/api/v1/answers",
            "/api/v1/alerts",
            "/api/v1/triage/keywords",
            "/api/v1/triage/targets",
            "/api/v1/survey",
        ):
            r = await c.get(path, headers=auth)
            assert r.status_code == 200, (path, await r.get_data(as_text=True))
            views[path] = await r.get_json()
        tid = self.acme.tenant["id"]
        counts = {coll: await self.hub.store.count(tid, coll) for coll in COLLECTIONS}
        return views, counts


ANA = {"name": "Ana", "email": "ana@example.com"}


def _rule(slug: str) -> dict[str, Any]:
    return {
        "name": f"{slug.title()} night shift",
        "match": {"points": [f"{slug}-bar"]},
        "recipients": [{"channel": "email", "to": f"night@{slug}.example", "name": "Night"}],
    }


def _alert(slug: str) -> dict[str, Any]:
    return {
        "name": f"{slug.title()} secret rush",
        "point": f"{slug}-bar",
        "count": 3,
        "minutes": 15,
        "recipients": [{"channel": "email", "to": f"rush@{slug}.example", "name": "Rush"}],
    }


ACME_SPAM = "acme secret offer"
ACME_WORD = "acme secret praise"  # a word of acme's own triage lists


def _image(kind: str, colour: tuple[int, int, int]) -> bytes:
    """A real image (logos are decoded and re-encoded, so header-only fakes are refused)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(out, kind)
    return out.getvalue()


ACME_LOGO = _image("PNG", (10, 120, 40))
ACME_PLACE = "acme-beach"  # acme's establishment, with a logo of its own
GLOBEX_LOGO = _image("GIF", (200, 20, 20))


async def _created(r: Any) -> str:
    assert r.status_code == 201, await r.get_data(as_text=True)
    return str((await r.get_json())["id"])


@pytest.fixture
async def world(client: Any, hub: Hub, acme: Seeded, globex: Seeded) -> World:
    boss = acme.auth("manager")
    acme_rule_id = await _created(
        await client.post("/api/v1/rules", json=_rule("acme"), headers=boss)
    )
    r = await client.put("/api/v1/filters", json={"spam_phrases": [ACME_SPAM]}, headers=boss)
    assert r.status_code == 200, await r.get_data(as_text=True)
    words = {"keywords": {"en": {"praise": [ACME_WORD]}}}
    r = await client.put("/api/v1/triage/keywords", json=words, headers=boss)
    assert r.status_code == 200, await r.get_data(as_text=True)
    targets = {"reply_targets": {"claim": 77}}
    r = await client.put("/api/v1/triage/targets", json=targets, headers=boss)
    assert r.status_code == 200, await r.get_data(as_text=True)
    r = await client.put(
        "/api/v1/logo", data=ACME_LOGO, headers={**boss, "Content-Type": "image/png"}
    )
    assert r.status_code == 200, await r.get_data(as_text=True)
    await ensure_named(hub.store, acme.tenant, "establishments", ACME_PLACE)
    r = await client.put(
        f"/api/v1/establishments/{ACME_PLACE}/logo",
        data=ACME_LOGO,
        headers={**boss, "Content-Type": "image/png"},
    )
    assert r.status_code == 200, await r.get_data(as_text=True)
    acme_kiosk_id = await _created(
        await client.post(
            "/api/v1/kiosks", json={"name": "Acme lobby", "point": acme.point["code"]}, headers=boss
        )
    )
    r = await client.post("/api/v1/establishments", json={"name": "Acme HQ"}, headers=boss)
    assert r.status_code == 201, await r.get_data(as_text=True)
    acme_block_id = await _created(
        await client.post(
            "/api/v1/blocks", json={"kind": "email", "value": "foe@acme-foe.example"}, headers=boss
        )
    )
    acme_answer_id = await _created(
        await client.post(
            "/api/v1/answers",
            json={"title": "Acme secret answer", "language": "es", "text": "Hola {customer_name}"},
            headers=boss,
        )
    )
    ticket = await new_sos(client, acme, "Acme secret: the sauna is broken", contact=ANA)
    await new_sos(client, acme, "Acme: a second ticket", contact=ANA)
    held = await new_sos(client, acme, f"Acme: buy now, {ACME_SPAM}!", contact=ANA)
    held_doc = await hub.store.get(acme.tenant["id"], "tickets", held["id"])
    assert held_doc is not None and held_doc["status"] == "quarantined"
    auth = acme.auth()
    r = await client.post(
        f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "On it"}, headers=auth
    )
    assert r.status_code == 201
    r = await client.post(
        f"/api/v1/tickets/{ticket['id']}/notes", json={"text": "Acme internal note"}, headers=auth
    )
    assert r.status_code == 201
    token = ticket["thread_url"].rsplit("/", 1)[1]
    r = await client.post(f"/api/v1/thread/{token}/messages", json={"text": "Thanks!"})
    assert r.status_code == 201
    r = await client.post(f"/api/v1/thread/{token}/attachments", files=_photo_file())
    assert r.status_code == 201, await r.get_data(as_text=True)
    ticket["photo_id"] = (await r.get_json())["id"]
    r = await client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"category": "complaint"}, headers=auth
    )
    assert r.status_code == 200
    globex_rule_id = await _created(
        await client.post("/api/v1/rules", json=_rule("globex"), headers=globex.auth("manager"))
    )
    globex_block_id = await _created(
        await client.post(
            "/api/v1/blocks",
            json={"kind": "phone", "value": "+34600999888"},
            headers=globex.auth("manager"),
        )
    )
    globex_ticket = await new_sos(client, globex, "Globex: the lift is stuck", contact=ANA)
    r = await client.put("/api/v1/survey", json=ACME_SURVEY, headers=boss)
    assert r.status_code == 200, await r.get_data(as_text=True)
    r = await client.post(f"/s/{acme.point['code']}", form={"rating": "bad", "q.acme-q": "acme"})
    assert r.status_code == 303, await r.get_data(as_text=True)
    acme_alert_id = await _created(
        await client.post("/api/v1/alerts", json=_alert("acme"), headers=boss)
    )
    await quiet(hub)
    return World(
        client,
        hub,
        acme,
        globex,
        ticket,
        held["id"],
        acme_rule_id,
        acme_block_id,
        acme_kiosk_id,
        acme_answer_id,
        globex_ticket["id"],
        globex_rule_id,
        globex_block_id,
        acme_alert_id,
    )


async def _items(r: Any) -> list[dict[str, Any]]:
    assert r.status_code == 200, await r.get_data(as_text=True)
    return list((await r.get_json())["items"])


async def _is_404(r: Any) -> None:
    assert r.status_code == 404, await r.get_data(as_text=True)
    body = await r.get_json()
    assert body["error"]["code"] == "not_found"
    assert "Acme" not in body["error"]["message"]


async def case_me(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    body = await (await w.client.get("/api/v1/me", headers=auth)).get_json()
    assert body["tenant"]["slug"] == "globex"
    assert body["user"]["email"].endswith("@globex.example")


async def case_me_password(w: World, role: str) -> None:
    # one's own password only: a wrong current one is refused, the right one changes globex's
    url, auth = "/api/v1/me/password", w.globex.auth(role)
    r = await w.client.post(url, json={"current": "acme-guess", "new": "whatever-9"}, headers=auth)
    assert r.status_code in (400, 403)
    for current, new in ((PASSWORD, "globex-new-9"), ("globex-new-9", PASSWORD)):
        r = await w.client.post(url, json={"current": current, "new": new}, headers=auth)
        assert r.status_code == 200, await r.get_data(as_text=True)


async def case_me_token(w: World, role: str) -> None:
    r = await w.client.post("/api/v1/me/token", headers=w.globex.auth(role))
    assert r.status_code == 200
    w.globex.tokens[role] = (await r.get_json())["api_token"]
    assert (await w.client.get("/api/v1/me", headers=w.globex.auth(role))).status_code == 200
    assert (await w.client.get("/api/v1/me", headers=w.acme.auth(role))).status_code == 200


async def case_list(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    c = w.client
    acme_code = w.acme.point["code"]
    items = await _items(await c.get("/api/v1/tickets?limit=200", headers=auth))
    assert [t["id"] for t in items] == [w.globex_ticket_id]
    assert items[0]["number"] == 1  # globex's own numbering: acme's volume does not show
    for query in (
        f"point={acme_code}",
        "q=sauna",
        "q=Acme",
        "status=new,acknowledged,open,waiting_customer,resolved,closed,quarantined",
        "department=bar&q=acme",
        "cursor=3",
    ):
        items = await _items(await c.get(f"/api/v1/tickets?{query}", headers=auth))
        assert w.acme_ticket["id"] not in [t["id"] for t in items], query
        assert all("Acme" not in t["text"] for t in items), query


async def case_detail(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    await _is_404(await w.client.get(f"/api/v1/tickets/{w.acme_ticket['id']}", headers=auth))


async def case_patch(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    c, acme_id = w.client, w.acme_ticket["id"]
    for body in (
        {"status": "acknowledged"},
        {"status": "closed"},
        {"category": "praise"},
        {"category": None},
        {"description": "globex was here"},
        {"assignee": w.globex.users["agent"]["id"]},
        {},
    ):
        await _is_404(await c.patch(f"/api/v1/tickets/{acme_id}", json=body, headers=auth))
    # and acme's staff cannot be assigned to globex's own ticket: a bad field (400), told
    # as for a user who does not exist at all
    r = await c.patch(
        f"/api/v1/tickets/{w.globex_ticket_id}",
        json={"assignee": w.acme.users["agent"]["id"]},
        headers=auth,
    )
    nobody = await c.patch(
        f"/api/v1/tickets/{w.globex_ticket_id}", json={"assignee": "no-such-user"}, headers=auth
    )
    assert r.status_code == nobody.status_code == 400, await r.get_data(as_text=True)
    assert await r.get_json() == await nobody.get_json()
    assert (await r.get_json())["error"]["message"].startswith("assignee: ")


async def case_acknowledge(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    await _is_404(
        await w.client.post(f"/api/v1/tickets/{w.acme_ticket['id']}/acknowledge", headers=auth)
    )


async def case_reply(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    await _is_404(
        await w.client.post(
            f"/api/v1/tickets/{w.acme_ticket['id']}/replies", json={"text": "hi"}, headers=auth
        )
    )


async def case_note(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    await _is_404(
        await w.client.post(
            f"/api/v1/tickets/{w.acme_ticket['id']}/notes", json={"text": "hi"}, headers=auth
        )
    )


async def case_points(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    items = await _items(await w.client.get("/api/v1/points", headers=auth))
    assert [p["code"] for p in items] == [w.globex.point["code"]]


async def case_users(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    items = await _items(await w.client.get("/api/v1/users", headers=auth))
    assert sorted(u["email"] for u in items) == sorted(f"{role}@globex.example" for role in ROLES)


async def case_user_patch(w: World, role: str) -> None:
    acme_agent = w.acme.users["agent"]["id"]
    r = await w.client.patch(
        f"/api/v1/users/{acme_agent}", json={"active": False}, headers=w.globex.auth(role)
    )
    if role != "admin":
        assert r.status_code == 403, await r.get_data(as_text=True)
        return
    await _is_404(r)


async def case_user_delete(w: World, role: str) -> None:
    acme_agent = w.acme.users["agent"]["id"]
    r = await w.client.delete(f"/api/v1/users/{acme_agent}", headers=w.globex.auth(role))
    if role != "admin":
        assert r.status_code == 403, await r.get_data(as_text=True)
        return
    await _is_404(r)


async def case_user_reset(w: World, role: str) -> None:
    acme_agent = w.acme.users["agent"]["id"]
    url = f"/api/v1/users/{acme_agent}/password-reset"
    r = await w.client.post(url, headers=w.globex.auth(role))
    if role != "admin":
        assert r.status_code == 403, await r.get_data(as_text=True)
        return
    await _is_404(r)


async def case_user_invite(w: World, role: str) -> None:
    body = {"email": "new@globex.example", "role": "admin"}
    r = await w.client.post("/api/v1/users", json=body, headers=w.globex.auth(role))
    if role != "admin":
        assert r.status_code == 403, await r.get_data(as_text=True)
        return
    assert r.status_code == 201, await r.get_data(as_text=True)
    invited = await r.get_json()
    assert await w.hub.store.get(w.globex.tenant["id"], "users", invited["id"]) is not None


async def case_me_patch(w: World, role: str) -> None:
    r = await w.client.patch("/api/v1/me", json={"name": "Globex me"}, headers=w.globex.auth(role))
    assert r.status_code == 200, await r.get_data(as_text=True)
    assert (await r.get_json())["email"].endswith("@globex.example")


async def case_events(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    body = await (await w.client.get("/api/v1/events?since=0", headers=auth)).get_json()
    tickets = {e["data"].get("id") or e["data"].get("ticket_id") for e in body["items"]}
    assert tickets == {w.globex_ticket_id}
    assert w.acme_ticket["id"] not in str(body) and "Acme" not in str(body)
    globex_seq = await w.hub.store.latest_seq(w.globex.tenant["id"])
    assert body["latest"] == globex_seq  # acme's event count does not leak


async def _manager_only(w: World, role: str, r: Any) -> bool:
    """An agent is refused before anything is looked up; True when the caller may go on."""
    if role == "agent":
        assert r.status_code == 403, await r.get_data(as_text=True)
        return False
    return True


async def case_rules_list(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/rules", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert [x["id"] for x in await _items(r)] == [w.globex_rule_id]


async def case_rules_create(w: World, role: str) -> None:
    # a rule naming acme's point is refused as a point globex does not have: in no book
    books = [await w.hub.store.count(t.tenant["id"], "rules") for t in (w.acme, w.globex)]
    r = await w.client.post("/api/v1/rules", json=_rule("acme"), headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert r.status_code == 400
        assert (await r.get_json())["error"]["message"].startswith("match.points: ")
        assert [
            await w.hub.store.count(t.tenant["id"], "rules") for t in (w.acme, w.globex)
        ] == books
        r = await w.client.post("/api/v1/rules", json=_rule("globex"), headers=w.globex.auth(role))
        assert r.status_code == 201
        rule_id = (await r.get_json())["id"]
        assert await w.hub.store.get(w.globex.tenant["id"], "rules", rule_id) is not None


async def case_rule_get(w: World, role: str) -> None:
    r = await w.client.get(f"/api/v1/rules/{w.acme_rule_id}", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        await _is_404(r)


async def case_rule_put(w: World, role: str) -> None:
    r = await w.client.put(
        f"/api/v1/rules/{w.acme_rule_id}", json=_rule("globex"), headers=w.globex.auth(role)
    )
    if await _manager_only(w, role, r):
        await _is_404(r)


async def case_rule_delete(w: World, role: str) -> None:
    r = await w.client.delete(f"/api/v1/rules/{w.acme_rule_id}", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        await _is_404(r)


async def case_rules_test(w: World, role: str) -> None:
    r = await w.client.post(
        "/api/v1/rules/test",
        json={"point": w.acme.point["code"], "text": "sauna"},
        headers=w.globex.auth(role),
    )
    if await _manager_only(w, role, r):
        await _is_404(r)


async def case_filters_get(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/filters", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert r.status_code == 200
        assert ACME_SPAM not in str(await r.get_json())


async def case_filters_put(w: World, role: str) -> None:
    r = await w.client.put(
        "/api/v1/filters", json={"spam_phrases": ["globex only"]}, headers=w.globex.auth(role)
    )
    if await _manager_only(w, role, r):
        assert r.status_code == 200
        assert (await r.get_json())["spam_phrases"] == ["globex only"]


async def case_filters_test(w: World, role: str) -> None:
    r = await w.client.post(
        "/api/v1/filters/test", json={"text": f"Hello, {ACME_SPAM}"}, headers=w.globex.auth(role)
    )
    if await _manager_only(w, role, r):
        assert r.status_code == 200
        body = await r.get_json()
        assert body["reason"] is None, body  # acme's phrase is acme's alone


async def case_triage_keywords_get(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/triage/keywords", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert r.status_code == 200
        assert ACME_WORD not in str(await r.get_json())


async def case_triage_keywords_put(w: World, role: str) -> None:
    words = {"keywords": {"es": {"claim": ["globex only"]}}}
    r = await w.client.put("/api/v1/triage/keywords", json=words, headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert r.status_code == 200
        assert (await r.get_json())["keywords"] == words["keywords"]


async def case_triage_test(w: World, role: str) -> None:
    r = await w.client.post(
        "/api/v1/triage/test", json={"text": ACME_WORD}, headers=w.globex.auth(role)
    )
    if await _manager_only(w, role, r):
        assert r.status_code == 200
        assert (await r.get_json())["suggested_category"] is None  # acme's word is acme's alone


async def case_triage_targets_get(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/triage/targets", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert r.status_code == 200
        assert (await r.get_json())["effective"]["claim"] != 77


async def case_triage_targets_put(w: World, role: str) -> None:
    targets = {"reply_targets": {"praise": 99}}
    r = await w.client.put("/api/v1/triage/targets", json=targets, headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert r.status_code == 200
        assert (await r.get_json())["reply_targets"] == {"praise": 99}


async def case_blocks_list(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/blocks", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert [b["id"] for b in await _items(r)] == [w.globex_block_id]


async def case_blocks_create(w: World, role: str) -> None:
    r = await w.client.post(
        "/api/v1/blocks",
        json={"kind": "email", "value": "ana@example.com"},
        headers=w.globex.auth(role),
    )
    if await _manager_only(w, role, r):
        block_id = await _created(r)
        assert await w.hub.store.get(w.globex.tenant["id"], "blocks", block_id) is not None


async def case_block_delete(w: World, role: str) -> None:
    r = await w.client.delete(f"/api/v1/blocks/{w.acme_block_id}", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        await _is_404(r)


async def case_ticket_block(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    await _is_404(
        await w.client.post(
            f"/api/v1/tickets/{w.acme_ticket['id']}/block", json={"by": ["email"]}, headers=auth
        )
    )


async def case_release(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    await _is_404(await w.client.post(f"/api/v1/tickets/{w.acme_held_id}/release", headers=auth))
    r = await w.client.get("/api/v1/tickets?status=quarantined", headers=auth)
    assert await _items(r) == []


async def case_floods(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/floods", headers=w.globex.auth(role))
    assert r.status_code == 200 and await r.get_json() == {"held": 0, "items": []}


async def case_flood_count(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/floods/count", headers=w.globex.auth(role))
    assert r.status_code == 200 and await r.get_json() == {"held": 0}


async def case_flood_release(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    r = await w.client.post(f"/api/v1/floods/{w.acme_held_id}/release", headers=auth)
    if await _manager_only(w, role, r):
        await _is_404(r)


async def case_deliveries(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    r = await w.client.get("/api/v1/deliveries", headers=auth)
    if await _manager_only(w, role, r):
        items = await _items(r)
        assert all(i["ticket_id"] == w.globex_ticket_id for i in items), items
        assert "acme" not in str(items)
        await _is_404(
            await w.client.get(f"/api/v1/deliveries?ticket={w.acme_ticket['id']}", headers=auth)
        )


async def _acme_logo(w: World) -> bytes:
    r = await w.client.get(f"/brand/{w.acme.tenant['id']}/logo")
    assert r.status_code == 200
    return bytes(await r.get_data())


async def case_logo_put(w: World, role: str) -> None:
    before = await _acme_logo(w)
    r = await w.client.put(
        "/api/v1/logo",
        data=GLOBEX_LOGO,
        headers={**w.globex.auth(role), "Content-Type": "image/gif"},
    )
    if await _manager_only(w, role, r):
        assert r.status_code == 200
        assert w.globex.tenant["id"] in (await r.get_json())["logo_url"]
    assert await _acme_logo(w) == before


async def case_logo_delete(w: World, role: str) -> None:
    before = await _acme_logo(w)
    r = await w.client.delete("/api/v1/logo", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert r.status_code == 204
    assert await _acme_logo(w) == before


async def _acme_place_logo(w: World) -> bytes:
    r = await w.client.get(f"/brand/{w.acme.tenant['id']}/establishments/{ACME_PLACE}/logo")
    assert r.status_code == 200
    return bytes(await r.get_data())


async def case_place_logo_put(w: World, role: str) -> None:
    before = await _acme_place_logo(w)
    r = await w.client.put(
        f"/api/v1/establishments/{ACME_PLACE}/logo",
        data=GLOBEX_LOGO,
        headers={**w.globex.auth(role), "Content-Type": "image/gif"},
    )
    if await _manager_only(w, role, r):
        await _is_404(r)  # globex has no such establishment
    assert await _acme_place_logo(w) == before


async def case_place_logo_delete(w: World, role: str) -> None:
    before = await _acme_place_logo(w)
    r = await w.client.delete(
        f"/api/v1/establishments/{ACME_PLACE}/logo", headers=w.globex.auth(role)
    )
    if await _manager_only(w, role, r):
        await _is_404(r)
    assert await _acme_place_logo(w) == before


async def _acme_point_printed(w: World) -> bool:
    point = await w.hub.accounts.point(w.acme.tenant["id"], w.acme.point["code"])
    return bool(point and point.get("printed_at"))


async def case_print_point(w: World, role: str) -> None:
    code = w.acme.point["code"]
    r = await w.client.get(f"/api/v1/points/{code}/print", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        await _is_404(r)
    assert not await _acme_point_printed(w)


async def case_print_points(w: World, role: str) -> None:
    code = w.acme.point["code"]
    r = await w.client.get(f"/api/v1/print?points={code}", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        await _is_404(r)
    assert not await _acme_point_printed(w)


async def case_stats(w: World, role: str) -> None:
    r = await w.client.get(
        "/api/v1/stats", query_string={"by": "point"}, headers=w.globex.auth(role)
    )
    if await _manager_only(w, role, r):
        assert r.status_code == 200
        body = await r.get_json()
        assert [g["key"] for g in body["groups"]] == [w.globex.point["code"]]
        assert body["overall"]["count"] == 1 and body["held_back"] == 0  # acme's held one not
        for by in ("agent", "weekday_hour", "month"):  # the store's own groupings
            r = await w.client.get(
                "/api/v1/stats", query_string={"by": by}, headers=w.globex.auth(role)
            )
            body = await r.get_json()
            assert body["overall"]["count"] == 1 and sum(g["count"] for g in body["groups"]) == 1


async def case_kiosks_list(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/kiosks", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert await _items(r) == []


async def case_kiosk_statuses(w: World, role: str) -> None:
    """Every staff role reads its own kiosks' health, never another business's."""
    r = await w.client.get("/api/v1/kiosks/status", headers=w.globex.auth(role))
    assert r.status_code == 200
    assert await _items(r) == []  # acme's kiosk is not globex's to watch


async def case_kiosks_create(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    r = await w.client.post(
        "/api/v1/kiosks", headers=auth, json={"name": "Into acme", "point": w.acme.point["code"]}
    )
    if await _manager_only(w, role, r):
        assert r.status_code == 400  # acme's access point is not globex's to use
        r = await w.client.post(
            "/api/v1/kiosks",
            headers=auth,
            json={"name": "Globex hall", "point": w.globex.point["code"]},
        )
        kiosk_id = await _created(r)
        assert await w.hub.store.get(w.globex.tenant["id"], "kiosks", kiosk_id) is not None


async def case_kiosk_patch(w: World, role: str) -> None:
    r = await w.client.patch(
        f"/api/v1/kiosks/{w.acme_kiosk_id}", json={"name": "Mine now"}, headers=w.globex.auth(role)
    )
    if await _manager_only(w, role, r):
        await _is_404(r)


async def case_kiosk_delete(w: World, role: str) -> None:
    r = await w.client.delete(f"/api/v1/kiosks/{w.acme_kiosk_id}", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        await _is_404(r)


async def case_answers_list(w: World, role: str) -> None:
    items = await _items(await w.client.get("/api/v1/answers", headers=w.globex.auth(role)))
    assert w.acme_answer_id not in str(items) and "Acme" not in str(items)


async def case_answers_create(w: World, role: str) -> None:
    body = {"title": "Globex answer", "language": "en", "text": "Hi"}
    r = await w.client.post("/api/v1/answers", json=body, headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        answer_id = await _created(r)
        assert await w.hub.store.get(w.globex.tenant["id"], "answers", answer_id) is not None


async def case_answer_put(w: World, role: str) -> None:
    body = {"title": "Mine now", "language": "en", "text": "Hi"}
    r = await w.client.put(
        f"/api/v1/answers/{w.acme_answer_id}", json=body, headers=w.globex.auth(role)
    )
    if await _manager_only(w, role, r):
        await _is_404(r)


async def case_answer_delete(w: World, role: str) -> None:
    r = await w.client.delete(f"/api/v1/answers/{w.acme_answer_id}", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        await _is_404(r)


async def case_ticket_answers(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    await _is_404(
        await w.client.get(f"/api/v1/tickets/{w.acme_ticket['id']}/answers", headers=auth)
    )
    r = await w.client.get(f"/api/v1/tickets/{w.globex_ticket_id}/answers", headers=auth)
    assert "Acme" not in str(await _items(r))


async def case_alerts_list(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/alerts", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert await _items(r) == []


async def case_alerts_create(w: World, role: str) -> None:
    # globex cannot watch acme's point: an unknown point to globex
    r = await w.client.post("/api/v1/alerts", json=_alert("acme"), headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert r.status_code == 400 and "point" in (await r.get_json())["error"]["message"]
        r = await w.client.post(
            "/api/v1/alerts", json=_alert("globex"), headers=w.globex.auth(role)
        )
        alert_id = await _created(r)
        assert await w.hub.store.get(w.globex.tenant["id"], "alerts", alert_id) is not None


async def case_alert_get(w: World, role: str) -> None:
    r = await w.client.get(f"/api/v1/alerts/{w.acme_alert_id}", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        await _is_404(r)


async def case_alert_put(w: World, role: str) -> None:
    r = await w.client.put(
        f"/api/v1/alerts/{w.acme_alert_id}", json=_alert("globex"), headers=w.globex.auth(role)
    )
    if await _manager_only(w, role, r):
        await _is_404(r)


async def case_alert_delete(w: World, role: str) -> None:
    r = await w.client.delete(f"/api/v1/alerts/{w.acme_alert_id}", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        await _is_404(r)


async def case_warning(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    await _is_404(
        await w.client.post(
            f"/api/v1/tickets/{w.acme_held_id}/warning", json={"text": "hi"}, headers=auth
        )
    )


async def case_etiquette_stats(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/stats/etiquette", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert r.status_code == 200
        body = await r.get_json()
        assert body["agents"] == [] and body["overall"]["replies"] == 0  # acme's reply not


def _photo_file() -> dict[str, FileStorage]:
    return {"file": FileStorage(io.BytesIO(ACME_LOGO), filename="p.png", content_type="image/png")}


async def case_photo_upload(w: World, role: str) -> None:
    r = await w.client.post(
        f"/api/v1/tickets/{w.acme_ticket['id']}/attachments",
        files=_photo_file(),
        headers=w.globex.auth(role),
    )
    await _is_404(r)


async def case_photo_get(w: World, role: str) -> None:
    photo = w.acme_ticket["photo_id"]
    for ticket_id in (w.acme_ticket["id"], w.globex_ticket_id):  # nor through its own ticket
        for size in ("", "?size=thumb"):
            path = f"/api/v1/tickets/{ticket_id}/attachments/{photo}{size}"
            await _is_404(await w.client.get(path, headers=w.globex.auth(role)))


CASES: dict[tuple[str, str], Callable[[World, str], Awaitable[None]]] = {
    ("GET", "/api/v1/me"): case_me,
    ("POST", "/api/v1/me/password"): case_me_password,
    ("POST", "/api/v1/me/token"): case_me_token,
    ("GET", "/api/v1/tickets"): case_list,
    ("GET", "/api/v1/tickets/<ticket_id>"): case_detail,
    ("PATCH", "/api/v1/tickets/<ticket_id>"): case_patch,
    ("POST", "/api/v1/tickets/<ticket_id>/acknowledge"): case_acknowledge,
    ("POST", "/api/v1/tickets/<ticket_id>/replies"): case_reply,
    ("POST", "/api/v1/tickets/<ticket_id>/notes"): case_note,
    ("GET", "/api/v1/points"): case_points,
    ("GET", "/api/v1/users"): case_users,
    ("PATCH", "/api/v1/users/<user_id>"): case_user_patch,
    ("DELETE", "/api/v1/users/<user_id>"): case_user_delete,
    ("POST", "/api/v1/users/<user_id>/password-reset"): case_user_reset,
    ("POST", "/api/v1/users"): case_user_invite,
    ("PATCH", "/api/v1/me"): case_me_patch,
    ("GET", "/api/v1/events"): case_events,
    ("GET", "/api/v1/rules"): case_rules_list,
    ("POST", "/api/v1/rules"): case_rules_create,
    ("GET", "/api/v1/rules/<rule_id>"): case_rule_get,
    ("PUT", "/api/v1/rules/<rule_id>"): case_rule_put,
    ("DELETE", "/api/v1/rules/<rule_id>"): case_rule_delete,
    ("POST", "/api/v1/rules/test"): case_rules_test,
    ("GET", "/api/v1/filters"): case_filters_get,
    ("PUT", "/api/v1/filters"): case_filters_put,
    ("POST", "/api/v1/filters/test"): case_filters_test,
    ("GET", "/api/v1/triage/keywords"): case_triage_keywords_get,
    ("PUT", "/api/v1/triage/keywords"): case_triage_keywords_put,
    ("POST", "/api/v1/triage/test"): case_triage_test,
    ("GET", "/api/v1/triage/targets"): case_triage_targets_get,
    ("PUT", "/api/v1/triage/targets"): case_triage_targets_put,
    ("GET", "/api/v1/blocks"): case_blocks_list,
    ("POST", "/api/v1/blocks"): case_blocks_create,
    ("DELETE", "/api/v1/blocks/<block_id>"): case_block_delete,
    ("POST", "/api/v1/tickets/<ticket_id>/block"): case_ticket_block,
    ("POST", "/api/v1/tickets/<ticket_id>/release"): case_release,
    ("GET", "/api/v1/floods"): case_floods,
    ("GET", "/api/v1/floods/count"): case_flood_count,
    ("POST", "/api/v1/floods/<ticket_id>/release"): case_flood_release,
    ("GET", "/api/v1/deliveries"): case_deliveries,
    ("PUT", "/api/v1/logo"): case_logo_put,
    ("DELETE", "/api/v1/logo"): case_logo_delete,
    ("PUT", "/api/v1/establishments/<slug>/logo"): case_place_logo_put,
    ("DELETE", "/api/v1/establishments/<slug>/logo"): case_place_logo_delete,
    ("GET", "/api/v1/points/<code>/print"): case_print_point,
    ("GET", "/api/v1/print"): case_print_points,
    ("GET", "/api/v1/stats"): case_stats,
    ("GET", "/api/v1/kiosks"): case_kiosks_list,
    ("GET", "/api/v1/kiosks/status"): case_kiosk_statuses,
    ("POST", "/api/v1/kiosks"): case_kiosks_create,
    ("PATCH", "/api/v1/kiosks/<kiosk_id>"): case_kiosk_patch,
    ("DELETE", "/api/v1/kiosks/<kiosk_id>"): case_kiosk_delete,
    ("GET", "/api/v1/answers"): case_answers_list,
    ("POST", "/api/v1/answers"): case_answers_create,
    ("PUT", "/api/v1/answers/<answer_id>"): case_answer_put,
    ("DELETE", "/api/v1/answers/<answer_id>"): case_answer_delete,
    ("GET", "/api/v1/tickets/<ticket_id>/answers"): case_ticket_answers,
    ("GET", "/api/v1/alerts"): case_alerts_list,
    ("POST", "/api/v1/alerts"): case_alerts_create,
    ("GET", "/api/v1/alerts/<alert_id>"): case_alert_get,
    ("PUT", "/api/v1/alerts/<alert_id>"): case_alert_put,
    ("DELETE", "/api/v1/alerts/<alert_id>"): case_alert_delete,
    ("POST", "/api/v1/tickets/<ticket_id>/warning"): case_warning,
    ("GET", "/api/v1/stats/etiquette"): case_etiquette_stats,
    ("POST", "/api/v1/tickets/<ticket_id>/attachments"): case_photo_upload,
    ("GET", "/api/v1/tickets/<ticket_id>/attachments/<attachment_id>"): case_photo_get,
}


async def case_checklist(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/setup/checklist", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        body = await r.get_json()
        sos = next(s for s in body["steps"] if s["key"] == "sos")
        assert sos["done"] and sos["url"].endswith(f"/q/{w.globex.point['code']}")
        assert "acme" not in str(body)


async def case_operator_tenants(w: World, role: str) -> None:
    """The operator's routes are not any staff member's: a business's admin gets 401."""
    auth = {**w.globex.auth(role), "X-Requested-With": "sos-hub"}
    r = await w.client.get("/api/v1/operator/tenants", headers=auth)
    assert r.status_code == 401, await r.get_data(as_text=True)
    body = {"name": "X", "slug": "x-globex", "admin_email": "x@globex-new.example"}
    r = await w.client.post("/api/v1/operator/tenants", json=body, headers=auth)
    assert r.status_code == 401, await r.get_data(as_text=True)


async def case_operator_suspend(w: World, role: str) -> None:
    auth = {**w.globex.auth(role), "X-Requested-With": "sos-hub"}
    r = await w.client.patch(
        "/api/v1/operator/tenants/acme", json={"suspended": True}, headers=auth
    )
    assert r.status_code == 401, await r.get_data(as_text=True)


CASES[("GET", "/api/v1/setup/checklist")] = case_checklist
CASES[("GET", "/api/v1/operator/tenants")] = case_operator_tenants
CASES[("POST", "/api/v1/operator/tenants")] = case_operator_tenants
CASES[("PATCH", "/api/v1/operator/tenants/<slug>")] = case_operator_suspend
# ---- Set-up: the business, its places and points (hub/routes/setup.py) --------------------


async def case_tenant_get(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/tenant", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert (await r.get_json())["slug"] == "globex"


async def case_tenant_patch(w: World, role: str) -> None:
    body = {"name": "Globex renamed", "sla_hours": 5, "timezone": "Asia/Tokyo"}
    r = await w.client.patch("/api/v1/tenant", json=body, headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert (await r.get_json())["slug"] == "globex"  # its own, whatever it sends


async def case_places_list(w: World, role: str) -> None:
    for collection, globex_has in (("departments", ["bar"]), ("establishments", [])):
        items = await _items(
            await w.client.get(f"/api/v1/{collection}", headers=w.globex.auth(role))
        )
        assert [d["slug"] for d in items] == globex_has


def _case_place_create(collection: str) -> Callable[[World, str], Awaitable[None]]:
    async def case(w: World, role: str) -> None:
        # a slug acme uses is free in globex: slugs are per business, so nothing leaks
        r = await w.client.post(
            f"/api/v1/{collection}", json={"name": "Acme HQ"}, headers=w.globex.auth(role)
        )
        if await _manager_only(w, role, r):
            assert r.status_code == 201, await r.get_data(as_text=True)

    return case


async def case_place_patch(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    r = await w.client.patch("/api/v1/establishments/acme-hq", json={"name": "X"}, headers=auth)
    if await _manager_only(w, role, r):
        await _is_404(r)
        # both have a "bar": globex renames its own
        r = await w.client.patch("/api/v1/departments/bar", json={"name": "Barra"}, headers=auth)
        assert r.status_code == 200 and (await r.get_json())["name"] == "Barra"


async def case_place_delete(w: World, role: str) -> None:
    auth = w.globex.auth(role)
    r = await w.client.delete("/api/v1/establishments/acme-hq", headers=auth)
    if await _manager_only(w, role, r):
        await _is_404(r)
        r = await w.client.delete("/api/v1/departments/bar", headers=auth)
        assert r.status_code == 409  # globex's own bar, used by its own point


async def case_point_get(w: World, role: str) -> None:
    r = await w.client.get(f"/api/v1/points/{w.acme.point['code']}", headers=w.globex.auth(role))
    await _is_404(r)


async def case_point_patch(w: World, role: str) -> None:
    r = await w.client.patch(
        f"/api/v1/points/{w.acme.point['code']}",
        json={"label": "Mine now", "active": False},
        headers=w.globex.auth(role),
    )
    if await _manager_only(w, role, r):
        await _is_404(r)


async def case_point_delete(w: World, role: str) -> None:
    r = await w.client.delete(f"/api/v1/points/{w.acme.point['code']}", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        await _is_404(r)


async def case_points_create(w: World, role: str) -> None:
    r = await w.client.post(
        "/api/v1/points",
        json={"code": w.acme.point["code"], "label": "Taken", "department": "bar"},
        headers=w.globex.auth(role),
    )
    if await _manager_only(w, role, r):
        assert r.status_code == 409  # codes are global: taken, and nothing more is told
        assert "Bar terrace" not in await r.get_data(as_text=True)


SETUP_CASES: dict[tuple[str, str], Callable[[World, str], Awaitable[None]]] = {
    ("GET", "/api/v1/tenant"): case_tenant_get,
    ("PATCH", "/api/v1/tenant"): case_tenant_patch,
    ("GET", "/api/v1/establishments"): case_places_list,
    ("GET", "/api/v1/departments"): case_places_list,
    ("POST", "/api/v1/establishments"): _case_place_create("establishments"),
    ("POST", "/api/v1/departments"): _case_place_create("departments"),
    ("PATCH", "/api/v1/establishments/<slug>"): case_place_patch,
    ("PATCH", "/api/v1/departments/<slug>"): case_place_patch,
    ("DELETE", "/api/v1/establishments/<slug>"): case_place_delete,
    ("DELETE", "/api/v1/departments/<slug>"): case_place_delete,
    ("POST", "/api/v1/points"): case_points_create,
    ("GET", "/api/v1/points/<code>"): case_point_get,
    ("PATCH", "/api/v1/points/<code>"): case_point_patch,
    ("DELETE", "/api/v1/points/<code>"): case_point_delete,
}
CASES.update(SETUP_CASES)

# The survey (hub/routes/surveys.py): acme's questions and answers are acme's alone.
ACME_SURVEY = {
    "active": True,
    "questions": [{"id": "acme-q", "kind": "text", "text": {"es": "Acme's own question"}}],
}


async def case_survey_get(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/survey", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert r.status_code == 200
        assert (await r.get_json())["questions"] == []


async def case_survey_put(w: World, role: str) -> None:
    body = {"questions": [{"id": "acme-q", "kind": "rating4", "text": {"es": "Globex"}}]}
    r = await w.client.put("/api/v1/survey", json=body, headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert r.status_code == 200  # globex's own survey; acme's view is compared after
        assert (await r.get_json())["questions"][0]["text"] == {"es": "Globex"}


async def case_survey_results(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/survey/results", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        assert r.status_code == 200
        body = await r.get_json()
        assert body["count"] == 0 and body["points"] == [] and "acme" not in str(body)
        r = await w.client.get(
            "/api/v1/survey/results",
            query_string={"point": w.acme.point["code"]},
            headers=w.globex.auth(role),
        )
        assert r.status_code == 400 and "Bar terrace" not in await r.get_data(as_text=True)


CASES.update(
    {
        ("GET", "/api/v1/survey"): case_survey_get,
        ("PUT", "/api/v1/survey"): case_survey_put,
        ("GET", "/api/v1/survey/results"): case_survey_results,
    }
)


def _api_routes(hub: Hub) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in hub.quart.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in (rule.methods or ())
        if method not in ("HEAD", "OPTIONS")
    }


def test_every_staff_route_has_an_isolation_case(hub: Hub) -> None:
    routes = _api_routes(hub)
    assert routes >= PUBLIC_ROUTES, PUBLIC_ROUTES - routes
    assert routes - PUBLIC_ROUTES == set(CASES)


async def test_every_staff_route_answers_401_without_credentials(hub: Hub, world: World) -> None:
    for method, rule in sorted(CASES):
        path = rule.replace("<ticket_id>", world.acme_ticket["id"])
        path = path.replace("<rule_id>", world.acme_rule_id)
        path = path.replace("<block_id>", world.acme_block_id)
        path = path.replace("<kiosk_id>", world.acme_kiosk_id)
        path = path.replace("<slug>", world.acme.slug)
        path = path.replace("<answer_id>", world.acme_answer_id)
        path = path.replace("<alert_id>", world.acme_alert_id)
        r = await world.client.open(path, method=method, json={"text": "x"})
        assert r.status_code == 401, (method, rule)


@pytest.mark.parametrize("role", ROLES)
async def test_another_tenant_cannot_reach_acme_through_any_staff_route(
    world: World, role: str
) -> None:
    # one world per role, every route tried in turn (a world per route costs minutes)
    before = await world.acme_view()
    for route in sorted(CASES):
        try:
            await CASES[route](world, role)
        except AssertionError as exc:
            raise AssertionError(f"{route} as globex {role}: {exc}") from exc
        assert await world.acme_view() == before, f"{route} as globex {role} changed acme"


async def test_another_tenant_logged_in_by_cookie_is_kept_out_too(world: World) -> None:
    c = world.client
    r = await c.post(
        "/api/v1/auth/login", json={"email": "admin@globex.example", "password": PASSWORD}
    )
    assert r.status_code == 200
    before = await world.acme_view()
    csrf = {"X-Requested-With": "sos-hub"}
    acme_id = world.acme_ticket["id"]
    await _is_404(await c.get(f"/api/v1/tickets/{acme_id}"))
    url = f"/api/v1/tickets/{acme_id}"
    await _is_404(await c.patch(url, json={"status": "closed"}, headers=csrf))
    await _is_404(await c.post(f"{url}/replies", json={"text": "x"}, headers=csrf))
    items = await _items(await c.get("/api/v1/tickets"))
    assert [t["id"] for t in items] == [world.globex_ticket_id]
    assert await world.acme_view() == before


# ---- Exports and what customers say (hub/routes/exports.py) --------------------------------


async def case_export_tickets(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/export/tickets.csv", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        text = (await r.get_data()).decode("utf-8-sig")
        assert w.globex_ticket_id in text and "Globex: the lift" in text
        assert w.acme_ticket["id"] not in text and "Acme" not in text and "sauna" not in text
    r = await w.client.get(
        "/api/v1/export/tickets.csv",
        query_string={"status": "quarantined"},
        headers=w.globex.auth(role),
    )
    if role != "agent":
        assert w.acme_held_id not in (await r.get_data()).decode("utf-8-sig")


async def case_export_surveys(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/export/surveys.csv", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        lines = (await r.get_data()).decode("utf-8-sig").splitlines()
        assert len(lines) == 1  # the header: globex's ticket has no survey answer


async def case_words(w: World, role: str) -> None:
    r = await w.client.get("/api/v1/stats/words", headers=w.globex.auth(role))
    if await _manager_only(w, role, r):
        body = await r.get_json()
        said = {x["text"] for x in body["words"]}
        assert "lift" in said and "sauna" not in said and body["tickets"] == 1


CASES[("GET", "/api/v1/export/tickets.csv")] = case_export_tickets
CASES[("GET", "/api/v1/export/surveys.csv")] = case_export_surveys
CASES[("GET", "/api/v1/stats/words")] = case_words


async def case_monthly_report(w: World, role: str) -> None:
    import asyncio
    import subprocess

    from hub.clock import now

    month = now().strftime("%Y-%m")
    r = await w.client.get(
        "/api/v1/reports/monthly.pdf", query_string={"month": month}, headers=w.globex.auth(role)
    )
    if await _manager_only(w, role, r):
        assert r.status_code == 200, await r.get_data(as_text=True)
        done = await asyncio.to_thread(
            subprocess.run,
            ["pdftotext", "-", "-"],
            input=await r.get_data(),
            capture_output=True,
            check=True,
        )
        text = done.stdout.decode()
        assert "lift" in text and "sauna" not in text.lower() and "acme" not in text.lower()


CASES[("GET", "/api/v1/reports/monthly.pdf")] = case_monthly_report
