"""A forged `Host` header never sends a browser elsewhere (issue 10).

Every redirect the hub answers is relative, or built from HUB_PUBLIC_URL; werkzeug builds
its own redirects (merging `//` in a path) from the request's Host, which anyone can set.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from hub.app import Hub
from tests.helpers import PASSWORD, Seeded, form_login

EVIL = "evil.example"


def assert_stays_home(response: Any, hub: Hub) -> str:
    """The redirect's target is this hub: a path here, or under HUB_PUBLIC_URL."""
    assert response.status_code in (301, 302, 303, 307, 308), response.status_code
    location = str(response.headers["Location"])
    assert EVIL not in location
    target = urlsplit(location)
    if target.netloc or target.scheme:
        assert location.startswith(hub.settings.public_url.rstrip("/") + "/"), location
    else:
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    return location


@pytest.mark.parametrize(
    ("path", "lands_on"),
    [
        ("/", "/console"),
        ("/console", "/login"),
        ("/admin/filters", "/login"),
        ("/admin//filters", "/admin/filters"),
        ("/api//v1/me", "/api/v1/me"),
        ("/q//acme-bar", "/q/acme-bar"),
        ("//console", "/login"),
    ],
)
async def test_a_forged_host_header_never_appears_in_a_redirect(
    hub: Hub, acme: Seeded, path: str, lands_on: str
) -> None:
    client = hub.quart.test_client()
    r = await client.get(path, headers={"Host": EVIL})
    location = assert_stays_home(r, hub)
    assert urlsplit(location).path.startswith(lands_on)


async def test_the_forms_see_other_answers_stay_on_the_hub_whatever_the_host(
    hub: Hub, acme: Seeded
) -> None:
    client = hub.quart.test_client()
    r = await client.post(
        f"/q/{acme.point['code']}", form={"text": "The lift is stuck"}, headers={"Host": EVIL}
    )
    assert "/t/" in assert_stays_home(r, hub)
    r = await form_login(
        client, {"email": "agent@acme.example", "password": PASSWORD}, headers={"Host": EVIL}
    )
    assert_stays_home(r, hub)
