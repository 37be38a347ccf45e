"""A real `sos-hub serve` process detects an SOS's language in its detector child.

The other served hubs of the suite start without detection (tests.helpers.HubProcess: its
models cost 3.5 s of CPU per process); this one proves the whole path in a real process:
the child loads its models, and the SOS a guest wrote in French is stored as French.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from tests.kit import Serve, Served, http_sos

pytestmark = pytest.mark.slow

SERVED = Serve(envs=({"HUB_LANGUAGE_DETECTION": "on"},))


async def test_a_served_hub_stores_the_language_a_guest_wrote_in(served: Served) -> None:
    acme = served.acme
    text = "Bonjour, il n'y a plus de serviettes dans la salle de bain de la chambre douze"
    # An SOS that comes before the child has loaded its models (3.5 s of CPU at the lowest
    # priority: longer on a busy machine) goes in without a language, by design; so a guest
    # writes again until the models are in, and that SOS must be stored as French.
    async with httpx.AsyncClient(base_url=served.url, timeout=10) as http:
        deadline = time.monotonic() + 120
        languages: list[str | None] = []
        while True:
            sos = await http_sos(served.url, acme, f"{text} ({len(languages) + 1})", device=None)
            language = await _stored_language(http, acme, sos["id"], wait=10)
            languages.append(language)
            if language == "fr":
                break
            assert time.monotonic() < deadline, languages
    assert set(languages) <= {"fr", None}, languages  # never another language


async def _stored_language(http: httpx.AsyncClient, acme: Any, ticket_id: str, wait: float) -> Any:
    """The ticket's language once set, or None when `wait` s pass without one."""
    until = time.monotonic() + wait
    while True:
        r = await http.get(f"/api/v1/tickets/{ticket_id}", headers=acme.auth())
        assert r.status_code == 200, r.text
        if r.json().get("language") or time.monotonic() > until:
            return r.json().get("language")
        await asyncio.sleep(0.1)  # polling a condition with a deadline
