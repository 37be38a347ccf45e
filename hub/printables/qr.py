"""The QR symbol of a point's address, as one SVG path for the printed page.

segno computes the symbol; it is drawn here as filled squares merged into runs, one path
with no strokes, so every renderer (WeasyPrint, cairo, a browser, a design tool) draws the
same sharp modules at any size. The quiet zone (the white margin scanners need) is part
of the drawing, so no layout can eat it. The colour is the template's to choose: a receipt
prints it black, a poster in the business's colour when that is dark enough.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno

QUIET_ZONE = 3  # modules; the white tile around the symbol adds more
ERROR_LEVEL = "m"  # 15 % of the symbol may be scratched or stained; segno raises it when free


@dataclass(frozen=True)
class Symbol:
    path: str  # the dark modules, in module units
    modules: int  # per side, quiet zone included


def make_symbol(url: str) -> Symbol:
    """The QR code of `url`."""
    code = segno.make(url, error=ERROR_LEVEL, micro=False)
    parts = []
    for y, modules in enumerate(code.matrix_iter(border=QUIET_ZONE)):
        row = list(modules)
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    size = int(code.symbol_size(border=QUIET_ZONE)[0])
    return Symbol(path="".join(parts), modules=size)
