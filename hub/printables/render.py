"""Pieces to paper: one HTML design, rendered to PDF by WeasyPrint; PNG and SVG from the PDF.

Why this way: the design exists once (web/print/, HTML and CSS with the QR as an inline
SVG path), so a poster, its PNG and its SVG can never disagree. WeasyPrint (pango
underneath) lays it out into a print-ready PDF: exact page sizes, vector QR, the font
embedded. WeasyPrint draws no bitmaps (not since version 53), so the PNG and the SVG are
the PDF's page converted by poppler's `pdftocairo` (Debian's poppler-utils, beside the
pango WeasyPrint already needs): cairo draws exactly what the PDF says; the PNG at print
resolution (a coaster's corners transparent: it stays round), the SVG as vectors with the
text as outlines (no font needed wherever it is opened). pypdfium2 could rasterise too,
but writes no SVG: one tool for both is one dependency less.

Nothing is fetched while rendering: the renderer's URL fetcher serves the vendored font
files and inline `data:` images, and refuses everything else (a business's text never
becomes markup, and no template names a network address).
"""

from __future__ import annotations

import asyncio
import functools
import io
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from fontTools.ttLib import woff2
from PIL import ImageFile
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from hub.printables.content import Piece
from hub.printables.fit import FONTS
from hub.printables.formats import Format, Page, pages_for
from hub.printables.layout import plan, run_height

log = logging.getLogger(__name__)

# Importing WeasyPrint tells Pillow, for the whole process, to accept truncated images
# (weasyprint/images.py). The hub checks uploads (logos, photos) by decoding every pixel:
# a truncated file must stay a refusal. The images WeasyPrint draws here are the hub's own,
# already cleaned, so it needs no such leniency.
ImageFile.LOAD_TRUNCATED_IMAGES = False

WEB = Path(__file__).resolve().parent.parent / "web"
PNG_DPI = 300  # print resolution...
PNG_MAX_SIDE = 3508  # ...bounded: A4 at 300 dpi, an A3 poster at about 210 dpi
CONVERT_TIMEOUT = 60.0  # seconds for pdftocairo on one page
# Which characters each vendored font file covers (from @fontsource/inter's unicode.json).
FONT_SUBSETS = (
    (
        "latin",
        "U+0000-00FF, U+0131, U+0152-0153, U+02BB-02BC, U+02C6, U+02DA, U+02DC, U+0304, "
        "U+0308, U+0329, U+2000-206F, U+20AC, U+2122, U+2191, U+2193, U+2212, U+2215, "
        "U+FEFF, U+FFFD",
    ),
    (
        "latin-ext",
        "U+0100-02BA, U+02BD-02C5, U+02C7-02CC, U+02CE-02D7, U+02DD-02FF, U+0304, U+0308, "
        "U+0329, U+1D00-1DBF, U+1E00-1E9F, U+1EF2-1EFF, U+2020, U+20A0-20AB, U+20AD-20C0, "
        "U+2113, U+2C60-2C7F, U+A720-A7FF",
    ),
)


FONT_BASE = FONTS.resolve().as_uri() + "/"  # relative URLs in the page resolve here


class ConverterMissing(RuntimeError):
    """poppler's pdftocairo is not installed: PDF works, PNG and SVG cannot be made."""


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(WEB)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _font(name: str) -> bytes | None:
    """A vendored font as TrueType (`inter-latin-800.ttf`), decompressed once per process.

    The files are kept as WOFF2 (small); WeasyPrint would decompress them again for every
    document, which was two thirds of a poster's rendering time.
    """
    source = FONTS / name.replace(".ttf", "-normal.woff2")
    if name != Path(name).name or not name.endswith(".ttf") or not source.is_file():
        return None
    out = io.BytesIO()
    woff2.decompress(io.BytesIO(source.read_bytes()), out)
    return out.getvalue()


class OfflineFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no type hints
    """Serves the vendored fonts and inline `data:` images; refuses every other URL."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith(FONT_BASE):
            font = _font(url.removeprefix(FONT_BASE))
            if font is not None:
                return URLFetcherResponse(url, font, {"Content-Type": "font/ttf"})
        elif url.startswith("data:"):
            return super().fetch(url, headers)
        raise ValueError(f"printables fetch nothing: refused {url[:80]!r}")


def piece_size(fmt: Format, pieces: Sequence[Piece]) -> tuple[float, float]:
    """The trimmed size of the run's pieces, in mm (a receipt's length follows its text)."""
    return fmt.width, run_height(fmt, [plan(fmt, p) for p in pieces])


def html_for(fmt: Format, pieces: Sequence[Piece], *, print_ready: bool) -> tuple[str, list[Page]]:
    """The HTML of a run of `pieces` in `fmt`, and its pages."""
    plans = [plan(fmt, p) for p in pieces]
    height = run_height(fmt, plans)
    pages = pages_for(fmt, len(pieces), height, print_ready=print_ready)
    first = pages[0]
    html = (
        _templates()
        .get_template("print/document.html")
        .render(
            fmt=fmt,
            pieces=pieces,
            plans=plans,
            pages=pages,
            page_width=first.width,
            page_height=first.height,
            font_subsets=FONT_SUBSETS,
            lang=pieces[0].words[0].lang if pieces and pieces[0].words else "en",
            title=", ".join(p.code for p in pieces)[:200],
            piece_width=fmt.width,
            piece_height=height,
        )
    )
    return html, pages


def _html(fmt: Format, pieces: Sequence[Piece], *, print_ready: bool) -> HTML:
    html, _pages = html_for(fmt, pieces, print_ready=print_ready)
    return HTML(string=html, base_url=FONTS.resolve().as_uri() + "/", url_fetcher=OfflineFetcher())


def write_pdf(fmt: Format, pieces: Sequence[Piece], *, print_ready: bool = True) -> bytes:
    """The PDF of `pieces` (blocking: call it in a thread)."""
    pdf: bytes = _html(fmt, pieces, print_ready=print_ready).write_pdf()
    return pdf


def write_runs_pdf(runs: Sequence[tuple[Format, Sequence[Piece]]]) -> bytes:
    """One print-ready PDF of several runs, each on its own paper (coasters six to an A4
    sheet, then the table tents...): WeasyPrint lays each out, then joins their pages."""
    documents = [_html(fmt, pieces, print_ready=True).render() for fmt, pieces in runs]
    pages = [page for document in documents for page in document.pages]
    pdf: bytes = documents[0].copy(pages).write_pdf()
    return pdf


def png_resolution(width_mm: float, height_mm: float) -> int:
    """Dots per inch for a PNG of this size: 300, lowered so no side exceeds PNG_MAX_SIDE."""
    longest_inches = max(width_mm, height_mm) / 25.4
    return max(72, min(PNG_DPI, int(PNG_MAX_SIDE / longest_inches)))


async def convert(pdf: bytes, kind: str, dpi: int = PNG_DPI, *, transparent: bool = False) -> bytes:
    """The PDF's first page as PNG (at `dpi`; what the page leaves unpainted transparent
    when asked, as round a coaster's corners) or SVG, by pdftocairo."""
    tool = shutil.which("pdftocairo")
    if tool is None:
        raise ConverterMissing("pdftocairo (Debian's poppler-utils) is not installed")
    args = ["-png", "-singlefile", "-r", str(dpi)] if kind == "png" else ["-svg"]
    if kind == "png" and transparent:
        args.append("-transp")
    process = await asyncio.create_subprocess_exec(
        tool,
        *args,
        "-f",
        "1",
        "-l",
        "1",
        "-",
        "-",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(pdf), CONVERT_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0 or not out:
        raise RuntimeError(f"pdftocairo failed ({process.returncode}): {err[:300]!r}")
    return out
