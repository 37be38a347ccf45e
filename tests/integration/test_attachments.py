"""Photos on a real hub: what is stored is the picture alone, and only its people can open it.

Each test talks HTTP (and socket.io) to one module-scoped `sos-hub serve` with two
businesses; photos are made here with Pillow (HEIC with pillow-heif, as an iPhone sends).
"""

from __future__ import annotations

import asyncio
import io
import struct
import threading
import zlib
from typing import Any

import httpx
import pillow_heif
import pytest
from PIL import Image

from hub.app import Hub
from hub.attachments import service as service_module
from hub.attachments.photos import clean_photo
from hub.store.blobs import FileBlobStore, blob_dir_for
from hub.store.sqlite import SqliteStore
from hub.tickets.privacy import purge_private_data
from tests.integration.realtime_clients import HTTP_TIMEOUT, Console
from tests.kit import Serve, Served, http_sos

SERVED = Serve(slugs=("acme", "globex"))
GPS_IFD = 0x8825
ORIENTATION = 0x0112

pillow_heif.register_heif_opener()


def _picture(size: tuple[int, int] = (300, 200), colour: tuple[int, ...] = (200, 40, 40)) -> Any:
    image = Image.new("RGB", size, colour)
    image.paste((20, 20, 220), (0, 0, size[0] // 3, size[1]))  # a band on the left, to see turns
    return image


def jpeg_with_gps(size: tuple[int, int] = (300, 200)) -> bytes:
    """A phone's JPEG: where it was taken (GPS), the camera, and "turn me 90°" (EXIF 6)."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (40.0, 26.0, 46.0), 3: "W", 4: (3.0, 42.0, 10.0)})
    out = io.BytesIO()
    _picture(size).save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def encoded(kind: str, size: tuple[int, int] = (120, 80), **options: Any) -> bytes:
    out = io.BytesIO()
    _picture(size).save(out, kind, **options)
    return out.getvalue()


def png_bomb(side: int = 30_000) -> bytes:
    """A small PNG whose header claims side × side pixels (900 megapixels by default)."""
    png = encoded("PNG", (8, 8))
    ihdr = png[16:29]  # width, height, depth, colour type, compression, filter, interlace
    claimed = struct.pack(">II", side, side) + ihdr[8:]
    chunk = b"IHDR" + claimed
    return png[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + png[33:]


def _files(content: bytes, name: str = "photo.jpg", kind: str = "image/jpeg") -> Any:
    return {"file": (name, content, kind)}


async def upload(
    http: httpx.AsyncClient,
    path: str,
    content: bytes,
    *,
    headers: dict[str, str] | None = None,
    message: str | None = None,
    name: str = "photo.jpg",
) -> httpx.Response:
    data = {"message": message} if message else None
    return await http.post(path, files=_files(content, name), data=data, headers=headers)


def opened(content: bytes) -> Any:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


async def nth(client: Console, n: int) -> Any:
    """The `n`th photo event this client received (waiting for it)."""
    name = "ticket.attachment"
    await client.wait_for(lambda: len(client.events(name)) >= n, 10, f"{name} #{n}")
    return client.events(name)[n - 1]


def _http(served: Served) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT)


def _path(url: str, served: Served) -> str:
    assert url.startswith(served.url), url  # absolute, under HUB_PUBLIC_URL
    return url.removeprefix(served.url)


async def test_a_phone_photo_is_stored_upright_bounded_and_without_exif_or_gps(
    served: Served,
) -> None:
    acme = served.acme
    async with _http(served) as http:
        sos = await http_sos(http, acme, "Hay una mancha en la alfombra")
        thread = f"/api/v1/thread/{sos['token']}/attachments"
        r = await upload(http, thread, jpeg_with_gps((3000, 2000)), message=sos["id"])
        assert r.status_code == 201, r.text
        body = r.json()
        assert {"id", "url", "content_type", "size"} <= set(body)
        assert body["content_type"] == "image/jpeg" and body["message_id"] == sos["id"]
        got = await http.get(_path(body["url"], served))
        assert got.status_code == 200
        assert got.headers["Content-Type"] == "image/jpeg"
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        assert got.headers["Content-Disposition"].startswith("inline; filename=")
        assert got.headers["Cache-Control"].startswith("private")
        assert int(body["size"]) == len(got.content)
        stored = opened(got.content)
        assert not stored.getexif(), dict(stored.getexif())  # no camera, no orientation …
        assert not stored.getexif().get_ifd(GPS_IFD)  # … and no place
        assert "exif" not in stored.info and b"PhoneMaker" not in got.content
        # Turned as the phone said (90°: 3000×2000 stands up) and bounded to 2048 px.
        assert stored.size == (1365, 2048), stored.size
        assert stored.getpixel((stored.width // 2, 10))[2] > 150  # the band is now on top
        thumb = opened((await http.get(_path(body["thumbnail_url"], served))).content)
        assert max(thumb.size) == 320

        # The thread lists it with the SOS it came with.
        listed = (await http.get(f"/api/v1/thread/{sos['token']}")).json()["attachments"]
        assert [(a["id"], a["message_id"]) for a in listed] == [(body["id"], sos["id"])]


async def test_png_webp_and_heic_are_taken_and_anything_else_is_refused_naming_file(
    served: Served,
) -> None:
    acme = served.acme
    async with _http(served) as http:
        sos = await http_sos(http, acme)
        thread = f"/api/v1/thread/{sos['token']}/attachments"
        cases = [
            (encoded("PNG"), "image/png"),
            (encoded("WEBP", quality=80), "image/webp"),
            (encoded("HEIF", quality=80), "image/jpeg"),  # browsers cannot show HEIC
        ]
        for content, stored_as in cases:
            r = await upload(http, thread, content, name="IMG_0001.HEIC")
            assert r.status_code == 201, r.text
            assert r.json()["content_type"] == stored_as
            assert r.json()["message_id"] is None  # a photo on its own
            back = opened((await http.get(_path(r.json()["url"], served))).content)
            assert back.size == (120, 80) and back.format == stored_as.split("/")[1].upper()

        refusals = [
            (b"just some text, honest\n" * 10, "photo.jpg"),
            (encoded("PNG")[:60], "cut.png"),  # a real header, then nothing
            (encoded("GIF"), "anim.gif"),  # not a photo format
            (png_bomb(), "bomb.png"),
        ]
        for content, name in refusals:
            r = await upload(http, thread, content, name=name)
            assert r.status_code == 400, (name, r.text)
            assert r.json()["error"]["message"].startswith("file:"), r.text
        assert "megapixels" in r.json()["error"]["message"]  # the bomb, refused undecoded
        # 49 MP of PNG (a flat one is 160 KB): under the photo limit, but decoded whole
        r = await upload(http, thread, png_bomb(7_000), name="flat.png")
        assert r.status_code == 400 and "16 megapixels" in r.json()["error"]["message"], r.text

        no_file = await http.post(thread, data={"message": sos["id"]})
        assert no_file.status_code == 400 and "file" in no_file.json()["error"]["message"]
        as_json = await http.post(thread, json={"file": "x"})
        assert as_json.status_code == 400 and "file" in as_json.json()["error"]["message"]

        big = b"\xff\xd8\xff" + b"\0" * (9 * 1024 * 1024)
        r = await upload(http, thread, big, name="huge.jpg")
        assert r.status_code == 413 and r.json()["error"]["message"].startswith("file:"), r.text
        # Everywhere else the 64 KB cap stands.
        r = await http.post(
            f"/api/v1/thread/{sos['token']}/messages",
            content=b'{"text": "' + b"x" * 70_000 + b'"}',
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 413 and "64 KB" in r.json()["error"]["message"]

        # The photo goes with a message of the customer's own, or the SOS: not another's.
        r = await upload(http, thread, encoded("PNG"), message="not-a-message")
        assert r.status_code == 400 and r.json()["error"]["message"].startswith("message:")

        listed = (await http.get(f"/api/v1/thread/{sos['token']}")).json()["attachments"]
        assert len(listed) == 3  # nothing refused was kept


async def test_a_ticket_takes_ten_photos_and_refuses_the_eleventh(served: Served) -> None:
    acme = served.acme
    async with _http(served) as http:
        sos = await http_sos(http, acme)
        thread = f"/api/v1/thread/{sos['token']}/attachments"
        small = encoded("JPEG", (16, 16))
        staff = f"/api/v1/tickets/{sos['id']}/attachments"
        # Refused after its place was taken (no such message): the place is given back.
        refused = await upload(http, thread, small, message="no-such-message")
        assert refused.status_code == 400
        for n in range(10):
            if n % 2:
                r = await upload(http, staff, small, headers=acme.auth("agent"))
            else:
                r = await upload(http, thread, small)
            assert r.status_code == 201, r.text
        r = await upload(http, thread, small)
        assert r.status_code == 400 and r.json()["error"]["message"].startswith("file:"), r.text
        assert "10" in r.json()["error"]["message"]
        r = await upload(http, staff, small, headers=acme.auth("agent"))
        assert r.status_code == 400


async def test_only_the_threads_holder_and_the_businesss_staff_can_open_a_photo(
    served: Served,
) -> None:
    acme, globex = served.acme, served.globex
    async with _http(served) as http:
        sos = await http_sos(http, acme)
        other = await http_sos(http, acme)
        r = await upload(http, f"/api/v1/thread/{sos['token']}/attachments", encoded("PNG"))
        photo = r.json()
        own = _path(photo["url"], served)
        assert (await http.get(own)).status_code == 200

        # Another thread's token, a made-up one: 404, as if it did not exist.
        stranger = own.replace(sos["token"], other["token"])
        assert (await http.get(stranger)).status_code == 404
        assert (await http.get(own.replace(sos["token"], "x" * 32))).status_code == 404

        # Staff: the staff address, with their token (or session); no one else's.
        staff_path = f"/api/v1/tickets/{sos['id']}/attachments/{photo['id']}"
        assert (await http.get(staff_path)).status_code == 401
        mine = await http.get(staff_path, headers=acme.auth("agent"))
        assert mine.status_code == 200 and mine.content == (await http.get(own)).content
        assert (await http.get(staff_path, headers=globex.auth("manager"))).status_code == 404
        thumb = await http.get(staff_path + "?size=thumb", headers=acme.auth("agent"))
        assert thumb.status_code == 200
        detail = (await http.get(f"/api/v1/tickets/{sos['id']}", headers=acme.auth("agent"))).json()
        assert [a["url"] for a in detail["attachments"]] == [served.url + staff_path]

        # Another business cannot add to (or learn of) this ticket.
        r = await upload(
            http, f"/api/v1/tickets/{sos['id']}/attachments", encoded("PNG"), headers=globex.auth()
        )
        assert r.status_code == 404


async def test_a_photo_arrives_live_on_the_console_and_on_the_thread(served: Served) -> None:
    acme = served.acme
    async with _http(served) as http:
        sos = await http_sos(http, acme)
        console = await Console(
            served.url, "/staff", auth={"token": acme.tokens["agent"]}
        ).connect()
        page = await Console(served.url, "/thread", auth={"thread_token": sos["token"]}).connect()
        try:
            r = await upload(http, f"/api/v1/thread/{sos['token']}/attachments", encoded("PNG"))
            assert r.status_code == 201, r.text
            photo = r.json()
            on_console = await nth(console, 1)
            on_thread = await nth(page, 1)
            assert on_console["attachment"]["id"] == on_thread["attachment"]["id"] == photo["id"]
            assert isinstance(on_console["seq"], int) and "seq" not in on_thread
            # Each side is handed the address it may open, and no secret of the other's.
            assert on_console["attachment"]["url"].startswith(f"/api/v1/tickets/{sos['id']}/")
            assert sos["token"] not in str(on_console)
            assert on_thread["attachment"]["url"] == _path(photo["url"], served)

            # Staff attach one to their reply: the customer sees it with that reply.
            reply = await http.post(
                f"/api/v1/tickets/{sos['id']}/replies",
                json={"text": "¿Es esta la mancha?"},
                headers=acme.auth("agent"),
            )
            staff_photo = await upload(
                http,
                f"/api/v1/tickets/{sos['id']}/attachments",
                encoded("JPEG"),
                headers=acme.auth("agent"),
                message=reply.json()["id"],
            )
            assert staff_photo.status_code == 201, staff_photo.text
            pushed = await nth(page, 2)
            assert pushed["attachment"]["message_id"] == reply.json()["id"]
            # whose it is, as on messages: the agent's name, never their e-mail
            shown = pushed["attachment"]
            assert shown["from"] == "staff" and "author_name" not in shown
            assert shown["author"] is not None and "@" not in str(shown["author"]["name"])
            assert (await http.get(pushed["attachment"]["url"])).status_code == 200
        finally:
            await console.close()
            await page.close()


async def test_a_held_back_tickets_photos_reach_staff_only_once_released(served: Served) -> None:
    acme = served.acme
    async with _http(served) as http:
        held = await http_sos(http, acme, "the waiter is an asshole")
        r = await upload(http, f"/api/v1/thread/{held['token']}/attachments", encoded("PNG"))
        assert r.status_code == 201  # the customer is never told
        staff_path = f"/api/v1/tickets/{held['id']}/attachments/{r.json()['id']}"
        agent = acme.auth("agent")
        assert (await http.get(staff_path, headers=agent)).status_code == 404
        detail = (await http.get(f"/api/v1/tickets/{held['id']}", headers=agent)).json()
        assert detail["status"] == "quarantined" and detail["attachments"] == []
        staff_upload = await upload(
            http, f"/api/v1/tickets/{held['id']}/attachments", encoded("PNG"), headers=agent
        )
        assert staff_upload.status_code == 409

        released = await http.post(f"/api/v1/tickets/{held['id']}/release", headers=agent)
        assert released.status_code == 200, released.text
        assert (await http.get(staff_path, headers=agent)).status_code == 200


async def test_photos_of_a_settled_ticket_are_deleted_after_the_retention(served: Served) -> None:
    acme = served.acme
    async with _http(served) as http:
        old = await http_sos(http, acme)
        open_one = await http_sos(http, acme)
        urls = {}
        for sos in (old, open_one):
            r = await upload(http, f"/api/v1/thread/{sos['token']}/attachments", encoded("PNG"))
            urls[sos["id"]] = _path(r.json()["url"], served)
        await http.patch(
            f"/api/v1/tickets/{old['id']}", json={"status": "resolved"}, headers=acme.auth()
        )
    store = SqliteStore(served.db)
    await store.open()
    try:
        tenant_id = acme.tenant["id"]
        for sos in (old, open_one):  # both untouched for 40 days; only one is settled
            await store.update(
                tenant_id, "tickets", sos["id"], {"updated_at": "2000-01-01T00:00:00.000+00:00"}
            )
        blobs = FileBlobStore(blob_dir_for(served.db))
        assert await purge_private_data(store, blobs=blobs) >= 1
    finally:
        await store.close()
    async with _http(served) as http:
        assert (await http.get(urls[old["id"]])).status_code == 404
        assert (await http.get(urls[open_one["id"]])).status_code == 200
        listed = (await http.get(f"/api/v1/thread/{old['token']}")).json()["attachments"]
        assert listed == []
    files = [p for p in (blob_dir_for(served.db) / acme.tenant["id"]).rglob("*") if p.is_file()]
    assert not any(urls[old["id"]].rsplit("/", 1)[1] in p.name for p in files)


async def test_the_forms_script_gets_json_to_send_photos_after_the_sos(served: Served) -> None:
    acme = served.acme
    form = f"/q/{acme.point['code']}"
    wants_json = {"Accept": "application/json"}
    async with _http(served) as http:
        bad = await http.post(
            form + "?lang=es",
            data={"text": "La cerradura está rota", "email": "not-an-address"},
            headers=wants_json,
        )
        assert bad.status_code == 400
        assert "correo" in bad.json()["errors"]["email"]  # in the customer's language
        sent = await http.post(form, data={"text": "La cerradura está rota"}, headers=wants_json)
        assert sent.status_code == 201, sent.text
        body = sent.json()
        token = str(body["thread_url"]).rsplit("/", 1)[1]
        r = await upload(
            http, f"/api/v1/thread/{token}/attachments", encoded("PNG"), message=body["id"]
        )
        assert r.status_code == 201 and r.json()["message_id"] == body["id"]
        # A browser without the script still gets the page it always got.
        plain = await http.post(form, data={"text": "Sin script"}, follow_redirects=False)
        assert plain.status_code == 303 and "/t/" in plain.headers["Location"]


async def test_one_senders_photos_are_decoded_one_at_a_time_and_never_hold_up_anothers(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thirty uploads from one network wait for each other, not everyone else's photo."""
    started: list[bytes] = []
    gate = threading.Event()
    real = clean_photo

    def clean(content: bytes) -> Any:
        started.append(content)
        if content == encoded_a:
            gate.wait(10)  # the first photo of the busy sender takes long to decode
        return real(content)

    encoded_a, encoded_b, encoded_c = (encoded("JPEG", (40 + i, 30)) for i in range(3))
    monkeypatch.setattr(service_module, "clean_photo", clean)
    attachments = hub.attachments
    first = asyncio.ensure_future(attachments._clean(encoded_a, "198.51.100.0"))
    second = asyncio.ensure_future(attachments._clean(encoded_b, "198.51.100.0"))
    other = await asyncio.wait_for(attachments._clean(encoded_c, "203.0.113.5"), 10)
    assert other.width == 42  # another sender went straight through
    assert encoded_b not in started  # the busy sender's second waits for its first
    gate.set()
    assert (await first).width == 40 and (await second).width == 41


async def test_photos_listed_with_a_ticket_and_its_thread_have_absolute_addresses_that_open(
    served: Served,
) -> None:
    acme = served.acme
    async with _http(served) as http:
        sos = await http_sos(http, acme, "El grifo del baño gotea")
        thread = f"/api/v1/thread/{sos['token']}"
        r = await upload(http, f"{thread}/attachments", encoded("PNG"), message=sos["id"])
        assert r.status_code == 201, r.text
        detail = await http.get(f"/api/v1/tickets/{sos['id']}", headers=acme.auth())
        listed = await http.get(thread)
    assert detail.status_code == 200 and listed.status_code == 200
    [for_staff] = detail.json()["attachments"]
    [for_guest] = listed.json()["attachments"]
    assert for_staff["id"] == for_guest["id"] == r.json()["id"]
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as bare:  # the address alone, no base
        for photo, headers in ((for_staff, acme.auth()), (for_guest, {})):
            for key in ("url", "thumbnail_url"):
                assert photo[key].startswith(f"{served.url}/api/v1/"), photo  # CONTRACT.md
                got = await bare.get(photo[key], headers=headers)
                assert got.status_code == 200, (photo[key], got.text)
                assert got.headers["Content-Type"] == "image/png"
