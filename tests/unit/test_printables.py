"""The printables' rules that need no rendering: words per language, colours, type that
fits, escaped business text, and a renderer that fetches nothing."""

from __future__ import annotations

import re

import pytest
from PIL import ImageFile

from hub.accounts.branding import clean_logo
from hub.demo import LOGO
from hub.errors import Invalid
from hub.i18n import load_catalogs
from hub.printables.content import DEFAULT_BRAND, Piece, build_piece, colours_for, contrast
from hub.printables.fit import fit, width_em
from hub.printables.formats import FORMATS, format_for
from hub.printables.layout import plan
from hub.printables.render import ConverterMissing, OfflineFetcher, convert, html_for

CATALOGS = load_catalogs()
TENANT = {"name": "Hotel <b>Mar</b>", "language": "es", "languages": ["en", "es", "ja", "fr"]}
POINT = {"code": "LOBBY-1", "label": "Lobby", "labels": {"es": "Vestíbulo", "en": "Lobby"}}


def piece(**point: object) -> Piece:
    return build_piece(
        {**POINT, **point}, TENANT, url="https://hub.example/q/LOBBY-1", catalogs=CATALOGS
    )


def test_the_invitation_is_in_each_language_once_the_main_one_first() -> None:
    made = build_piece(POINT, TENANT, url="https://hub.example/q/x", catalogs=CATALOGS)
    # ja has no catalog: it would read English, which is already there
    assert [(w.lang, w.headline) for w in made.words] == [
        ("es", "Hablemos…"),
        ("en", "Let's talk"),
        ("fr", "Parlons-en…"),
    ]
    assert made.labels == ("Vestíbulo", "Lobby")
    assert made.address == "hub.example/q/x"


def test_a_pale_brand_colour_keeps_the_qr_and_the_code_dark() -> None:
    yellow = colours_for(None, "#ffdd00")
    assert yellow.brand == "#ffdd00" and yellow.ink != "#ffdd00"
    assert contrast(yellow.ink, "#ffffff") >= 7 and yellow.on_brand != "#ffffff"
    dark = colours_for("#123", "#ffdd00")  # the establishment's own colour comes first
    assert dark.brand == dark.ink == "#112233" and dark.on_brand == "#ffffff"
    assert colours_for("red; background: url(x)", 42).brand == DEFAULT_BRAND


def test_long_codes_shrink_then_wrap_after_their_hyphens() -> None:
    short = fit("LOBBY-1", 162, largest=28, smallest=7, weight=800)
    assert short.size == 28 and short.lines == 1
    long = fit("restaurant-terrace-north-wing-12", 162, largest=28, smallest=7, max_lines=3)
    assert long.lines <= 3 and width_em("restaurant-", 400) * long.size <= 162
    for name in FORMATS:
        sizes = plan(FORMATS[name], piece(code="a" * 64))
        assert sizes["code"]["size"] >= 3  # still printed, smaller


def test_business_text_is_escaped_and_the_renderer_fetches_nothing_else() -> None:
    hostile = piece(label='<img src="http://evil.example/x.png">', labels={})
    html, pages = html_for(FORMATS["poster-a4"], [hostile], print_ready=True)
    assert len(pages) == 1
    assert "&lt;b&gt;Mar&lt;/b&gt;" in html and "&lt;img src=" in html
    assert not re.search(r"<img[^>]+src=\"http", html)
    fetch = OfflineFetcher()
    for url in ("http://evil.example/x.png", "file:///etc/passwd", "https://hub.example/"):
        with pytest.raises(ValueError, match="refused"):
            fetch(url)
    assert fetch("data:image/png;base64,iVBORw0KGgo=").read() == b"\x89PNG\r\n\x1a\n"


def test_loading_the_renderer_leaves_truncated_uploads_refused() -> None:
    # WeasyPrint, imported above through the renderer, turns this on for the whole process
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    with pytest.raises(Invalid, match="PNG, JPEG, WebP or GIF"):
        clean_logo(LOGO.read_bytes()[:200])


async def test_without_pdftocairo_png_and_svg_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # poppler-utils not installed
    for kind in ("png", "svg"):
        with pytest.raises(ConverterMissing, match="poppler-utils"):
            await convert(b"%PDF-1.7", kind)


def test_a_point_prints_in_the_format_of_its_kind() -> None:
    assert format_for("coaster") == "coaster" and format_for("table-tent") == "table-tent"
    assert format_for("flyer") == "flyer-a5" and format_for("receipt") == "receipt"
    assert format_for("poster") == format_for("kiosk") == format_for(None) == "poster-a4"
    assert all(format_for(k) in FORMATS for k in ("poster", "flyer", "coaster", "receipt"))


def test_an_establishment_named_as_the_business_is_printed_once() -> None:
    assert piece(establishment_name="Hotel <b>Mar</b>").place is None
    assert piece(establishment_name=" hotel  <B>MAR</B>").place is None
    assert piece(establishment_name="Beach bar").place == "Beach bar"
    same = piece(establishment_name="Hotel <b>Mar</b>")
    for name, line in (("poster-a4", 'class="place"'), ("table-tent", 'class="face-place"')):
        html, _pages = html_for(FORMATS[name], [same], print_ready=True)
        assert line not in html, name
        html, _pages = html_for(
            FORMATS[name], [piece(establishment_name="Beach bar")], print_ready=True
        )
        assert line in html and "Beach bar" in html, name
