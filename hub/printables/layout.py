"""Type sizes and box sizes for each design, chosen per piece so nothing overflows.

Each `plan_*` returns the numbers its macro in web/print/pieces.html uses, in the design's
millimetres (the sheet design is drawn for A4 and scaled). Heights are budgeted here, not
left to chance: the QR takes what the texts leave, between a floor that still scans from
where people stand and a ceiling that leaves the page breathing.
"""

from __future__ import annotations

from typing import Any

from hub.printables.content import Piece
from hub.printables.fit import fit
from hub.printables.formats import MAX_LANGUAGES, Format, Kind

LINE = 1.18  # line height, in font sizes


def headline_text(piece: Piece) -> str:
    """Every language's headline on one line (the small pieces)."""
    return "  ".join(w.headline for w in piece.words)


def other_headlines(piece: Piece) -> str:
    """The headlines after the main language's, for the line under it."""
    return "  ·  ".join(w.headline for w in piece.words[1:])


def label_text(piece: Piece) -> str:
    return " · ".join(piece.labels)


def _block(text: str, width: float, **kwargs: Any) -> dict[str, float]:
    """A fitted text's font size and the height its lines take."""
    fitted = fit(text, width, **kwargs)
    return {"size": round(fitted.size, 2), "height": round(fitted.lines * fitted.size * LINE, 2)}


def _code(piece: Piece, width: float, largest: float, smallest: float) -> dict[str, float]:
    fitted = fit(piece.code, width, largest=largest, smallest=smallest, max_lines=1, weight=800)
    return {"size": round(fitted.size, 2), "height": round(fitted.lines * fitted.size * 1.05, 2)}


def plan_sheet(piece: Piece) -> dict[str, Any]:
    """Posters and flyers, drawn for A4 (210 × 297): a brand band, the QR, the code.

    The QR takes the height the texts leave; when many languages leave it too little,
    the reassuring second line of each invitation goes first.
    """
    inner = 162.0  # the card's text width
    has_logos = bool(piece.logo) + bool(piece.place_logo)
    name_width = inner + 8 - has_logos * 38
    main = piece.words[0].headline if piece.words else ""
    plan: dict[str, Any] = {
        "business": _block(
            piece.business, name_width, largest=11, smallest=6.5, max_lines=2, weight=800
        ),
        "place": _block(piece.place or "", name_width, largest=5.6, smallest=4, max_lines=1),
        "headline": _block(main, inner, largest=19, smallest=9, max_lines=1, weight=800),
        "others": _block(
            other_headlines(piece), inner, largest=10, smallest=6, max_lines=2, weight=600
        ),
        "code": _code(piece, inner, largest=28, smallest=10),
        "label": _block(label_text(piece), inner, largest=7, smallest=5, max_lines=2, weight=600),
    }
    fixed = (
        40  # the band
        + 8
        + 9  # the body's padding
        + plan["headline"]["height"]
        + (plan["others"]["height"] + 2 if len(piece.words) > 1 else 0)
        + 4
        + 4.8  # a gap; the QR's frame
        + 1.5
        + 5.6  # the address under the QR
        + 4
        + 5
        + plan["code"]["height"]
        + plan["label"]["height"]
        + 1.5
        + 1.4
        + 3  # the card's border; a little air
    )
    for reassure in (True, False):
        invites = _invitations(piece, reassure)
        qr_size = 277 - fixed - invites.pop("height")
        if qr_size >= 75:
            break
    plan.update(invites, qr=round(max(60.0, min(112.0, qr_size)), 1))
    return plan


def _invitations(piece: Piece, reassure: bool) -> dict[str, Any]:
    """The invitation sentences in columns (two when there are two languages or more)."""
    words = piece.words[:MAX_LANGUAGES]
    columns = 2 if len(words) > 1 else 1
    width = (162.0 - 8 * (columns - 1)) / columns - 1
    sentences = [
        _block(w.sentence, width, largest=4.6, smallest=3.4, max_lines=3, weight=600) for w in words
    ]
    second = [
        _block(w.reassurance, width, largest=3.9, smallest=3.0, max_lines=2) if reassure else None
        for w in words
    ]
    heights = [
        s["height"] + (r["height"] + 1.2 if r else 0)
        for s, r in zip(sentences, second, strict=True)
    ]
    rows = [max(heights[i : i + columns]) for i in range(0, len(heights), columns)]
    return {
        "words": words,
        "columns": columns,
        "reassure": reassure,
        "sentence": min((s["size"] for s in sentences), default=4.6),
        "reassurance": min((r["size"] for r in second if r), default=3.9),
        "height": 4 + 5.4 + sum(rows) + 5 * (len(rows) - 1),
    }


def plan_coaster(piece: Piece) -> dict[str, Any]:
    """A 90 mm disc: a brand ring, the headlines above the QR, the code below it.

    The column of lines is centred in the 79 mm white disc; its narrow top and bottom
    hold the short lines (the logo, the address).
    """
    has_logo = bool(piece.logo)
    plan: dict[str, Any] = {
        "business": _block(
            piece.business, 44, largest=2.9 if has_logo else 3.6, smallest=2.2, weight=600
        ),
        "headline": _block(
            piece.words[0].headline if piece.words else "",
            54,
            largest=5.6,
            smallest=3.2,
            weight=800,
        ),
        "others": _block(other_headlines(piece), 58, largest=3.2, smallest=2.2, weight=600),
        "code": _code(piece, 52, largest=7.2, smallest=3),
        "qr": 35.0,
    }
    heights = (
        (6.8 if has_logo else 0),
        plan["business"]["height"],
        1.2
        + plan["headline"]["height"]
        + (plan["others"]["height"] if len(piece.words) > 1 else 0)
        + 1,
        plan["qr"],
        0.4 + plan["code"]["height"],
        0.4 + 2.9,  # the address
    )
    plan["top"] = round(max(3.0, (79 - sum(heights)) / 2), 2)
    return plan


def plan_receipt(piece: Piece) -> dict[str, Any]:
    """An 80 mm strip, black on white (receipt printers print one colour)."""
    return {
        "business": _block(piece.business, 68, largest=5.5, smallest=3.5, max_lines=2, weight=800),
        "headline": _block(
            piece.words[0].headline if piece.words else "", 68, largest=8, smallest=4, weight=800
        ),
        "others": _block(
            other_headlines(piece), 68, largest=4.4, smallest=3, max_lines=2, weight=600
        ),
        "code": _code(piece, 68, largest=11, smallest=4),
        "label": _block(label_text(piece), 68, largest=4.2, smallest=3, max_lines=2, weight=600),
        "words": piece.words[:MAX_LANGUAGES],
        "qr": 46.0,
    }


def plan_tent(piece: Piece) -> dict[str, Any]:
    """Two A5-landscape faces of a folded A4 sheet: the QR on the left, the words beside it."""
    words = piece.words[:2]
    width = 98.0
    return {
        "business": _block(piece.business, 150, largest=8, smallest=4.5, weight=800),
        "headline": _block(
            piece.words[0].headline if piece.words else "",
            width,
            largest=11,
            smallest=5,
            weight=800,
        ),
        "others": _block(
            other_headlines(piece), width, largest=6, smallest=3.5, max_lines=2, weight=600
        ),
        "code": _code(piece, width, largest=16, smallest=5),
        "label": _block(
            label_text(piece), width, largest=5.5, smallest=3.5, max_lines=2, weight=600
        ),
        "sentence": min(
            (
                _block(w.sentence, width, largest=4.2, smallest=3.2, max_lines=3)["size"]
                for w in words
            ),
            default=4.2,
        ),
        "words": words,
        "qr": 78.0,
    }


PLANS = {
    Kind.sheet: plan_sheet,
    Kind.coaster: plan_coaster,
    Kind.receipt: plan_receipt,
    Kind.tent: plan_tent,
}


def plan(fmt: Format, piece: Piece) -> dict[str, Any]:
    """The numbers `fmt`'s design needs for `piece`."""
    return PLANS[fmt.kind](piece)
