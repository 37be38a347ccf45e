"""Text that fits its box: sizes chosen from the printed font's own glyph widths.

A poster cannot scroll: a 64-character location code, a long business name or a label in
German must shrink (or wrap) before it overflows the paper. The font is ours (Inter,
vendored in ./fonts), so its advance widths measure exactly what WeasyPrint will draw; a
character Inter lacks (another script, drawn by a fallback font) counts as a wide one.
"""

from __future__ import annotations

import functools
import math
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


def _lines_needed(words: list[str], weight: int, size: float, width: float) -> int:
    """Lines a greedy wrap of `words` takes at `size` in a box `width` wide (same unit)."""
    space = width_em(" ", weight) * size
    lines, used = 1, 0.0
    for word in words:
        word_width = width_em(word, weight) * size
        if used and used + space + word_width > width:
            lines, used = lines + 1, 0.0
        if word_width > width:  # a word longer than the line is broken anywhere
            extra = math.ceil(word_width / width) - 1
            lines += extra
            used = word_width - extra * width
        else:
            used += (space if used else 0.0) + word_width
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
    words = text.split() or [""]
    size = largest
    while size > smallest:
        lines = _lines_needed(words, weight, size, width)
        if lines <= max_lines:
            return Fitted(size, lines)
        size = max(smallest, size * 0.94)
    return Fitted(smallest, _lines_needed(words, weight, smallest, width))
