"""The printed formats, and how pieces are placed on paper.

Every size is in millimetres. A piece is what is cut out (a poster, a coaster); a page is
the paper it is printed on. For a PDF a page may hold the piece with room around it for
crop marks (coaster, receipt), or several pieces (many points on A4 sheets); a PNG or SVG
page is the piece itself, nothing around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

A4 = (210.0, 297.0)
MARK_ROOM = 12.0  # around a lone piece that is cut out: room for its crop marks
MAX_LANGUAGES = 4  # invitations printed in full; more languages keep their headline only


class Kind(StrEnum):
    """Which design draws a piece (web/print/pieces.html has one macro per kind)."""

    sheet = "sheet"  # posters and flyers: one design, drawn at A4 and scaled
    coaster = "coaster"
    receipt = "receipt"
    tent = "tent"


FormatName = Literal["poster-a4", "poster-a3", "flyer-a5", "coaster", "receipt", "table-tent"]
TypeName = Literal["pdf", "png", "svg"]
TYPES: tuple[TypeName, ...] = ("pdf", "png", "svg")


@dataclass(frozen=True)
class Format:
    name: FormatName
    kind: Kind
    width: float
    height: float  # a receipt's is as long as its text needs (layout.plan_receipt)
    scale: float = 1.0  # the sheet design is drawn for A4 and scaled to this paper
    bleed: float = 0.0  # colour printed past the cut line, so a slightly-off cut shows none
    cut_out: bool = False  # a lone piece's PDF page has room for crop marks around it
    per_sheet: tuple[int, int] | None = None  # many points: (columns, rows) on an A4 sheet


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("poster-a4", Kind.sheet, 210, 297),
        Format("poster-a3", Kind.sheet, 297, 420, scale=297 / 210),
        Format("flyer-a5", Kind.sheet, 148, 210, scale=148 / 210),
        Format("coaster", Kind.coaster, 90, 90, bleed=2, cut_out=True, per_sheet=(2, 3)),
        Format("receipt", Kind.receipt, 80, 156, cut_out=True, per_sheet=(2, 2)),
        Format("table-tent", Kind.tent, 210, 297),
    )
}


# What a point's "Print" link makes, from how the point is printed (its `kind`); a kiosk (or
# an old kind) gets the A4 poster.
FORMAT_OF_KIND = {
    "poster": "poster-a4",
    "flyer": "flyer-a5",
    "coaster": "coaster",
    "receipt": "receipt",
    "table-tent": "table-tent",
}
DEFAULT_FORMAT = "poster-a4"
# Many points at once (GET /api/v1/print): each in the format of its own kind, one PDF.
OWN = "own"


def format_for(kind: str | None) -> str:
    """The printable format of a point of this kind: a coaster point prints a coaster."""
    return FORMAT_OF_KIND.get(str(kind or ""), DEFAULT_FORMAT)


@dataclass(frozen=True)
class Slot:
    """Where one piece sits on a page (its trimmed box)."""

    index: int  # which piece of the print run
    x: float
    y: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    slots: tuple[Slot, ...]
    marks: bool  # crop or cut marks around each slot
    bleed: float = 0.0


def pages_for(fmt: Format, count: int, height: float, *, print_ready: bool) -> list[Page]:
    """The pages of a run of `count` pieces `height` tall: print-ready (PDF) or the bare
    pieces (PNG, SVG)."""
    width = fmt.width
    if not print_ready:
        return [Page(width, height, (Slot(i, 0, 0),), marks=False) for i in range(count)]
    if fmt.per_sheet is not None and count > 1:
        return _sheets(fmt, count, width, height)
    if fmt.cut_out:
        room = MARK_ROOM
        return [
            Page(width + 2 * room, height + 2 * room, (Slot(i, room, room),), True, fmt.bleed)
            for i in range(count)
        ]
    return [Page(width, height, (Slot(i, 0, 0),), marks=False) for i in range(count)]


def _sheets(fmt: Format, count: int, width: float, height: float) -> list[Page]:
    """Pieces side by side on A4 sheets, evenly spaced, as many as fit up to `per_sheet`."""
    assert fmt.per_sheet is not None
    columns, rows = fmt.per_sheet
    sheet_w, sheet_h = A4
    rows = max(1, min(rows, int(sheet_h // (height + 8))))
    gap_x = (sheet_w - columns * width) / (columns + 1)
    gap_y = (sheet_h - rows * height) / (rows + 1)
    per_page = columns * rows
    pages = []
    for start in range(0, count, per_page):
        slots = tuple(
            Slot(
                start + n,
                gap_x + (n % columns) * (width + gap_x),
                gap_y + (n // columns) * (height + gap_y),
            )
            for n in range(min(per_page, count - start))
        )
        pages.append(Page(sheet_w, sheet_h, slots, marks=True, bleed=fmt.bleed))
    return pages
