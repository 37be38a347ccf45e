"""The set-up API on a real `sos-hub serve`: a manager sets up the business, its departments,
establishments and access points; bad input is refused naming the field and leaves nothing
behind; another business never sees or touches them; changes apply at once."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.accounts.services import create_point
from hub.ports import Store
from tests.helpers import PASSWORD, Seeded
from tests.integration.realtime_clients import HTTP_TIMEOUT, login_cookie
from tests.kit import Serve, Served, http_sos


async def _seed(store: Store, tenants: dict[str, Seeded]) -> None:
    # An older point, stored before table tents had their name.
    await create_point(store, tenants["acme"].tenant, code="acme-old", label="Old", kind="table")


SERVED = Serve(slugs=("acme", "globex"), seed=_seed)


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as client:
        yield client


def named(r: httpx.Response, status: int, field: str) -> None:
    """The answer is `status` and its message names `field` first, as the pages read it."""
    assert r.status_code == status, r.text
    message = r.json()["error"]["message"]
    assert message.startswith(f"{field}: "), message


async def codes(http: httpx.AsyncClient, who: Seeded) -> list[str]:
    r = await http.get("/api/v1/points", headers=who.auth("manager"))
    return [p["code"] for p in r.json()["items"]]


async def slugs(http: httpx.AsyncClient, who: Seeded, collection: str) -> list[str]:
    r = await http.get(f"/api/v1/{collection}", headers=who.auth("manager"))
    return [d["slug"] for d in r.json()["items"]]


# ---- The business --------------------------------------------------------------------------


async def test_a_manager_reads_and_changes_the_business_settings(
    http: httpx.AsyncClient, served: Served
) -> None:
    globex = served.globex
    r = await http.get("/api/v1/tenant", headers=globex.auth("manager"))
    assert r.status_code == 200
    before = r.json()
    assert before["name"] == "Business globex" and before["timezone"] == "Europe/Madrid"
    assert before["languages"] == ["es", "en"] and before["opening_hours"] is None
    assert (before["sla_hours"], before["onsite_minutes"]) == (48, 15)
    assert before["brand_color"].startswith("#") and before["privacy_retention_days"] == 30
    change = {
        "name": "Globex Resort",
        "languages": ["es", "en", "fr", "ca"],
        "timezone": "Atlantic/Canary",
        "sla_hours": 12,
        "onsite_minutes": 20,
        "sms_hourly_budget": 0,
        "sms_from": "Globex",
        "opening_hours": [
            {"weekdays": [1, 2, 3, 4, 5], "from": "08:00", "to": "14:00"},
            {"weekdays": [1, 2, 3, 4, 5], "from": "14:00", "to": "24:00"},
            {"weekdays": [6, 7], "from": "10:00", "to": "13:30"},
        ],
        "brand_color": "#AA3300",
        "privacy_retention_days": 7,
    }
    r = await http.patch("/api/v1/tenant", json=change, headers=globex.auth("manager"))
    assert r.status_code == 200, r.text
    after = (await http.get("/api/v1/tenant", headers=globex.auth("manager"))).json()
    assert {k: after[k] for k in change} == {**change, "brand_color": "#aa3300"}
    # null: always open again, and the hub's own SMS sender
    r = await http.patch(
        "/api/v1/tenant",
        json={"opening_hours": None, "sms_from": None},
        headers=globex.auth("admin"),
    )
    assert (r.json()["opening_hours"], r.json()["sms_from"]) == (None, None)
    assert r.json()["sla_hours"] == 12  # absent fields stay
    for method in ("GET", "PATCH"):
        r = await http.request(method, "/api/v1/tenant", json={}, headers=globex.auth("agent"))
        assert r.status_code == 403


BAD_SETTINGS = [
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"timezone": "localtime"}, "timezone"),
    (
        {
            "opening_hours": [
                {"weekdays": [1, 3], "from": "09:00", "to": "14:00"},
                {"weekdays": [3], "from": "13:00", "to": "18:00"},
            ]
        },
        "opening_hours",
    ),
    ({"opening_hours": [{"weekdays": [1], "from": "18:00", "to": "09:00"}]}, "opening_hours.0.to"),
    ({"opening_hours": [{"weekdays": [1], "from": "9:00", "to": "12:00"}]}, "opening_hours.0.from"),
    ({"opening_hours": [{"weekdays": [1], "from": "09:00", "to": "25:00"}]}, "opening_hours.0.to"),
    (
        {"opening_hours": [{"weekdays": [0], "from": "09:00", "to": "12:00"}]},
        "opening_hours.0.weekdays",
    ),
    ({"languages": ["es", "xx"]}, "languages"),
    ({"languages": ["en", "fr"]}, "languages"),  # the main language, es, would be left out
    ({"language": "fr"}, "language"),  # not one of the business's languages
    ({"sms_from": "Hotel Mirador Resort"}, "sms_from"),
    ({"sms_from": "+34 12"}, "sms_from"),
    ({"brand_color": "red"}, "brand_color"),
    ({"sla_hours": 0}, "sla_hours"),
    ({"onsite_minutes": "soon"}, "onsite_minutes"),
    ({"sms_hourly_budget": -1}, "sms_hourly_budget"),
    ({"privacy_retention_days": 5000}, "privacy_retention_days"),
    ({"name": "   "}, "name"),
]


async def test_saving_the_settings_once_ticks_the_first_run_checklist(
    http: httpx.AsyncClient, served: Served
) -> None:
    acme = served.acme
    manager = acme.auth("manager")

    async def settings_step() -> bool:
        r = await http.get("/api/v1/setup/checklist", headers=manager)
        return bool(next(s for s in r.json()["steps"] if s["key"] == "settings")["done"])

    assert not await settings_step()
    r = await http.patch("/api/v1/tenant", json={"sla_hours": 1000}, headers=manager)
    named(r, 400, "sla_hours")
    assert not await settings_step()  # a refused save saves nothing
    current = (await http.get("/api/v1/tenant", headers=manager)).json()
    r = await http.patch("/api/v1/tenant", json={"name": current["name"]}, headers=manager)
    assert r.status_code == 200, r.text
    assert await settings_step()  # saved as it was: the manager has looked and kept them


@pytest.mark.parametrize(("body", "field"), BAD_SETTINGS)
async def test_bad_settings_are_refused_naming_the_field_and_change_nothing(
    http: httpx.AsyncClient, served: Served, body: dict[str, Any], field: str
) -> None:
    acme = served.acme
    before = (await http.get("/api/v1/tenant", headers=acme.auth("manager"))).json()
    # a good change beside the bad one must not be stored either
    r = await http.patch(
        "/api/v1/tenant", json={"sla_hours": 3, **body}, headers=acme.auth("manager")
    )
    named(r, 400, field)
    assert (await http.get("/api/v1/tenant", headers=acme.auth("manager"))).json() == before


async def test_a_changed_time_zone_and_reply_promise_apply_at_once(
    http: httpx.AsyncClient, served: Served
) -> None:
    globex = served.globex
    manager = globex.auth("manager")
    await http.patch("/api/v1/tenant", json={"timezone": "Europe/Madrid"}, headers=manager)
    rule = {
        "name": "Mornings",
        "schedule": {"weekdays": [1, 2, 3, 4, 5, 6, 7], "from": "09:00", "to": "10:00"},
        "recipients": [{"channel": "email", "to": "am@globex.example", "name": "AM"}],
    }
    assert (await http.post("/api/v1/rules", json=rule, headers=manager)).status_code == 201
    probe = {"point": globex.point["code"], "text": "hola", "at": "2026-12-01T08:30:00+00:00"}
    r = await http.post("/api/v1/rules/test", json=probe, headers=manager)
    assert [x["to"] for x in r.json()["recipients"]] == ["am@globex.example"]  # 09:30 in Madrid

    r = await http.patch(
        "/api/v1/tenant",
        json={"timezone": "America/New_York", "sla_hours": 6},
        headers=manager,
    )
    assert r.status_code == 200
    r = await http.post("/api/v1/rules/test", json=probe, headers=manager)
    assert r.json()["recipients"] == []  # 03:30 in New York: the rule's hour is not yet
    stats = (await http.get("/api/v1/stats", headers=manager)).json()
    assert (stats["timezone"], stats["sla_hours"]) == ("America/New_York", 6)


# ---- Establishments and departments ----------------------------------------------------------


async def test_a_manager_names_departments_in_each_language_and_renames_them(
    http: httpx.AsyncClient, served: Served
) -> None:
    acme = served.acme
    manager = acme.auth("manager")
    body = {"name": "Recepción", "names": {"en": "Front desk"}}
    r = await http.post("/api/v1/departments", json=body, headers=manager)
    assert r.status_code == 201, r.text
    assert r.json() == {
        "slug": "recepcion",
        "name": "Recepción",
        "names": {"es": "Recepción", "en": "Front desk"},
    }
    named(await http.post("/api/v1/departments", json=body, headers=manager), 409, "slug")
    r = await http.patch(
        "/api/v1/departments/recepcion",
        json={"names": {"es": "Conserjería", "en": "Concierge"}},
        headers=manager,
    )
    assert (r.json()["name"], r.json()["names"]["en"]) == ("Conserjería", "Concierge")
    r = await http.get("/api/v1/departments", headers=acme.auth("agent"))  # agents read
    assert {"slug": "recepcion", "name": "Conserjería"}.items() <= next(
        d for d in r.json()["items"] if d["slug"] == "recepcion"
    ).items()
    bad: list[tuple[dict[str, Any], str]] = [
        ({"name": "Spa", "names": {"de": "Spa"}}, "names.de"),  # not one of acme's languages
        ({"name": "x" * 121}, "name"),
        ({"names": {"en": "Spa"}}, "name"),  # none in the main language
        ({"name": "Spa", "slug": "Not A Slug"}, "slug"),
    ]
    for body, field in bad:
        named(await http.post("/api/v1/departments", json=body, headers=manager), 400, field)
    assert "spa" not in await slugs(http, acme, "departments")
    named(
        await http.patch("/api/v1/departments/recepcion", json={"slug": "x"}, headers=manager),
        400,
        "slug",
    )
    r = await http.post("/api/v1/departments", json={"name": "Spa"}, headers=acme.auth("agent"))
    assert r.status_code == 403
    r = await http.patch("/api/v1/departments/nope", json={"name": "x"}, headers=manager)
    assert r.status_code == 404


async def test_a_place_in_use_cannot_be_deleted_until_its_points_move(
    http: httpx.AsyncClient, served: Served
) -> None:
    acme = served.acme
    manager = acme.auth("manager")
    r = await http.post(
        "/api/v1/establishments",
        json={"name": "Hotel Norte", "address": "Calle Mayor 1", "brand_color": "#123456"},
        headers=manager,
    )
    assert r.json() == {
        "slug": "hotel-norte",
        "name": "Hotel Norte",
        "brand_color": "#123456",
        "address": "Calle Mayor 1",
    }
    await http.post("/api/v1/departments", json={"name": "Piscina"}, headers=manager)
    point = {
        "code": "acme-pool",
        "label": "Piscina",
        "department": "piscina",
        "establishment": "hotel-norte",
    }
    assert (await http.post("/api/v1/points", json=point, headers=manager)).status_code == 201
    for collection, field in (("departments", "department"), ("establishments", "establishment")):
        slug = point[field]
        r = await http.delete(f"/api/v1/{collection}/{slug}", headers=manager)
        named(r, 409, field)
        assert "acme-pool" in r.json()["error"]["message"]
    r = await http.patch(
        "/api/v1/points/acme-pool",
        json={"department": None, "establishment": None},
        headers=manager,
    )
    assert (r.json()["department"], r.json()["establishment"]) == (None, None)
    for collection, slug in (("departments", "piscina"), ("establishments", "hotel-norte")):
        assert (
            await http.delete(f"/api/v1/{collection}/{slug}", headers=manager)
        ).status_code == 204
        assert slug not in await slugs(http, acme, collection)
    r = await http.patch("/api/v1/establishments/hotel-norte", json={"name": "x"}, headers=manager)
    assert r.status_code == 404


# ---- Access points -----------------------------------------------------------------------------


async def test_a_manager_creates_relabels_moves_and_retypes_a_point(
    http: httpx.AsyncClient, served: Served
) -> None:
    acme = served.acme
    manager = acme.auth("manager")
    await http.post("/api/v1/departments", json={"name": "Restaurante"}, headers=manager)
    body = {
        "code": "acme-table-7",
        "label": "Mesa 7",
        "labels": {"en": "Table 7"},
        "department": "restaurante",
        "kind": "table-tent",
    }
    r = await http.post("/api/v1/points", json=body, headers=manager)
    assert r.status_code == 201, r.text
    point = r.json()
    assert point["url"] == f"{served.url}/q/acme-table-7"
    assert {k: point[k] for k in ("code", "label", "labels", "department", "kind", "active")} == {
        "code": "acme-table-7",
        "label": "Mesa 7",
        "labels": {"es": "Mesa 7", "en": "Table 7"},
        "department": "restaurante",
        "kind": "table-tent",
        "active": True,
    }
    r = await http.patch(
        "/api/v1/points/acme-table-7",
        json={"label": "Mesa siete", "department": "bar", "kind": "coaster"},
        headers=manager,
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert (changed["label"], changed["labels"]["en"]) == ("Mesa siete", "Table 7")
    assert (changed["department"], changed["kind"]) == ("bar", "coaster")
    assert (await http.get("/api/v1/points/acme-table-7", headers=acme.auth("agent"))).json() == (
        changed
    )
    # its "Print" link on the points page prints what it now is: a coaster, in a new tab
    cookie = await login_cookie(served.url, acme.users["manager"]["email"], PASSWORD)
    page = (await http.get("/admin/points", headers={"Cookie": cookie})).text
    found = re.search(r'href="(/api/v1/points/acme-table-7/print\?[^"]+)" target="_blank"', page)
    assert found, page
    link = html.unescape(found.group(1))
    assert "format=coaster" in link
    printed = await http.get(link, headers={"Cookie": cookie})
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")
    assert "acme-table-7-coaster.pdf" in printed.headers["Content-Disposition"]
    # an older point's "table" reads as a table tent, and survives a change of label
    r = await http.patch("/api/v1/points/acme-old", json={"label": "Older"}, headers=manager)
    assert (r.json()["kind"], r.json()["label"]) == ("table-tent", "Older")
    named(
        await http.patch("/api/v1/points/acme-old", json={"code": "acme-new"}, headers=manager),
        400,
        "code",
    )


@pytest.mark.parametrize("code", ["", "a b", "x" * 41, "año", "café-1", "-lead", "a/b", "a.b"])
async def test_a_malformed_code_is_refused_naming_code(
    http: httpx.AsyncClient, served: Served, code: str
) -> None:
    r = await http.post(
        "/api/v1/points", json={"code": code, "label": "X"}, headers=served.acme.auth("manager")
    )
    named(r, 400, "code")


async def test_a_forty_character_code_is_taken_and_a_taken_code_is_a_409(
    http: httpx.AsyncClient, served: Served
) -> None:
    acme, globex = served.acme, served.globex
    longest = "A_b-" + "9" * 36
    r = await http.post(
        "/api/v1/points", json={"code": longest, "label": "Long"}, headers=acme.auth("manager")
    )
    assert r.status_code == 201, r.text
    for who, code in ((acme, longest), (globex, longest), (globex, acme.point["code"])):
        r = await http.post(
            "/api/v1/points", json={"code": code, "label": "Again"}, headers=who.auth("manager")
        )
        named(r, 409, "code")  # codes are unique across every business on the hub
    assert longest not in await codes(http, globex)


BAD_POINTS = [
    ({"label": ""}, "label"),
    ({"label": "x" * 121}, "label"),
    ({"labels": {"de": "Theke"}}, "labels.de"),
    ({"labels": {"en": "y" * 121}}, "labels.en"),
    ({"department": "no-such-department"}, "department"),
    ({"establishment": "no-such-place"}, "establishment"),
    ({"kind": "banner"}, "kind"),
]


@pytest.mark.parametrize(
    ("body", "field"), [*BAD_POINTS, ({"label": None, "labels": {"en": "English only"}}, "label")]
)
async def test_a_bad_new_point_is_refused_naming_the_field_and_leaves_nothing(
    http: httpx.AsyncClient, served: Served, body: dict[str, Any], field: str
) -> None:
    acme = served.acme
    departments = await slugs(http, acme, "departments")
    good = {"code": "acme-half", "label": "Half", "department": "bar"}
    r = await http.post("/api/v1/points", json={**good, **body}, headers=acme.auth("manager"))
    named(r, 400, field)
    assert "acme-half" not in await codes(http, acme)
    assert await slugs(http, acme, "departments") == departments  # none made on the side


@pytest.mark.parametrize(("body", "field"), BAD_POINTS)
async def test_a_bad_change_to_a_point_is_refused_naming_the_field_and_changes_nothing(
    http: httpx.AsyncClient, served: Served, body: dict[str, Any], field: str
) -> None:
    acme = served.acme
    path = f"/api/v1/points/{acme.point['code']}"
    before = (await http.get(path, headers=acme.auth("manager"))).json()
    r = await http.patch(path, json={"label": "Changed", **body}, headers=acme.auth("manager"))
    named(r, 400, field)
    assert (await http.get(path, headers=acme.auth("manager"))).json() == before


async def test_another_business_never_sees_nor_touches_a_point_and_agents_only_read(
    http: httpx.AsyncClient, served: Served
) -> None:
    acme, globex = served.acme, served.globex
    path = f"/api/v1/points/{acme.point['code']}"
    for method, body in (("GET", None), ("PATCH", {"label": "Mine now"}), ("DELETE", None)):
        r = await http.request(method, path, json=body, headers=globex.auth("manager"))
        assert r.status_code == 404, (method, r.text)
    assert acme.point["code"] not in await codes(http, globex)
    r = await http.post(
        "/api/v1/points", json={"code": "acme-agent", "label": "X"}, headers=acme.auth("agent")
    )
    assert r.status_code == 403
    for method, body in (("PATCH", {"label": "Agent's"}), ("DELETE", None)):
        r = await http.request(method, path, json=body, headers=acme.auth("agent"))
        assert r.status_code == 403
    r = await http.get("/api/v1/points", headers=acme.auth("agent"))
    assert r.status_code == 200 and acme.point["code"] in [p["code"] for p in r.json()["items"]]
    r = await http.get(path, headers=acme.auth("manager"))
    assert r.json()["label"] == "Bar terrace" and r.json()["active"] is True
    r = await http.get(f"/admin/points/{acme.point['code']}/qr.svg", headers=globex.auth("manager"))
    assert r.status_code == 404  # never another business's QR


async def test_a_deactivated_point_takes_no_sos_keeps_its_tickets_and_comes_back(
    http: httpx.AsyncClient, served: Served
) -> None:
    acme = served.acme
    manager = acme.auth("manager")
    r = await http.post(
        "/api/v1/points", json={"code": "acme-lobby", "label": "Lobby"}, headers=manager
    )
    assert r.status_code == 201
    sent = await http_sos(http, acme, "The lobby lift is stuck", point="acme-lobby")
    assert (await http.delete("/api/v1/points/acme-lobby", headers=manager)).status_code == 204
    r = await http.get("/api/v1/points/acme-lobby", headers=manager)
    assert r.json()["active"] is False
    page = await http.get("/q/acme-lobby", headers={"Accept-Language": "en"})
    assert page.status_code == 404 and "This code is not active" in page.text
    refused = await http_sos(http, acme, "Another one", point="acme-lobby", status=404)
    assert "point" in refused["error"]["message"]
    r = await http.get("/api/v1/tickets?point=acme-lobby", headers=acme.auth("agent"))
    assert [t["id"] for t in r.json()["items"]] == [sent["id"]]
    r = await http.patch("/api/v1/points/acme-lobby", json={"active": True}, headers=manager)
    assert r.json()["active"] is True
    assert (await http.get("/q/acme-lobby")).status_code == 200
    await http_sos(http, acme, "Working again", point="acme-lobby")
