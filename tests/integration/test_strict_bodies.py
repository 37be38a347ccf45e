"""Every JSON write of the API refuses what it does not take, on a real `sos-hub serve`.

CONTRACT.md: "Every body is validated: a bad field is a 400 that names it". A misspelled
field (`{"stauts": "open"}`) was dropped and answered 200, so the caller believed a change
that never happened; a yes/no field read "no" as false and switched a colleague off; an
unknown assignee was a 404, as if the ticket in the path were missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.helpers import PASSWORD
from tests.integration.realtime_clients import HTTP_TIMEOUT
from tests.kit import Served, live_sos


@dataclass(frozen=True)
class World:
    """Real objects of `acme` for the paths to name, made once for the module."""

    http: httpx.Client
    ids: dict[str, str]
    auth: dict[str, dict[str, str]]

    def path(self, template: str) -> str:
        return template.format(**self.ids)


def _made(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


@pytest.fixture(scope="module")
def world(served: Served) -> Iterator[World]:
    acme = served.acme
    admin = acme.auth("admin")
    with httpx.Client(base_url=served.url, timeout=HTTP_TIMEOUT) as http:
        sent = live_sos(served.url, acme, "The shower is cold", anonymous=True)
        user = _made(
            http.post(
                "/api/v1/users", json={"email": "x@acme.example", "role": "agent"}, headers=admin
            )
        )
        recipient = {"channel": "email", "to": "night@acme.example"}
        rule = _made(http.post("/api/v1/rules", json={"name": "Night"}, headers=admin))
        alert = _made(
            http.post(
                "/api/v1/alerts",
                json={"count": 3, "minutes": 10, "recipients": [recipient]},
                headers=admin,
            )
        )
        answer = _made(
            http.post(
                "/api/v1/answers",
                json={"title": "Thanks", "language": "es", "text": "Gracias"},
                headers=admin,
            )
        )
        kiosk = _made(
            http.post(
                "/api/v1/kiosks", json={"name": "Lobby", "point": acme.point["code"]}, headers=admin
            )
        )
        department = _made(http.post("/api/v1/departments", json={"name": "Spa"}, headers=admin))
        place = _made(http.post("/api/v1/establishments", json={"name": "Annex"}, headers=admin))
        ids = {
            "ticket": str(sent["id"]),
            "token": str(sent["token"]),
            "code": str(acme.point["code"]),
            "user": str(user["id"]),
            "rule": str(rule["id"]),
            "alert": str(alert["id"]),
            "answer": str(answer["id"]),
            "kiosk": str(kiosk["id"]),
            "department": str(department["slug"]),
            "establishment": str(place["slug"]),
        }
        auth = {
            "admin": admin,
            "agent": acme.auth("agent"),
            "device": {"Authorization": f"Bearer {kiosk['device_token']}"},
            "nobody": {},
        }
        yield World(http, ids, auth)


RECIPIENT = {"channel": "email", "to": "night@acme.example"}

# (who, method, path, a body the endpoint would take, plus one field it does not know).
# Each body is valid but for that field: without the check each answered 200 or 201.
UNKNOWN: list[tuple[str, str, str, dict[str, Any]]] = [
    ("nobody", "POST", "/api/v1/sos", {"point": "acme-bar", "text": "Hi", "anonymous": True}),
    ("nobody", "POST", "/api/v1/thread/{token}/messages", {"text": "Still cold"}),
    ("nobody", "POST", "/api/v1/thread/{token}/survey", {"rating": "good"}),
    ("nobody", "POST", "/api/v1/auth/login", {"email": "agent@acme.example", "password": "x"}),
    ("nobody", "POST", "/api/v1/operator/auth/login", {"email": "op@x.example", "password": "x"}),
    ("device", "POST", "/api/v1/kiosk/sos", {"text": "Help at the lobby", "anonymous": True}),
    ("agent", "PATCH", "/api/v1/me", {"name": "Agent acme"}),
    ("agent", "POST", "/api/v1/me/password", {"current": "not-it", "new": "x" * 12}),
    ("agent", "POST", "/api/v1/me/token", {}),
    ("agent", "PATCH", "/api/v1/tickets/{ticket}", {"status": "acknowledged"}),
    ("agent", "POST", "/api/v1/tickets/{ticket}/acknowledge", {}),
    ("agent", "POST", "/api/v1/tickets/{ticket}/replies", {"text": "On our way"}),
    ("agent", "POST", "/api/v1/tickets/{ticket}/notes", {"text": "Room 12"}),
    ("agent", "POST", "/api/v1/tickets/{ticket}/warning", {"text": "Please stop"}),
    ("agent", "POST", "/api/v1/tickets/{ticket}/block", {"by": ["device"]}),
    ("agent", "POST", "/api/v1/tickets/{ticket}/release", {}),
    ("admin", "POST", "/api/v1/floods/{ticket}/release", {}),
    ("admin", "PATCH", "/api/v1/tenant", {"timezone": "Europe/Madrid"}),
    ("admin", "POST", "/api/v1/points", {"code": "new-point", "label": "New"}),
    ("admin", "PATCH", "/api/v1/points/{code}", {"label": "Terrace"}),
    ("admin", "POST", "/api/v1/departments", {"name": "Kitchen"}),
    ("admin", "PATCH", "/api/v1/departments/{department}", {"name": "Spa & pool"}),
    ("admin", "POST", "/api/v1/establishments", {"name": "Beach club"}),
    ("admin", "PATCH", "/api/v1/establishments/{establishment}", {"name": "Annex B"}),
    ("admin", "POST", "/api/v1/users", {"email": "y@acme.example", "role": "agent"}),
    ("admin", "PATCH", "/api/v1/users/{user}", {"name": "Xavi"}),
    ("admin", "POST", "/api/v1/users/{user}/password-reset", {}),
    ("admin", "POST", "/api/v1/answers", {"title": "Hi", "language": "es", "text": "Hola"}),
    ("admin", "PUT", "/api/v1/answers/{answer}", {"title": "Hi", "language": "es", "text": "Hola"}),
    ("admin", "POST", "/api/v1/rules", {"name": "Day"}),
    ("admin", "PUT", "/api/v1/rules/{rule}", {"name": "Day"}),
    ("admin", "POST", "/api/v1/rules/test", {"point": "acme-bar", "text": "Hi"}),
    ("admin", "POST", "/api/v1/alerts", {"count": 3, "minutes": 5, "recipients": [RECIPIENT]}),
    (
        "admin",
        "PUT",
        "/api/v1/alerts/{alert}",
        {"count": 3, "minutes": 5, "recipients": [RECIPIENT]},
    ),
    ("admin", "PUT", "/api/v1/filters", {"repeat_window_minutes": 10}),
    ("admin", "POST", "/api/v1/filters/test", {"text": "Hello"}),
    ("admin", "POST", "/api/v1/blocks", {"kind": "email", "value": "spam@x.example"}),
    ("admin", "PUT", "/api/v1/triage/keywords", {"keywords": {}}),
    ("admin", "POST", "/api/v1/triage/test", {"text": "The shower is cold"}),
    ("admin", "PUT", "/api/v1/triage/targets", {"reply_targets": {}}),
    ("admin", "PUT", "/api/v1/survey", {"questions": []}),
    ("admin", "POST", "/api/v1/kiosks", {"name": "Pool", "point": "acme-bar"}),
    ("admin", "PATCH", "/api/v1/kiosks/{kiosk}", {"name": "Lobby 2"}),
]


def _refused(r: httpx.Response, field: str) -> None:
    """400 `invalid`, its message naming `field` first (as the pages read it)."""
    assert r.status_code == 400, (r.status_code, r.text)
    error = r.json()["error"]
    assert error["code"] == "invalid", error
    assert error["message"].startswith(f"{field}: "), error["message"]


@pytest.mark.parametrize(
    ("who", "method", "path", "body"),
    UNKNOWN,
    ids=[f"{method} {path}" for _, method, path, _ in UNKNOWN],
)
def test_an_unknown_field_is_a_400_naming_it(
    world: World, who: str, method: str, path: str, body: dict[str, Any]
) -> None:
    r = world.http.request(
        method, world.path(path), json={**body, "bogus": 1}, headers=world.auth[who]
    )
    _refused(r, "bogus")


def test_a_misspelled_field_changes_nothing_and_says_which(world: World) -> None:
    admin, agent = world.auth["admin"], world.auth["agent"]
    ticket = world.path("/api/v1/tickets/{ticket}")
    point = world.path("/api/v1/points/{code}")
    _refused(world.http.patch(ticket, json={"stauts": "open"}, headers=agent), "stauts")
    _refused(world.http.patch("/api/v1/tenant", json={"timezon": "UTC"}, headers=admin), "timezon")
    _refused(world.http.patch(point, json={"lable": "x"}, headers=admin), "lable")
    assert world.http.get(ticket, headers=agent).json()["status"] != "open"
    assert world.http.get("/api/v1/tenant", headers=admin).json()["timezone"] == "Europe/Madrid"
    assert world.http.get(point, headers=admin).json()["label"] != "x"


# (who, method, path, a valid body, the yes/no field, a value that only looks like one)
FLAGS: list[tuple[str, str, str, dict[str, Any], str, Any]] = [
    ("nobody", "POST", "/api/v1/sos", {"point": "acme-bar", "text": "Hi"}, "anonymous", "yes"),
    ("device", "POST", "/api/v1/kiosk/sos", {"text": "Hi there"}, "anonymous", "true"),
    ("admin", "PATCH", "/api/v1/users/{user}", {}, "active", "no"),
    ("admin", "PATCH", "/api/v1/points/{code}", {}, "active", 1),
    ("admin", "PATCH", "/api/v1/kiosks/{kiosk}", {}, "allow_anonymous", "false"),
    ("admin", "POST", "/api/v1/rules", {"name": "Flag"}, "active", "on"),
    ("admin", "PUT", "/api/v1/filters", {}, "mask_for_agents", 0),
    ("agent", "POST", "/api/v1/tickets/{ticket}/block", {"by": ["device"]}, "network", "no"),
]


@pytest.mark.parametrize(
    ("who", "method", "path", "body", "field", "value"),
    FLAGS,
    ids=[f"{method} {path} {field}={value!r}" for _, method, path, _, field, value in FLAGS],
)
def test_a_yes_no_field_takes_only_true_or_false(
    world: World, who: str, method: str, path: str, body: dict[str, Any], field: str, value: Any
) -> None:
    r = world.http.request(
        method, world.path(path), json={**body, field: value}, headers=world.auth[who]
    )
    _refused(r, field)


def test_a_colleague_is_not_switched_off_by_a_no_in_words(world: World) -> None:
    admin = world.auth["admin"]
    path = world.path("/api/v1/users/{user}")
    _refused(world.http.patch(path, json={"active": "no"}, headers=admin), "active")
    users = world.http.get("/api/v1/users", headers=admin).json()["items"]
    assert [u["active"] for u in users if u["id"] == world.ids["user"]] == [True]


def test_an_assignee_who_is_nobody_is_a_bad_field_not_a_missing_ticket(world: World) -> None:
    r = world.http.patch(
        world.path("/api/v1/tickets/{ticket}"),
        json={"assignee": "nobody"},
        headers=world.auth["agent"],
    )
    _refused(r, "assignee")


def test_the_rules_dry_run_needs_the_text_the_contract_lists(world: World) -> None:
    admin = world.auth["admin"]
    r = world.http.post("/api/v1/rules/test", json={"point": "acme-bar"}, headers=admin)
    _refused(r, "text")
    r = world.http.post("/api/v1/rules/test", json={"point": "acme-bar", "text": ""}, headers=admin)
    assert r.status_code == 200, r.text  # the page's dry run of a place and a time alone


def test_a_write_that_takes_no_body_still_takes_an_empty_one(world: World) -> None:
    """What the pages send (`{}`), JSON null and no body at all are all fine."""
    agent = world.auth["agent"]
    path = world.path("/api/v1/tickets/{ticket}/acknowledge")
    assert world.http.post(path, json={}, headers=agent).status_code == 200
    assert world.http.post(path, json=None, headers=agent).status_code == 200
    assert world.http.post(path, headers=agent).status_code == 200
    r = world.http.post(path, content=b"", headers={**agent, "Content-Type": "application/json"})
    assert r.status_code == 200, r.text


def test_the_login_still_works_with_exactly_its_fields(world: World) -> None:
    r = world.http.post(
        "/api/v1/auth/login", json={"email": "agent@acme.example", "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
