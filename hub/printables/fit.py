"""Text that fits its box: sizes chosen from the printed font's own glyph widths.

A poster cannot scroll: a 64-character location code, a long business name or a label in
German must shrink (or wrap) before it overflows the paper. The font is ours (Inter,
vendored in ./fonts), so its advance widths measure exactly what WeasyPrint will draw; a
character Inter lacks (another script, drawn by a fallback font) counts as a wide one.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont

FONTS = Path(__file__).resolve().parent / "fonts"
WEIGHTS = (400, 600, 800)
FALLBACK_EM = 0.8  # a glyph from another font: wider than most of Inter's
SLACK = 1.04  # kerning and rounding: never plan to the last hundredth of a millimetre


@functools.cache
def _advances(weight: int) -> dict[int, float]:
    """Code point → advance width in em for Inter at `weight` (latin and latin-ext files)."""
    widths: dict[int, float] = {}
    for subset in ("latin", "latin-ext"):
        font = TTFont(FONTS / f"inter-{subset}-{weight}-normal.woff2")
        per_em = float(font["head"].unitsPerEm)
        metrics = font["hmtx"].metrics
        for code, glyph in font.getBestCmap().items():
            widths.setdefault(code, metrics[glyph][0] / per_em)
    return widths


def width_em(text: str, weight: int = 400) -> float:
    """How wide `text` is set in Inter at `weight`, in em (1 em = the font size)."""
    advances = _advances(weight)
    return sum(advances.get(ord(char), FALLBACK_EM) for char in text) * SLACK


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The pieces a line may break between, each with whether a space precedes it.

    Lines break at spaces and, as browsers and WeasyPrint do, after a hyphen (a location
    code `terrace-north-2` wraps as `terrace-` / `north-2`).
    """
    out: list[tuple[str, bool]] = []
    for word in text.split():
        parts = re.findall(r"[^-]*-|[^-]+", word) or [word]
        out.extend((part, n == 0 and bool(out)) for n, part in enumerate(parts))
    return out or [("", False)]


def _lines_needed(text: str, weight: int, size: float, width: float) -> int:
    """Lines a greedy wrap of `text` takes at `size` in a box `width` wide (same unit)."""
    space = width_em(" ", weight) * size
    lines, used = 1, 0.0
    for piece, spaced in _pieces(text):
        piece_width = width_em(piece, weight) * size
        gap = space if spaced and used else 0.0
        if used and used + gap + piece_width > width:
            lines, used, gap = lines + 1, 0.0, 0.0
        if piece_width > width:  # longer than a line: broken anywhere
            extra = math.ceil(piece_width / width) - 1
            lines += extra
            used = piece_width - extra * width
        else:
            used += gap + piece_width
    return lines


@dataclass(frozen=True)
class Fitted:
    size: float  # font size, in the unit the box was given in
    lines: int


def fit(
    text: str,
    width: float,
    *,
    largest: float,
    smallest: float,
    max_lines: int = 1,
    weight: int = 400,
) -> Fitted:
    """The largest size (≤ `largest`) at which `text` wraps into `max_lines` in `width`.

    Never below `smallest`: text that does not fit even then takes more lines (the layout
    gives such text a box that can hold them, and shorter text the big type it deserves).
    """
    size = largest
    while size > smallest:
        lines = _lines_needed(text, weight, size, width)
        if lines <= max_lines:
            return Fitted(size, lines)
        size = max(smallest, size * 0.94)
    return Fitted(smallest, _lines_needed(text, weight, smallest, width))
