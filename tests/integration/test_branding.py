"""The business's logo: set by a manager (API or CLI), shown on the customer pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hub.accounts.branding import MAX_LOGO_BYTES
from hub.demo import LOGO
from tests.helpers import Seeded
from tests.integration.test_cli import _env, ok_json, refused, run

PNG = LOGO.read_bytes()  # a real 96 px PNG
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


async def put_logo(client: Any, who: Seeded, body: bytes, role: str = "manager",
                   content_type: str = "image/png") -> Any:
    return await client.put("/api/v1/logo", data=body,
                            headers={**who.auth(role), "Content-Type": content_type})


async def form_page(client: Any, who: Seeded) -> str:
    r = await client.get(f"/q/{who.point['code']}")
    assert r.status_code == 200
    return str(await r.get_data(as_text=True))


def logo_src(page: str) -> str | None:
    found = re.search(r'<img class="logo" src="([^"]+)"', page)
    return found.group(1).replace("&amp;", "&") if found else None


async def test_a_manager_sets_the_logo_and_customers_see_it_on_the_form(
    client: Any, acme: Seeded
) -> None:
    assert logo_src(await form_page(client, acme)) is None  # the name alone until then
    r = await put_logo(client, acme, PNG)
    assert r.status_code == 200, await r.get_data(as_text=True)
    url = (await r.get_json())["logo_url"]
    assert url == logo_src(await form_page(client, acme))
    image = await client.get(url)
    assert image.status_code == 200 and await image.get_data() == PNG
    assert image.headers["Content-Type"] == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"  # never read as anything else
    assert "immutable" in image.headers["Cache-Control"]  # the URL changes with the image
    again = await client.get(url, headers={"If-None-Match": image.headers["ETag"]})
    assert again.status_code == 304

    r = await put_logo(client, acme, JPEG, content_type="image/jpeg")
    new_url = (await r.get_json())["logo_url"]
    assert new_url != url and logo_src(await form_page(client, acme)) == new_url
    assert (await client.get(new_url)).headers["Content-Type"] == "image/jpeg"

    assert (await client.delete("/api/v1/logo", headers=acme.auth("manager"))).status_code == 204
    assert logo_src(await form_page(client, acme)) is None
    assert (await client.get(new_url)).status_code == 404


async def test_only_small_raster_images_from_managers_of_that_business_are_taken(
    client: Any, acme: Seeded, globex: Seeded
) -> None:
    async def refused_with(r: Any, status: int, words: str) -> None:
        assert r.status_code == status
        body = await r.get_json()
        assert words in body["error"]["message"], body

    r = await put_logo(client, acme, PNG, role="agent")
    assert r.status_code == 403 and (await r.get_json())["error"]["code"] == "forbidden"
    await refused_with(await put_logo(client, acme, SVG, content_type="image/svg+xml"), 400,
                       "PNG, JPEG, WebP or GIF")
    await refused_with(await put_logo(client, acme, b""), 400, "empty")
    glued = PNG[:64] + b"<script>alert(1)</script>"  # an image header, then something else
    await refused_with(await put_logo(client, acme, glued), 400, "PNG, JPEG, WebP or GIF")
    await refused_with(await put_logo(client, acme, PNG, content_type="image/jpeg"), 400,
                       "image/png, not image/jpeg")
    big = PNG + b"\x00" * (MAX_LOGO_BYTES + 1 - len(PNG))
    await refused_with(await put_logo(client, acme, big), 400, "at most 60 KB")
    r = await client.put("/api/v1/logo", data=PNG, headers={"Content-Type": "image/png"})
    assert r.status_code == 401

    # one business's logo is its own
    assert (await put_logo(client, globex, PNG)).status_code == 200
    assert logo_src(await form_page(client, acme)) is None
    assert logo_src(await form_page(client, globex)) is not None
    r = await client.get(f"/brand/{acme.tenant['id']}/logo")
    assert r.status_code == 404


def test_the_cli_sets_and_removes_a_logo(tmp_path: Path) -> None:
    env = _env(f"sqlite:///{tmp_path / 'x.db'}")
    ok_json(run(env, "tenant", "create", "--slug", "acme", "--name", "Acme"))
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    set_ = ok_json(run(env, "tenant", "logo", "--tenant", "acme", "--file", str(logo)))
    assert set_["logo_url"].startswith("/brand/") and "?v=" in set_["logo_url"]
    assert ok_json(run(env, "tenant", "logo", "--tenant", "acme", "--remove"))["logo_url"] is None
    refused(run(env, "tenant", "logo", "--tenant", "acme", "--file", str(tmp_path / "nope.png")),
            1, "cannot read", "nope.png")
    (tmp_path / "notes.txt").write_text("hello")
    refused(run(env, "tenant", "logo", "--tenant", "acme", "--file", str(tmp_path / "notes.txt")),
            1, "PNG, JPEG, WebP or GIF")


async def test_the_kiosks_and_logo_page_is_for_managers(client: Any, acme: Seeded) -> None:
    from tests.helpers import PASSWORD

    r = await client.get("/admin/kiosks")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    for role, status in (("agent", 403), ("manager", 200)):
        r = await client.post("/api/v1/auth/login", json={
            "email": acme.users[role]["email"], "password": PASSWORD})
        assert r.status_code == 200
        page = await client.get("/admin/kiosks")
        assert page.status_code == status, role
    html = await page.get_data(as_text=True)
    assert "/static/js/admin-kiosks.js" in html and 'id="logo-file"' in html
    assert "<script>" not in html  # no inline script under the CSP
