""" "Answered in time" reads the same on the operator's overview and on the business's own
statistics page: one measure (hub/tickets/promise.py), of the SOS that are due."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from hub.accounts.passwords import hash_password
from hub.app import Hub
from hub.clock import iso, now
from hub.installation.operators import create_operator
from tests.helpers import PASSWORD, Seeded
from tests.kit import login

OPERATOR = "club@operator.example"
CSRF = {"X-Requested-With": "sos-hub"}
# (created hours ago, answered after hours): the promise is 48 h
SEEDED = (
    (240, 2),  # answered in time
    (240, 60),  # answered late
    (120, None),  # never answered, its promise ran out
    (2, 0.5),  # answered in time, early
    (1, None),  # still within its promise: not due yet
    (1, None),  # the same
)


async def seed(client: Any, hub: Hub, acme: Seeded) -> None:
    at = now()
    for i, (hours_ago, answered_after) in enumerate(SEEDED):
        r = await client.post(
            "/api/v1/sos", json={"point": acme.point["code"], "text": f"Please look at {i}"}
        )
        assert r.status_code == 201
        created = at - timedelta(hours=hours_ago)
        answered = None if answered_after is None else created + timedelta(hours=answered_after)
        await hub.store.update(
            acme.tenant["id"],
            "tickets",
            (await r.get_json())["id"],
            {"created_at": iso(created), "first_response_at": iso(answered) if answered else None},
        )


async def test_the_operator_and_the_statistics_page_show_the_same_share_in_time(
    hub: Hub, acme: Seeded
) -> None:
    staff = hub.quart.test_client()
    await seed(staff, hub, acme)
    await create_operator(
        hub.store, email=OPERATOR, password=PASSWORD, name="Club", hash_password=hash_password
    )
    operator = hub.quart.test_client()
    r = await operator.post(
        "/api/v1/operator/auth/login", json={"email": OPERATOR, "password": PASSWORD}, headers=CSRF
    )
    assert r.status_code == 200, await r.get_data(as_text=True)
    r = await operator.get("/api/v1/operator/tenants")
    row = next(b for b in (await r.get_json())["items"] if b["slug"] == acme.tenant["slug"])
    # 6 SOS; 2 not due yet; of the 4 due, 2 answered within 48 h
    assert row["last_30_days"] == {"sos": 6, "due": 4, "answered_in_time": 2, "share_in_time": 0.5}

    overview = await (await operator.get("/operator", query_string={"lang": "en"})).get_data(
        as_text=True
    )
    shown = re.search(
        rf'data-slug="{acme.tenant["slug"]}".*?<strong>(\d+)%</strong>\s*'
        r'<span class="muted">\((\d+) of (\d+) within 48 h\)',
        overview,
        re.S,
    )
    assert shown, overview
    await login(staff, acme, "manager")
    r = await staff.get("/admin/stats", headers={"Accept-Language": "en"})
    page = await r.get_data(as_text=True)
    own = re.search(r'id="stat-sla">(\d+) / (\d+) <span class="muted">\((\d+) %\)', page)
    assert own, page
    assert (own.group(3), own.group(1), own.group(2)) == shown.groups() == ("50", "2", "4")
    assert "2 SOS still within the promise" in page
    # and an integrator reading the statistics API gets the same figures
    r = await staff.get("/api/v1/stats", headers=acme.auth("manager"))
    assert (await r.get_json())["promise"] == row["last_30_days"]
