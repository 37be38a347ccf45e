"""A real `sos-hub serve` process detects an SOS's language in its detector child.

The other served hubs of the suite start without detection (tests.helpers.HubProcess: its
models cost 3.5 s of CPU per process); this one proves the whole path in a real process:
the child loads its models, and the SOS a guest wrote in French is stored as French.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.kit import Serve, Served, http_sos

pytestmark = pytest.mark.slow

SERVED = Serve(envs=({"HUB_LANGUAGE_DETECTION": "on"},))


async def test_a_served_hub_stores_the_language_a_guest_wrote_in(served: Served) -> None:
    acme = served.acme
    text = "Bonjour, il n'y a plus de serviettes dans la salle de bain de la chambre douze"
    sos = await http_sos(served.url, acme, text)
    async with httpx.AsyncClient(base_url=served.url, timeout=10) as http:
        deadline = time.monotonic() + 30  # the first SOS may come before the models load
        while True:
            r = await http.get(f"/api/v1/tickets/{sos['id']}", headers=acme.auth())
            assert r.status_code == 200, r.text
            if r.json().get("language") == "fr":
                break
            assert time.monotonic() < deadline, r.json()
            await asyncio.sleep(0.1)  # polling a condition with a deadline
