"""A flood holds back every guest on one network: the business's consoles are told, live.

The managers' e-mail reaches nobody on shift; the consoles of THAT business (never another's)
hear `floods.held` with how many SOS wait as a flood, at each held SOS and each release, and a
console that was away reads the same count from GET /api/v1/floods when it comes back.
Real `sos-hub serve` with rate limits on (the flood budget comes with them), real socket.io
clients; every SOS comes from this machine's one address, like a hotel's guests.
"""

from __future__ import annotations

import httpx

from hub.moderation.floods import FLOOD_LIMIT
from tests.helpers import Seeded
from tests.integration.realtime_clients import HTTP_TIMEOUT, Console
from tests.kit import Serve, Served, http_sos

SERVED = Serve(slugs=("acme", "globex"), envs=({"HUB_RATE_LIMITS": "on"},))
WITHIN = 20.0  # seconds; a busy 2-core machine runs other suites at once


async def console(served: Served, seeded: Seeded, role: str) -> Console:
    return await Console(served.url, auth={"token": seeded.tokens[role]}).connect()


def counts(c: Console) -> list[int]:
    return [data["count"] for data in c.events("floods.held")]


async def waits_for_count(c: Console, count: int) -> None:
    """Until the console's latest flood notice says `count`."""
    await c.wait_for(lambda: counts(c)[-1:] == [count], WITHIN, f"{count} held as a flood")


async def held_count(http: httpx.AsyncClient, seeded: Seeded, role: str) -> int:
    r = await http.get("/api/v1/floods", headers={"Authorization": f"Bearer {seeded.tokens[role]}"})
    assert r.status_code == 200, r.text
    return int(r.json()["held"])


async def test_the_business_consoles_hear_how_many_sos_wait_as_a_flood_and_no_one_else(
    served: Served, consoles: list[Console]
) -> None:
    acme, globex = served.acme, served.globex
    agent, manager, other = (
        await console(served, acme, "agent"),
        await console(served, acme, "manager"),
        await console(served, globex, "admin"),
    )
    consoles.extend([agent, manager, other])
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as http:
        for _ in range(FLOOD_LIMIT):  # a busy evening: each a new phone, all one address
            await http_sos(http, acme, device=None)
        assert counts(agent) == [] and await held_count(http, acme, "agent") == 0
        held = [await http_sos(http, acme, device=None) for _ in range(4)]
        for c in (agent, manager):  # every role that can release them (one at a time)
            await waits_for_count(c, 4)
        assert counts(agent) == [1, 2, 3, 4]
        # a console that was away reads the count when it comes back
        assert await held_count(http, acme, "agent") == 4
        # another business hears nothing of it (its own SOS arrive after acme's notices)
        mine = await http_sos(http, globex, device=None)
        await other.wait_for(
            lambda: any(t["id"] == mine["id"] for t in other.events("ticket.created")),
            WITHIN,
            "globex's own SOS",
        )
        assert counts(other) == [] and await held_count(http, globex, "admin") == 0
        # releasing one, moving one back to new, closing one, then the network's rest: the
        # count goes to 0
        auth = {"Authorization": f"Bearer {acme.tokens['agent']}"}
        r = await http.post(f"/api/v1/tickets/{held[0]['id']}/release", headers=auth)
        assert r.status_code == 200, r.text
        await waits_for_count(agent, 3)
        r = await http.patch(
            f"/api/v1/tickets/{held[1]['id']}", json={"status": "new"}, headers=auth
        )
        assert r.status_code == 200, r.text
        await waits_for_count(agent, 2)
        r = await http.patch(
            f"/api/v1/tickets/{held[2]['id']}", json={"status": "closed"}, headers=auth
        )
        assert r.status_code == 200, r.text
        await waits_for_count(agent, 1)
        boss = {"Authorization": f"Bearer {acme.tokens['manager']}"}  # a whole network
        r = await http.post(f"/api/v1/floods/{held[3]['id']}/release", headers=boss)
        assert r.status_code == 200 and r.json()["count"] == 1, r.text
        await waits_for_count(manager, 0)
        assert await held_count(http, acme, "manager") == 0
    assert counts(other) == []
