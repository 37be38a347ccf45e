"""What one printed piece says: the point, the business, its colours and the invitation.

Built once from the stored documents, then laid out by every format alike. Every text here
is the business's or the catalogs' (never HTML): the templates escape it. Each language's
words come from the hub's gettext catalogs; a language without a catalog falls back to
English, and a translation that comes out the same as one already shown is shown once.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from hub.accounts.branding import Logo
from hub.ports import Doc
from hub.printables.qr import Symbol, make_symbol


def _(message: str) -> str:
    """Marks a string for `pybabel extract`; it is translated per language below."""
    return message


HEADLINE = _("Let's talk")
SENTENCE = _("Scan this code and send us your opinions, complaints or suggestions from your phone.")
REASSURANCE = _("No app needed, and you can stay anonymous.")
CODE_CAPTION = _("Location code")
FOLD = _("Fold here")

DEFAULT_BRAND = "#0b4fa8"  # the hub's own blue (static/css/hub.css --primary)
DARK_INK = "#14181f"
WHITE = "#ffffff"
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


class Catalog(Protocol):
    """What a piece needs of a gettext catalog (babel's Translations has it)."""

    def gettext(self, message: str) -> str: ...


@dataclass(frozen=True)
class Words:
    """The invitation in one language."""

    lang: str
    headline: str
    sentence: str
    reassurance: str


@dataclass(frozen=True)
class Colours:
    brand: str  # bands, rings, frames
    on_brand: str  # text drawn on the brand colour
    ink: str  # the QR and the location code: dark enough to scan and read


@dataclass(frozen=True)
class Piece:
    """Everything printed on one access point's piece, in every format."""

    code: str
    url: str
    address: str  # the url as people type it: no scheme
    labels: tuple[str, ...]  # the point's label, the primary language's first
    business: str
    place: str | None  # the establishment's name
    logo: str | None  # data: URI of the business's logo
    place_logo: str | None  # data: URI of the establishment's own logo (not the business's)
    colours: Colours
    words: tuple[Words, ...]  # the primary language first
    code_caption: str
    fold: str
    qr: Symbol  # drawn by the templates, in colours.ink (black on a receipt)


def data_uri(logo: Logo | None) -> str | None:
    """The logo inline, so the renderer never fetches anything."""
    if logo is None:
        return None
    return f"data:{logo.content_type};base64,{base64.b64encode(logo.content).decode('ascii')}"


def _rgb(colour: str) -> tuple[int, int, int]:
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _luminance(colour: str) -> float:
    """WCAG relative luminance."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    a, b = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def colours_for(*choices: Any) -> Colours:
    """The first valid `#rgb`/`#rrggbb` among `choices` (establishment, business), or ours.

    A pale brand colour still prints: text on it turns dark, and the QR and the code stay
    in dark ink unless the brand colour is itself dark enough to scan and read (7:1).
    """
    brand = next((c.lower() for c in choices if isinstance(c, str) and _HEX.match(c)), None)
    brand = brand or DEFAULT_BRAND
    if len(brand) == 4:
        brand = "#" + "".join(c * 2 for c in brand[1:])
    on_brand = WHITE if contrast(brand, WHITE) >= 4.5 else DARK_INK
    ink = brand if contrast(brand, WHITE) >= 7 else DARK_INK
    return Colours(brand=brand, on_brand=on_brand, ink=ink)


def ordered_languages(tenant: Doc) -> list[str]:
    """The business's languages, its main one first."""
    main = str(tenant.get("language") or "en")
    others = [str(x) for x in tenant.get("languages") or [] if isinstance(x, str)]
    return list(dict.fromkeys([main, *others]))


def words_for(languages: list[str], catalogs: Mapping[str, Catalog]) -> tuple[Words, ...]:
    """The invitation in each language that has words of its own (others read English)."""
    out: list[Words] = []
    seen: set[str] = set()
    for lang in languages:
        catalog = catalogs.get(lang) or catalogs.get("en")
        if catalog is None:
            continue
        headline = str(catalog.gettext(HEADLINE))
        if headline in seen:
            continue
        seen.add(headline)
        out.append(
            Words(
                lang=lang if lang in catalogs else "en",
                headline=headline,
                sentence=str(catalog.gettext(SENTENCE)),
                reassurance=str(catalog.gettext(REASSURANCE)),
            )
        )
    return tuple(out)


def labels_for(point: Doc, languages: list[str]) -> tuple[str, ...]:
    """The point's label in the business's languages (`labels`), each text once."""
    labels = point.get("labels")
    per_language: dict[str, Any] = labels if isinstance(labels, dict) else {}
    found = [per_language.get(lang) for lang in languages] + [point.get("label")]
    texts = [str(t).strip()[:120] for t in found if isinstance(t, str) and t.strip()]
    return tuple(dict.fromkeys(texts))


def build_piece(
    point: Doc,
    tenant: Doc,
    *,
    url: str,
    catalogs: Mapping[str, Catalog],
    establishment: Doc | None = None,
    logo: Logo | None = None,
    place_logo: Logo | None = None,
) -> Piece:
    """The piece for `point` of `tenant` (in `establishment`, if any)."""
    languages = ordered_languages(tenant)
    main = catalogs.get(languages[0]) or catalogs.get("en")
    caption = str(main.gettext(CODE_CAPTION)) if main else CODE_CAPTION
    fold = str(main.gettext(FOLD)) if main else FOLD
    colours = colours_for((establishment or {}).get("brand_color"), tenant.get("brand_color"))
    parts = urlsplit(url)
    place = (establishment or {}).get("name") or point.get("establishment_name")
    business = str(tenant.get("name") or "")[:200]
    if place and " ".join(str(place).split()).casefold() == " ".join(business.split()).casefold():
        place = None  # "Hotel Mirador / Hotel Mirador": the name once
    return Piece(
        code=str(point["code"]),
        url=url,
        address=parts.netloc + parts.path,
        labels=labels_for(point, languages),
        business=business,
        place=str(place)[:120] if place else None,
        logo=data_uri(logo),
        place_logo=data_uri(place_logo) if place_logo and place_logo != logo else None,
        colours=colours,
        words=words_for(languages, catalogs),
        code_caption=caption,
        fold=fold,
        qr=make_symbol(url),
    )
