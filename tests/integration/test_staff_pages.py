"""Staff pages: one decorator (hub/routes/pages.py) decides who may see them."""

from __future__ import annotations

import re
from typing import Any

import pytest

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
                # in the user's own language (acme's staff speak Spanish), as their pages
                assert "Esta página es para responsables." in page, (path, who)


async def test_the_login_page_names_the_product_and_switches_language_and_a_404_leads_back(
    client: Any,
) -> None:
    r = await client.get("/login?lang=es&next=/admin/stats")
    page = (await r.get_data()).decode()
    assert '<p class="product">SOS hub</p>' in page and "Acceso del personal" in page
    assert 'href="/login?lang=en&amp;next=%2Fadmin%2Fstats">English</a>' in page
    assert '<span lang="es" aria-current="true">Español</span>' in page
    # each language the staff pages speak, in its own words (no bare codes such as "gl")
    assert ">Galego</a>" in page and ">Català</a>" in page and ">gl</a>" not in page
    r = await client.get("/login?lang=gl")
    assert "Acceso do persoal" in (await r.get_data()).decode()
    r = await client.get("/login?lang=en")
    assert "Staff login" in (await r.get_data()).decode()
    r = await client.get("/no/such/page?lang=es")
    assert r.status_code == 404
    page = (await r.get_data()).decode()
    assert '<a class="button" id="way-back" href="/">Ir a la página de inicio</a>' in page


async def test_rules_and_alerts_offer_every_customer_language_by_its_own_name(
    client: Any, acme: Seeded
) -> None:
    """A rule can match a French SOS, and a recipient can read their alert in Italian."""
    for path in ("/admin/rules", "/admin/alerts"):
        r = await client.get(path, headers=acme.auth("manager"))
        page = (await r.get_data()).decode()
        for code, name in (("fr", "Français"), ("it", "Italiano"), ("gl", "Galego")):
            # the recipient row's language, by name (no bare codes)
            assert f'<option value="{code}" lang="{code}">{name}</option>' in page, (path, code)
    r = await client.get("/admin/rules", headers=acme.auth("manager"))
    page = (await r.get_data()).decode()
    assert 'name="languages" value="pt"> Português</label>' in page


async def test_a_manager_refused_an_admin_page_reads_why_in_spanish_and_finds_the_console(
    client: Any, acme: Seeded
) -> None:
    r = await client.get("/admin/users?lang=es", headers=acme.auth("manager"))
    assert r.status_code == 403
    page = (await r.get_data()).decode()
    assert "No puedes abrir esta página" in page
    assert "Esta página es para administradores." in page
    assert "pide acceso a un administrador" in page
    assert '<a class="button" id="way-back" href="/console">Volver a la consola</a>' in page
    # a permission is not a hiccup, and no English is left on the page
    assert "Inténtalo de nuevo" not in page
    assert "This page is for" not in page and "administrator" not in page


@pytest.mark.parametrize(("lang", "agent"), [("es", "Agente"), ("ca", "Agent"), ("gl", "Axente")])
async def test_the_agent_role_is_named_as_a_role_not_as_the_statistics_column(
    client: Any, acme: Seeded, lang: str, agent: str
) -> None:
    r = await client.get(f"/admin/users?lang={lang}", headers=acme.auth("admin"))
    page = (await r.get_data()).decode()
    assert f'<option value="agent" selected>{agent}</option>' in page
    assert ">Persona<" not in page and ">Persoa<" not in page


@pytest.mark.parametrize(
    ("lang", "ask"),
    [
        ("gl", "Só un administrador pode convidar compañeiros: pídello ao teu."),
        ("ca", "Només un administrador pot convidar companys: demana-ho al teu."),
    ],
)
async def test_the_setup_checklist_leads_a_manager_to_no_page_they_cannot_open(
    client: Any, acme: Seeded, lang: str, ask: str
) -> None:
    """Inviting is the admins': a manager reads whom to ask, and follows no dead link."""
    r = await client.get(f"/admin/start?lang={lang}", headers=acme.auth("manager"))
    assert r.status_code == 200
    page = (await r.get_data()).decode()
    assert ask in page
    assert 'href="/admin/users"' not in page
    for href in sorted(set(re.findall(r'href="(/[^"#]*)', page))):
        opened = await client.get(href, headers=acme.auth("manager"))
        assert opened.status_code != 403, href
    # the step still counts for them as for the admin (acme has its colleagues), and the
    # admin keeps the button
    mine = await (
        await client.get("/api/v1/setup/checklist", headers=acme.auth("manager"))
    ).get_json()
    theirs = await (
        await client.get("/api/v1/setup/checklist", headers=acme.auth("admin"))
    ).get_json()
    step = {s["key"]: s for s in mine["steps"]}["staff"]
    assert step == {"key": "staff", "done": True, "url": None, "warning": None}
    assert {s["key"]: s for s in theirs["steps"]}["staff"]["url"] == "/admin/users"
    assert (mine["done"], mine["total"]) == (theirs["done"], theirs["total"])
    r = await client.get(f"/admin/start?lang={lang}", headers=acme.auth("admin"))
    page = (await r.get_data()).decode()
    assert 'href="/admin/users" data-url' in page and ask not in page
