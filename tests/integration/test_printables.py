"""Printed access points on a real `sos-hub serve`: every format as a print-ready PDF, a PNG
and an SVG whose QR opens the point, many points in one PDF, an establishment's own logo.

Checked as a manager at the printer would: poppler renders each PDF page (pdftoppm), which
must not be blank, must be the right paper size (pdfinfo), must say the location code, the
business and the invitation in its two languages (pdftotext), and its QR must decode back
to the point's address (zxing-cpp), as must the PNG's. Each format is rendered a few times
only: WeasyPrint takes about a second a document, so requests go two at a time.
"""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image, ImageChops

from hub.accounts.branding import set_logo
from hub.accounts.services import create_point
from hub.demo import LOGO
from hub.ports import Doc, Store
from hub.store.sqlite import SqliteStore
from tests.helpers import Seeded
from tests.kit import Serve, Served

pytestmark = pytest.mark.slow

BRAND = "#7a1f3d"  # acme's colour: the posters' band is printed in it
COASTERS = [f"C-{n}" for n in range(1, 7)]
# Paper size of each format's one-point PDF, in mm: a coaster and a receipt are printed
# with 12 mm around them for their crop marks. A receipt is as long as its text needs.
MARKS = 12
PAPER = {
    "poster-a4": (210, 297),
    "poster-a3": (297, 420),
    "flyer-a5": (148, 210),
    "coaster": (90 + 2 * MARKS, 90 + 2 * MARKS),
    "receipt": (80 + 2 * MARKS, 0),
    "table-tent": (210, 297),
}


async def seed(store: Store, tenants: dict[str, Seeded]) -> None:
    """acme speaks es and en, has a logo and a colour, labels per language, an establishment
    (Miramar Beach, with its lobby point), six coaster points and a retired one."""
    acme = tenants["acme"].tenant
    await set_logo(store, acme, LOGO.read_bytes())
    await store.update(acme["id"], "tenants", acme["id"], {"brand_color": BRAND})
    bar = tenants["acme"].point
    labels = {"es": "Terraza del bar", "en": "Bar terrace"}
    await store.update(acme["id"], "points", bar["id"], {"labels": labels})
    await create_point(store, acme, code="LOBBY-1", label="Lobby", establishment="Miramar Beach")
    for code in COASTERS:
        await create_point(store, acme, code=code, label=f"Table {code}", kind="coaster")
    old = await create_point(store, acme, code="OLD-1", label="Old bar")
    await store.update(acme["id"], "points", old["id"], {"active": False})


SERVED = Serve(slugs=("acme", "globex"), seed=seed)


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=120, headers=served.acme.auth("manager")) as c:
        yield c


def both(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls two at a time (the hub renders two documents at once)."""
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(lambda call: call(), calls))


def printed(http: httpx.Client, code: str, fmt: str, kind: str) -> httpx.Response:
    r = http.get(f"/api/v1/points/{code}/print", params={"format": fmt, "type": kind})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Disposition"] == f'inline; filename="{code}-{fmt}.{kind}"'
    return r


def run(*args: str | int | Path) -> str:
    return subprocess.run(
        [str(a) for a in args], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def pages_of(pdf: Path, dpi: int = 100) -> list[Image.Image]:
    """Each page of the PDF as poppler draws it."""
    stem = pdf.with_suffix("")
    run("pdftoppm", "-r", dpi, "-png", pdf, stem)
    files = sorted(pdf.parent.glob(f"{stem.name}-*.png"))
    return [Image.open(f).convert("RGB") for f in files]


def paper_mm(pdf: Path) -> tuple[float, float]:
    found = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", run("pdfinfo", pdf))
    assert found, "pdfinfo names no page size"
    return float(found[1]) * 25.4 / 72, float(found[2]) * 25.4 / 72


def qr_texts(image: Image.Image) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(image)]


def on_white(image: Image.Image, shrink: int = 1) -> Image.Image:
    """The image as printed on white paper (a PNG's transparent corners are paper),
    `shrink` times smaller (counting colours needs no 300 dpi)."""
    rgba = image.convert("RGBA").reduce(shrink)
    return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")


def inked(image: Image.Image) -> float:
    """The share of the image that is not (nearly) white."""
    histogram = on_white(image, 4).convert("L").histogram()
    return sum(histogram[:200]) / sum(histogram)


def share_of(image: Image.Image, colour: str, tolerance: int = 40) -> float:
    """The share of the image within `tolerance` of `colour` (#rrggbb) on every channel."""
    rgb = on_white(image, 4)
    difference = ImageChops.difference(rgb, Image.new("RGB", rgb.size, colour))
    near = [band.point(lambda v: 255 if v <= tolerance else 0) for band in difference.split()]
    mask = ImageChops.darker(ImageChops.darker(near[0], near[1]), near[2])
    return mask.histogram()[255] / (rgb.width * rgb.height)


def point_docs(served: Served) -> dict[str, Doc]:
    async def read() -> dict[str, Doc]:
        store = SqliteStore(served.db)
        await store.open()
        try:
            docs = await store.find(served.acme.tenant["id"], "points")
            return {d["code"]: d for d in docs}
        finally:
            await store.close()

    return asyncio.run(read())


def close_to(found: tuple[float, float], wanted: tuple[float, float]) -> bool:
    return all(abs(a - b) < 0.6 for a, b in zip(found, wanted, strict=True))


def code_cap_height_mm(pdf: Path, code: str) -> float:
    """How tall the code's capitals are printed: its word box (ascent + descent, 1.21 em in
    Inter) scaled to the cap height (0.727 em)."""
    boxes = run("pdftotext", "-bbox", pdf, "-")
    found = re.search(rf'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">{re.escape(code)}<', boxes)
    assert found, f"{code} not found as one word"
    height_pt = float(found[2]) - float(found[1])
    return height_pt * 25.4 / 72 / 1.21 * 0.727


def test_every_format_prints_a_pdf_for_the_printer_and_a_png_whose_qr_opens_the_point(
    served: Served, http: httpx.Client, tmp_path: Path
) -> None:
    code = "acme-bar"
    url = f"{served.url}/q/{code}"
    assert "printed_at" not in point_docs(served)[code]
    calls = [
        (lambda f=fmt, k=kind: printed(http, code, f, k))
        for fmt in PAPER
        for kind in ("pdf", "png")
    ]
    answers = iter(both(*calls))
    for fmt in PAPER:
        pdf_answer, png_answer = next(answers), next(answers)
        assert pdf_answer.headers["Content-Type"] == "application/pdf"
        pdf = tmp_path / f"{fmt}.pdf"
        pdf.write_bytes(pdf_answer.content)
        width_mm, height_mm = paper_mm(pdf)
        if fmt == "receipt":  # two languages' invitations, then the QR: 12 to 20 cm
            assert 120 + 2 * MARKS < height_mm < 200 + 2 * MARKS
        assert close_to((width_mm, height_mm), (PAPER[fmt][0], PAPER[fmt][1] or height_mm))
        [page] = pages_of(pdf)
        assert inked(page) > 0.03, f"{fmt}: the page is (nearly) blank"
        faces = 2 if fmt == "table-tent" else 1  # a folded tent shows one to each side
        assert qr_texts(page) == [url] * faces, fmt
        text = run("pdftotext", pdf, "-")
        for words in (code, "Business acme", "Hablemos", "Let's talk", "Terraza del bar"):
            assert words in text, (fmt, words)

        assert png_answer.headers["Content-Type"] == "image/png"
        png = Image.open(io.BytesIO(png_answer.content))
        if fmt in ("coaster", "receipt"):  # the piece alone, without room for marks
            width_mm, height_mm = width_mm - 2 * MARKS, height_mm - 2 * MARKS
        dpi = min(300, int(3508 / (max(width_mm, height_mm) / 25.4)))  # 300, bounded
        assert abs(png.width - width_mm / 25.4 * dpi) <= 2, (fmt, png.size)
        assert abs(png.height - height_mm / 25.4 * dpi) <= 2, (fmt, png.size)
        assert qr_texts(on_white(png, 2)) == [url] * faces, fmt  # half its 300 dpi is plenty
        assert inked(png) > 0.03, fmt
        if fmt == "poster-a4":
            assert share_of(page, BRAND) > 0.05  # the band in the business's colour
            assert code_cap_height_mm(pdf, code) >= 20  # legible across a room
        if fmt == "coaster":  # round: the corners of its square image are transparent
            assert png.mode == "RGBA" and png.convert("RGBA").getpixel((5, 5)) == (0, 0, 0, 0)
    assert point_docs(served)[code]["printed_at"]  # the first-run checklist ticks "print"


def test_an_svg_is_the_piece_in_vectors_named_after_its_point(
    served: Served, http: httpx.Client
) -> None:
    r = printed(http, "LOBBY-1", "table-tent", "svg")
    assert r.headers["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(r.content)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    width, height = (
        float(root.attrib[a].removesuffix("pt")) * 25.4 / 72 for a in ("width", "height")
    )
    assert close_to((width, height), PAPER["table-tent"])
    title = root.find(f"{ns}title")
    assert title is not None and title.text
    assert "LOBBY-1" in title.text and f"{served.url}/q/LOBBY-1" in title.text
    assert len(root.findall(f".//{ns}path")) > 50  # the QR, the text as outlines, the rules
    assert b"<script" not in r.content


def test_many_points_print_in_one_pdf_a_page_each_or_six_coasters_to_a_sheet(
    served: Served, http: httpx.Client, tmp_path: Path
) -> None:
    coasters, posters = both(
        lambda: http.get(
            "/api/v1/print",
            params={"points": ",".join(["LOBBY-1", *COASTERS]), "format": "coaster"},
        ),
        lambda: http.get("/api/v1/print", params={"points": "LOBBY-1,C-1", "format": "flyer-a5"}),
    )
    for r in (coasters, posters):
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"] == "application/pdf"
    assert 'filename="points-coaster.pdf"' in coasters.headers["Content-Disposition"]

    sheets = tmp_path / "coasters.pdf"
    sheets.write_bytes(coasters.content)
    assert "Pages:           2" in run("pdfinfo", sheets)
    assert close_to(paper_mm(sheets), (210, 297))  # A4 sheets to cut
    first, second = pages_of(sheets, dpi=150)
    assert sorted(qr_texts(first)) == sorted(
        f"{served.url}/q/{c}" for c in ["LOBBY-1", *COASTERS[:5]]
    )
    assert qr_texts(second) == [f"{served.url}/q/C-6"]

    flyers = tmp_path / "flyers.pdf"
    flyers.write_bytes(posters.content)
    assert close_to(paper_mm(flyers), (148, 210))
    pages = pages_of(flyers)
    assert [qr_texts(p) for p in pages] == [[f"{served.url}/q/LOBBY-1"], [f"{served.url}/q/C-1"]]
    docs = point_docs(served)
    assert all(docs[c].get("printed_at") for c in ["LOBBY-1", *COASTERS])


def test_wrong_requests_name_the_field_and_another_business_points_are_not_found(
    served: Served, http: httpx.Client
) -> None:
    def refused(r: httpx.Response, status: int, words: str) -> None:
        assert r.status_code == status, r.text
        assert words in r.json()["error"]["message"], r.text

    one = "/api/v1/points/acme-bar/print"
    refused(http.get(one, params={"format": "poster-a5"}), 400, "format")
    refused(http.get(one, params={"type": "gif"}), 400, "type")
    refused(http.get(one, headers=served.acme.auth("agent")), 403, "manager")
    refused(httpx.get(served.url + one), 401, "log in")
    refused(http.get("/api/v1/points/nowhere/print"), 404, "nowhere")
    refused(http.get(f"/api/v1/points/{served.globex.point['code']}/print"), 404, "code")
    refused(http.get("/api/v1/points/OLD-1/print"), 409, "inactive")
    refused(http.get(f"/api/v1/points/{'x' * 300}/print"), 404, "access point")

    many = "/api/v1/print"
    refused(http.get(many, params={"points": " , ,"}), 400, "points")
    refused(http.get(many, params={"points": ",".join(f"p{n}" for n in range(201))}), 400, "points")
    refused(http.get(many, params={"points": "acme-bar", "type": "png"}), 400, "type")
    refused(http.get(many, params={"points": "acme-bar", "format": "mural"}), 400, "format")
    refused(
        http.get(many, params={"points": f"acme-bar,{served.globex.point['code']}"}), 404, "points"
    )
    refused(http.get(many), 400, "points")


RED = "#e00000"


def red_logo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (240, 120), RED).save(out, "PNG")
    return out.getvalue()


def test_an_establishment_prints_its_own_logo_and_else_the_business_one(
    served: Served, http: httpx.Client
) -> None:
    def put(slug: str, body: bytes, role: str = "manager") -> httpx.Response:
        headers = {**served.acme.auth(role), "Content-Type": "image/png"}
        return http.put(f"/api/v1/establishments/{slug}/logo", content=body, headers=headers)

    assert put("miramar-beach", red_logo(), role="agent").status_code == 403
    nowhere = put("atlantis", red_logo())
    assert nowhere.status_code == 404 and "establishment" in nowhere.json()["error"]["message"]
    assert put("miramar-beach", b"not an image").status_code == 400
    r = put("miramar-beach", red_logo())
    assert r.status_code == 200, r.text
    logo_url = r.json()["logo_url"]
    assert logo_url.startswith(f"{served.url}/brand/")  # absolute, under HUB_PUBLIC_URL
    image = httpx.get(logo_url)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"

    # A receipt prints both logos side by side (and is the cheapest piece to render).
    with_own = Image.open(io.BytesIO(printed(http, "LOBBY-1", "receipt", "png").content))
    assert share_of(with_own, RED) > 0.01

    assert http.delete("/api/v1/establishments/miramar-beach/logo").status_code == 204
    assert httpx.get(logo_url).status_code == 404
    without = Image.open(io.BytesIO(printed(http, "LOBBY-1", "receipt", "png").content))
    assert share_of(without, RED) < 0.0005
    assert share_of(without, "#1d6b78", tolerance=60) > 0.002  # the business's logo still


def test_many_points_print_each_in_the_format_of_its_kind_when_asked(
    served: Served, http: httpx.Client, tmp_path: Path
) -> None:
    """ "Print all" on a page of posters and coasters: `format=own` prints the poster point
    as an A4 poster and the coaster points as coasters, six to a sheet, in one PDF."""
    r = http.get("/api/v1/print", params={"points": "C-1,LOBBY-1,C-2", "format": "own"})
    assert r.status_code == 200, r.text
    assert 'filename="points-own.pdf"' in r.headers["Content-Disposition"]
    pdf = tmp_path / "own.pdf"
    pdf.write_bytes(r.content)
    assert "Pages:           2" in run("pdfinfo", pdf)
    coasters, poster = pages_of(pdf)
    # the coasters first (their kind came first), both on one A4 sheet to cut out
    assert sorted(qr_texts(coasters)) == [f"{served.url}/q/C-1", f"{served.url}/q/C-2"]
    assert qr_texts(poster) == [f"{served.url}/q/LOBBY-1"]
    text = run("pdftotext", "-layout", pdf, "-")
    first, second = text.split("\f")[:2]
    assert "C-1" in first and "C-2" in first and "LOBBY-1" in second

    only = http.get("/api/v1/print", params={"points": "C-3,C-4", "format": "own"})
    assert only.status_code == 200, only.text
    assert 'filename="points-coaster.pdf"' in only.headers["Content-Disposition"]
    wrong = http.get("/api/v1/print", params={"points": "C-3", "format": "mine"})
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] and "format" in wrong.text
