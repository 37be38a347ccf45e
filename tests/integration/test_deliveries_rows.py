"""The deliveries page reads plainly: a recipient with no name shows their address once,
and each row's link to the rest of its SOS's deliveries says what it does (real `serve`)."""

from __future__ import annotations

import asyncio
import re
import time

import httpx

from tests.integration.realtime_clients import HTTP_TIMEOUT
from tests.kit import Served, http_sos

WITHIN = 20.0


async def test_a_recipient_without_a_name_is_shown_once_and_the_link_says_what_it_shows(
    served: Served,
) -> None:
    acme = served.acme
    auth = acme.auth("manager")
    rule = {
        "name": "Sala",
        "recipients": [{"channel": "email", "to": "luis@sabores.example", "language": "es"}],
    }
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as http:
        r = await http.post("/api/v1/rules", json=rule, headers=auth)
        assert r.status_code == 201, r.text
        sos = await http_sos(http, acme, "La mesa 2 espera la cuenta", device=None)
        deadline = time.monotonic() + WITHIN
        while time.monotonic() < deadline:  # settled (skipped: this hub sends nothing)
            items = (await http.get(f"/api/v1/deliveries?ticket={sos['id']}", headers=auth)).json()
            if items["items"] and items["items"][0]["status"] != "pending":
                break
            await asyncio.sleep(0.1)
        [item] = items["items"]
        page = (await http.get("/admin/deliveries?lang=es", headers=auth)).text
    row = re.search(rf'<tr[^>]*id="d-{item["id"]}".*?</tr>', page, re.S)
    assert row is not None
    cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(0)))
    assert cells.count("luis@sabores.example") == 1, cells
    assert "correo: luis@sabores.example (es)" in cells
    link = re.search(r'<a class="small" href="/admin/deliveries\?ticket=[^"]+">([^<]+)</a>', row[0])
    assert link is not None and link[1] == "Todos los envíos de este SOS"
