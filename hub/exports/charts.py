"""Charts for the monthly report as plain SVG, drawn here.

Hand-made rather than pygal: the report needs two shapes (bars across, columns over days),
WeasyPrint draws inline SVG but runs no script and reads no external style sheet, which is
where pygal puts its look, and four small functions are easier to keep than a dependency.
Every label is escaped (a point's label is the business's text); sizes are in px of the
SVG's own box, scaled to the column width by the page.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

INK = "#1f2933"
MUTED = "#6b7280"
BAR = "#2563eb"
GOOD = "#16a34a"
BAD = "#dc2626"
ROW = 22  # px per bar
LABEL_WIDTH = 170
WIDTH = 720  # px of a full-width chart: about 8 pt type on an A4 column


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{INK}" '
        f'text-anchor="{anchor}">{escape(text)}</text>'
    )


def _svg(height: float, body: str, title: str, width: int = WIDTH) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
        f'width="{width}" height="{height:.0f}" role="img" font-family="Inter, sans-serif">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def bars(
    items: Sequence[tuple[str, float]],
    title: str,
    *,
    colours: Sequence[str] | None = None,
    unit: str = "",
    width: int = WIDTH,
) -> Markup:
    """Horizontal bars, one per (label, value), the value written after each bar; `width`
    300 for a half column (the text keeps its size on paper)."""
    top = max((v for _, v in items), default=0) or 1
    half = width < WIDTH
    label_width = width // 2 if half else LABEL_WIDTH
    size, most = (10, 26) if half else (11, 28)
    span = width - label_width - 40
    parts: list[str] = []
    for i, (label, value) in enumerate(items):
        y = i * ROW
        length = max(1.0, span * value / top) if value else 0.0
        colour = colours[i % len(colours)] if colours else BAR
        short = label if len(label) <= most else label[: most - 1] + "…"
        parts.append(_text(label_width - 6, y + 15, short, anchor="end", size=size))
        parts.append(
            f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{ROW - 8}" '
            f'rx="2" fill="{colour}"/>'
        )
        shown = f"{value:g}{unit}"
        parts.append(_text(label_width + length + 6, y + 15, shown, size=size))
    return _svg(max(ROW, ROW * len(items)), "".join(parts), title, width)


def columns(items: Sequence[tuple[str, int]], title: str, *, every: int = 5) -> Markup:
    """Columns over time (days of a month), a label under every `every`-th column and the
    highest value written on the axis."""
    height, base, left = 150.0, 125.0, 30.0
    top = max((v for _, v in items), default=0) or 1
    step = (WIDTH - left - 10) / max(1, len(items))
    parts = [
        f'<line x1="{left}" y1="{base}" x2="{WIDTH - 10}" y2="{base}" stroke="{MUTED}"/>',
        _text(left - 4, 14, str(top), anchor="end", size=10),
        f'<line x1="{left}" y1="10" x2="{WIDTH - 10}" y2="10" stroke="#e5e7eb"/>',
    ]
    for i, (label, value) in enumerate(items):
        x = left + i * step
        tall = (base - 10) * value / top
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{base - tall:.1f}" width="{max(1.0, step - 2):.1f}" '
            f'height="{tall:.1f}" fill="{BAR}"/>'
        )
        if i % every == 0 or i == len(items) - 1:
            parts.append(_text(x + step / 2, base + 14, label, anchor="middle", size=10))
    return _svg(height, "".join(parts), title)
