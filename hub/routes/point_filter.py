"""Which access points /admin/points lists: one establishment's, those matching a search.

A restaurant group has dozens of points, several labelled alike ("Barra" in each
restaurant); the manager narrows the list by establishment and by words of the label, the
code, the department or the establishment. Read from the query string of a plain GET form,
so it works without JavaScript; anything unknown or too long is ignored, never an error.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

Q_MAX = 100  # characters of the search kept
NONE = "-"  # the establishment choice "points in no establishment"


def _fold(text: str) -> str:
    """Lower case without accents: "cafetería" is found by "cafeteria"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class PointFilter:
    establishment: str  # a slug, NONE, or "" for all
    q: str

    @property
    def active(self) -> bool:
        return bool(self.establishment or self.q)

    def keeps(self, point: Mapping[str, Any], names: Mapping[str, str] | None = None) -> bool:
        """Whether `point` (as point_json shows it) is listed."""
        if self.establishment == NONE and point.get("establishment"):
            return False
        if (
            self.establishment not in ("", NONE)
            and point.get("establishment") != self.establishment
        ):
            return False
        if not self.q:
            return True
        words = [
            point.get("code"),
            point.get("label"),
            *(point.get("labels") or {}).values(),
            point.get("department"),
            point.get("establishment"),
            *((names or {}).get(str(point.get("establishment") or ""), ""),),
        ]
        haystack = _fold(" ".join(str(w) for w in words if w))
        return all(term in haystack for term in _fold(self.q).split())


def point_filter(args: Mapping[str, str], establishments: Collection[str]) -> PointFilter:
    """The filter asked in `args` (`establishment`, `q`); an unknown establishment: all."""
    slug = str(args.get("establishment") or "").strip()
    if slug != NONE and slug not in establishments:
        slug = ""
    q = " ".join(str(args.get("q") or "").split())[:Q_MAX]
    return PointFilter(slug, q)


__all__ = ["NONE", "PointFilter", "point_filter"]
