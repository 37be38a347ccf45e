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
LABELS = 2  # a point's label in at most two languages: the code is what must be read
POSTER_QR_WANTED = 75.0  # mm on A4 (106 on A3): below it, the posters' texts give way


def other_headlines(piece: Piece) -> str:
    """The headlines after the main language's, for the line under it."""
    return " · ".join(w.headline for w in piece.words[1:])


def main_headline(piece: Piece) -> str:
    return piece.words[0].headline if piece.words else ""


def label_text(piece: Piece) -> str:
    return " · ".join(piece.labels[:LABELS])


def _block(text: str, width: float, **kwargs: Any) -> dict[str, float]:
    """A fitted text's font size and the height its lines take."""
    fitted = fit(text, width, **kwargs)
    return {"size": round(fitted.size, 2), "height": round(fitted.lines * fitted.size * LINE, 2)}


def _one_line_if_possible(
    text: str, width: float, *, largest: float, shrink_to: float, smallest: float
) -> dict[str, float]:
    """One line down to `shrink_to`; two lines (from `largest`) only for longer text."""
    one = fit(text, width, largest=largest, smallest=shrink_to, weight=600)
    if one.lines == 1:
        return {"size": round(one.size, 2), "height": round(one.size * LINE, 2)}
    return _block(text, width, largest=largest, smallest=smallest, max_lines=2, weight=600)


def _code(piece: Piece, width: float, largest: float, smallest: float) -> dict[str, float]:
    """The location code as large as it goes: one line down to 70 % of `largest`, then up to
    three lines (a code breaks after its hyphens), smaller only when even that is too wide."""
    fitted = fit(piece.code, width, largest=largest, smallest=largest * 0.7, weight=800)
    if fitted.lines > 1:
        fitted = fit(piece.code, width, largest=largest, smallest=smallest, max_lines=3, weight=800)
    return {"size": round(fitted.size, 2), "height": round(fitted.lines * fitted.size * 1.05, 2)}


def _common(piece: Piece, width: float, **sizes: tuple[float, float]) -> dict[str, Any]:
    """What every design prints, fitted to `width`: headlines, code, label."""
    headline, others, code, label = (
        sizes["headline"],
        sizes["others"],
        sizes["code"],
        sizes["label"],
    )
    return {
        "headline": _block(
            main_headline(piece), width, largest=headline[0], smallest=headline[1], weight=800
        ),
        "others": _one_line_if_possible(
            other_headlines(piece),
            width,
            largest=others[0],
            shrink_to=others[0] * 0.7,
            smallest=others[1],
        ),
        "code": _code(piece, width, largest=code[0], smallest=code[1]),
        "label": _block(
            label_text(piece), width, largest=label[0], smallest=label[1], max_lines=2, weight=600
        ),
        "labels": piece.labels[:LABELS],
    }


def plan_sheet(piece: Piece) -> dict[str, Any]:
    """Posters and flyers, drawn for A4 (210 × 297): a brand band, the QR, the code.

    The QR takes the height the texts leave. When many languages leave it too little, the
    texts give way in turn: the reassuring second line of each invitation first, then the
    sentences beyond the first two languages (their headlines stay).
    """
    inner = 162.0  # the card's text width
    name_width = inner + 8 - (bool(piece.logo) + bool(piece.place_logo)) * 38
    plan = _common(piece, inner, headline=(19, 9), others=(10, 5), code=(28, 7), label=(7, 5))
    plan["code"] = _code(piece, inner + 8, largest=28, smallest=7)  # the code may use the padding
    plan["address"] = _block(piece.address, inner, largest=4.3, smallest=3, max_lines=2, weight=600)
    plan["business"] = _block(
        piece.business, name_width, largest=11, smallest=6.5, max_lines=2, weight=800
    )
    plan["place"] = _block(piece.place or "", name_width, largest=5.6, smallest=4)
    # The body under the band, inside the card's border and padding: block layout, the
    # three gaps between its parts computed here (WeasyPrint's flex sizes wrapped text
    # unreliably), the QR as large as the rest allows.
    body = 277 - 1.4 - 40 - 8 - 9
    texts = (
        plan["headline"]["height"]
        + (plan["others"]["height"] + 2 if len(piece.words) > 1 else 0)
        + 4.8  # the QR's frame and padding
        + 1.5
        + plan["address"]["height"]
        + 5  # the caption
        + plan["code"]["height"]
        + (plan["label"]["height"] + 1.5 if piece.labels else 0)
        + 3  # air at the bottom: estimates are estimates
    )
    for reassure, languages in (
        (True, MAX_LANGUAGES),
        (False, MAX_LANGUAGES),
        (False, 2),
        (False, 1),
    ):
        invites = _invitations(piece, reassure, languages)
        qr_size = body - texts - invites["height"] - 3 * 4
        if qr_size >= POSTER_QR_WANTED:
            break
    qr_size = round(max(60.0, min(112.0, qr_size)), 1)
    gap = max(2.0, (body - texts - invites.pop("height") - qr_size) / 3)
    plan.update(invites, qr=qr_size, gap=round(gap, 2))
    return plan


def _invitations(piece: Piece, reassure: bool, languages: int) -> dict[str, Any]:
    """The invitation sentences in columns (two when there are two languages or more)."""
    words = piece.words[:languages]
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
        "height": 5.35 + sum(rows) + 5 * (len(rows) - 1),  # a rule, its padding, the rows
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
        **_common(piece, 54, headline=(5.6, 3.2), others=(3.2, 2.2), code=(7.2, 3), label=(2.8, 2)),
        "address": _block(piece.address, 46, largest=2.2, smallest=1.8, max_lines=2),
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
        0.4 + plan["label"]["height"] if piece.labels else 0,
        0.4 + plan["address"]["height"] * 1.1,
    )
    plan["top"] = round(max(3.0, (79 - sum(heights)) / 2), 2)
    return plan


def plan_receipt(piece: Piece) -> dict[str, Any]:
    """An 80 mm strip, black on white (receipt printers print one colour), as long as its
    lines need (`height`): paper is not wasted, and nothing runs off the end."""
    words = piece.words[:MAX_LANGUAGES]
    plan: dict[str, Any] = {
        **_common(piece, 68, headline=(8, 4), others=(4.4, 3), code=(11, 4), label=(4.2, 3)),
        "business": _block(piece.business, 68, largest=5.5, smallest=3.5, max_lines=2, weight=800),
        "address": _block(piece.address, 68, largest=3, smallest=2.4, max_lines=2),
        "words": words,
        "qr": 46.0,
    }
    sentences = [fit(w.sentence, 68, largest=3.3, smallest=3.3, max_lines=9) for w in words]
    plan["height"] = round(
        6  # the padding above
        + (15.5 if piece.logo or piece.place_logo else 0)
        + plan["business"]["height"]
        + (5 if piece.place else 0)
        + 7.85  # the dashed rule
        + plan["headline"]["height"]
        + (plan["others"]["height"] if len(piece.words) > 1 else 0)
        + 2.5
        + sum(f.lines * 3.3 * 1.22 + 2 for f in sentences)
        + plan["qr"]
        + 5
        + plan["code"]["height"]
        + (plan["label"]["height"] + 1.2 if piece.labels else 0)
        + plan["address"]["height"] * 1.1
        + 2
        + 5,  # the padding below (the estimates run a little long: room to tear)
        1,
    )
    return plan


def plan_tent(piece: Piece) -> dict[str, Any]:
    """Two A5-landscape faces of a folded A4 sheet: the QR on the left, the words beside it."""
    words = piece.words[:2]
    width = 98.0
    band = 176.0 - 18 * (bool(piece.logo) + bool(piece.place_logo))  # the band's text width
    sentences = [fit(w.sentence, width, largest=4.2, smallest=3.2, max_lines=3) for w in words]
    return {
        **_common(piece, width, headline=(11, 5), others=(6, 3.5), code=(16, 5), label=(5.5, 3.5)),
        "business": _block(
            piece.business,
            band,
            largest=7.5,
            smallest=4,
            max_lines=1 if piece.place else 2,
            weight=800,
        ),
        "place": _block(piece.place or "", band, largest=4.6, smallest=3.2),
        "address": _block(piece.address, 82, largest=3.2, smallest=2.4, max_lines=2, weight=600),
        "sentence": round(min((f.size for f in sentences), default=4.2), 2),
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


def run_height(fmt: Format, plans: list[dict[str, Any]]) -> float:
    """How tall the pieces of a run are: the format's, or the longest receipt's."""
    return max((float(p.get("height", fmt.height)) for p in plans), default=fmt.height)
