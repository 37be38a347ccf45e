"""Staff pages: one decorator (hub/routes/pages.py) decides who may see them."""

from __future__ import annotations

from typing import Any

from tests.helpers import Seeded

STAFF_PAGES = {
    "/admin/rules": "manager",
    "/admin/stats": "manager",
    "/admin/kiosks": "manager",
    "/admin/filters": "manager",
    "/admin/triage": "manager",
    "/admin/deliveries": "manager",
    "/admin/start": "manager",
    "/held-back": "agent",
}


async def test_staff_pages_send_strangers_to_login_and_back(client: Any, acme: Seeded) -> None:
    for path in STAFF_PAGES:
        r = await client.get(path)
        assert r.status_code in (302, 303), path
        assert r.headers["Location"] == f"/login?next={path}", path


async def test_staff_pages_refuse_a_lower_role_with_a_page_and_serve_the_right_one(
    client: Any, acme: Seeded
) -> None:
    for path, role in STAFF_PAGES.items():
        for who in ("agent", "manager", "admin"):
            r = await client.get(path, headers=acme.auth(who))
            allowed = who != "agent" or role == "agent"
            assert r.status_code == (200 if allowed else 403), (path, who)
            assert "text/html" in r.headers["Content-Type"], (path, who)
            page = (await r.get_data()).decode()
            if allowed:
                assert acme.tenant["name"] in page, (path, who)
            else:
                assert "This page is for managers." in page, (path, who)
