"""The business's logo: set by a manager (API or CLI), shown on the customer pages."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path
from typing import Any

from PIL import Image

from hub.accounts.branding import MAX_LOGO_BYTES
from hub.demo import LOGO
from tests.helpers import Seeded
from tests.integration.test_cli import PUBLIC_URL, _env, ok_json, refused, run

PNG = LOGO.read_bytes()  # a real 96 px PNG
PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"


def _jpeg(**options: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 32), (200, 30, 30)).save(out, "JPEG", **options)
    return out.getvalue()


def _pixels(content: bytes) -> tuple[tuple[int, int], bytes]:
    with Image.open(io.BytesIO(content)) as image:
        return image.size, image.convert("RGBA").tobytes()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_with_chunk(kind: bytes, data: bytes) -> bytes:
    """The demo PNG with one more chunk right after its header (IHDR)."""
    end_of_ihdr = 8 + 4 + 4 + 13 + 4
    return PNG[:end_of_ihdr] + _png_chunk(kind, data) + PNG[end_of_ihdr:]


JPEG = _jpeg()
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


async def put_logo(
    client: Any, who: Seeded, body: bytes, role: str = "manager", content_type: str = "image/png"
) -> Any:
    return await client.put(
        "/api/v1/logo", data=body, headers={**who.auth(role), "Content-Type": content_type}
    )


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
    # absolute, as every URL the API answers (CONTRACT.md); the page loads it by its path
    assert url == f"http://hub.test{logo_src(await form_page(client, acme))}"
    image = await client.get(url)
    assert image.status_code == 200
    assert _pixels(await image.get_data()) == _pixels(PNG)  # re-encoded: the same picture
    assert image.headers["Content-Type"] == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"  # never read as anything else
    assert "immutable" in image.headers["Cache-Control"]  # the URL changes with the image
    again = await client.get(url, headers={"If-None-Match": image.headers["ETag"]})
    assert again.status_code == 304

    r = await put_logo(client, acme, JPEG, content_type="image/jpeg")
    new_url = (await r.get_json())["logo_url"]
    assert new_url != url and f"http://hub.test{logo_src(await form_page(client, acme))}" == new_url
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
    await refused_with(
        await put_logo(client, acme, SVG, content_type="image/svg+xml"),
        400,
        "PNG, JPEG, WebP or GIF",
    )
    await refused_with(await put_logo(client, acme, b""), 400, "empty")
    glued = PNG[:64] + b"<script>alert(1)</script>"  # an image header, then something else
    await refused_with(await put_logo(client, acme, glued), 400, "PNG, JPEG, WebP or GIF")
    await refused_with(
        await put_logo(client, acme, PNG, content_type="image/jpeg"),
        400,
        "image/png, not image/jpeg",
    )
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
    # absolute under HUB_PUBLIC_URL, as the API answers it (CONTRACT.md)
    assert set_["logo_url"].startswith(f"{PUBLIC_URL}/brand/"), set_["logo_url"]
    assert "?v=" in set_["logo_url"]
    assert ok_json(run(env, "tenant", "logo", "--tenant", "acme", "--remove"))["logo_url"] is None
    refused(
        run(env, "tenant", "logo", "--tenant", "acme", "--file", str(tmp_path / "nope.png")),
        1,
        "cannot read",
        "nope.png",
    )
    (tmp_path / "notes.txt").write_text("hello")
    refused(
        run(env, "tenant", "logo", "--tenant", "acme", "--file", str(tmp_path / "notes.txt")),
        1,
        "PNG, JPEG, WebP or GIF",
    )


async def test_the_kiosks_and_logo_page_is_for_managers(client: Any, acme: Seeded) -> None:
    from tests.helpers import PASSWORD

    r = await client.get("/admin/kiosks")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    for role, status in (("agent", 403), ("manager", 200)):
        r = await client.post(
            "/api/v1/auth/login", json={"email": acme.users[role]["email"], "password": PASSWORD}
        )
        assert r.status_code == 200
        page = await client.get("/admin/kiosks")
        assert page.status_code == status, role
    html = await page.get_data(as_text=True)
    assert "/static/js/admin-kiosks.js" in html and 'id="logo-file"' in html
    assert "<script>" not in html  # no inline script under the CSP


async def _served(client: Any, r: Any) -> bytes:
    assert r.status_code == 200, await r.get_data(as_text=True)
    image = await client.get((await r.get_json())["logo_url"])
    assert image.status_code == 200
    return bytes(await image.get_data())


async def test_html_hidden_in_a_png_chunk_is_never_served_back(client: Any, acme: Seeded) -> None:
    polyglot = _png_with_chunk(b"tEXt", b"Comment\x00" + PAYLOAD)
    assert _pixels(polyglot) == _pixels(PNG)  # a valid image that also carries a page
    served = await _served(client, await put_logo(client, acme, polyglot))
    assert b"<script" not in served and b"<html" not in served
    assert _pixels(served) == _pixels(PNG)


async def test_a_png_with_a_page_or_a_zip_after_its_end_is_refused_or_served_without_it(
    client: Any, acme: Seeded
) -> None:
    zipped = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("index.html", PAYLOAD)
    for tail in (PAYLOAD, zipped.getvalue()):
        r = await put_logo(client, acme, PNG + tail)
        if r.status_code == 400:
            assert "logo" in (await r.get_json())["error"]["message"]
            continue
        served = await _served(client, r)
        assert b"<script" not in served and b"PK\x03\x04" not in served


async def test_a_jpeg_comment_carrying_script_is_not_served_back(client: Any, acme: Seeded) -> None:
    polyglot = _jpeg(comment=PAYLOAD)
    assert PAYLOAD in polyglot
    r = await put_logo(client, acme, polyglot, content_type="image/jpeg")
    assert b"<script" not in await _served(client, r)


async def test_a_photo_with_gps_in_its_exif_is_served_without_exif(
    client: Any, acme: Seeded
) -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x8825] = {1: "N", 2: (40.0, 25.0, 12.5), 3: "W", 4: (3.0, 42.0, 7.0)}  # GPS
    photo = _jpeg(exif=exif.tobytes())
    with Image.open(io.BytesIO(photo)) as image:
        assert image.getexif().get_ifd(0x8825)  # the upload does carry a position
    served = await _served(client, await put_logo(client, acme, photo, content_type="image/jpeg"))
    with Image.open(io.BytesIO(served)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info
    assert b"Exif" not in served and b"PhoneMaker" not in served


async def test_what_does_not_decode_as_an_image_is_400_naming_the_logo(
    client: Any, acme: Seeded
) -> None:
    fake_png = b"\x89PNG\r\n\x1a\n" + PAYLOAD + b"IEND\xaeB`\x82"  # right both ends, no image
    fake_jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"
    for body, kind in (
        (fake_png, "image/png"),
        (fake_jpeg, "image/jpeg"),
        (b"just some notes", "image/png"),
        (PAYLOAD, "text/html"),
    ):
        r = await put_logo(client, acme, body, content_type=kind)
        assert r.status_code == 400, body
        error = (await r.get_json())["error"]
        assert error["code"] == "invalid"
        assert "logo" in error["message"]


async def test_a_small_file_claiming_a_huge_image_is_refused_before_it_is_decoded(
    client: Any, acme: Seeded
) -> None:
    ihdr = PNG[16:29]
    for side in (5_000, 12_000, 40_000):  # ours, Pillow's warning, Pillow's refusal
        huge = struct.pack(">II", side, side) + ihdr[8:]
        bomb = PNG[:8] + _png_chunk(b"IHDR", huge) + PNG[33:]
        r = await put_logo(client, acme, bomb)
        assert r.status_code == 400, side
        assert "pixels" in (await r.get_json())["error"]["message"], side


async def test_the_demo_logo_is_stored_as_the_same_picture(hub: Any, acme: Seeded) -> None:
    from hub.accounts.branding import get_logo, set_logo

    await set_logo(hub.store, acme.tenant, PNG)
    logo = await get_logo(hub.store, acme.tenant["id"])
    assert logo is not None and logo.content_type == "image/png"
    assert _pixels(logo.content) == _pixels(PNG)
    assert len(logo.content) <= MAX_LOGO_BYTES


async def test_a_palette_logo_keeps_only_the_colours_its_pixels_use(
    client: Any, acme: Seeded
) -> None:
    """The rest of a 256-colour palette is room for a payload: it is not served back."""
    from PIL import Image

    image = Image.new("P", (16, 16), 0)
    palette = [10, 120, 40, *b"<script>alert(1)</script>".ljust(765, b" ")]
    image.putpalette(palette)
    out = io.BytesIO()
    image.save(out, "PNG")
    r = await client.put(
        "/api/v1/logo",
        data=out.getvalue(),
        headers={**acme.auth("manager"), "Content-Type": "image/png"},
    )
    assert r.status_code == 200, await r.get_data(as_text=True)
    served = await client.get((await r.get_json())["logo_url"])
    body = await served.get_data()
    assert b"<script>" not in body
    assert Image.open(io.BytesIO(body)).convert("RGB").getpixel((3, 3)) == (10, 120, 40)
