"""The business's targets: what the manager promises themselves, read against the figures.

The dashboard (/admin/stats) shows each target beside the period's actual figure, met or
missed. A target is optional (null: none set); PATCH /api/v1/tenant with `targets` changes
the ones given and keeps the others, and a wrong value is a 400 naming `targets.<name>`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from hub.errors import Invalid

# name -> (lowest, highest, whole numbers only)
TARGETS: Mapping[str, tuple[float, float, bool]] = {
    "first_response_minutes": (1, 720 * 60, True),  # at most the longest promise (720 h)
    "within_promise_share": (0, 1, False),
    "nps": (-100, 100, True),
    "complaints_per_1000_scans": (0, 1000, False),
}


def _refused(name: str, message: str) -> Invalid:
    return Invalid(f"targets.{name}: {message}", field=f"targets.{name}")


def check_target(name: str, value: Any) -> float | int | None:
    """One target within its bounds (null: no target)."""
    if value is None:
        return None
    low, high, whole = TARGETS[name]
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or (whole and value != int(value)):
        kind = "a whole number" if whole else "a number"
        raise _refused(name, f"{kind} from {low:g} to {high:g}, or null")
    if not low <= value <= high:
        raise _refused(name, f"from {low:g} to {high:g}")
    return int(value) if whole else float(value)


def check_targets(current: Mapping[str, Any] | None, given: Any) -> dict[str, Any]:
    """The targets after a change: those `given` replace, the others stay; null clears all."""
    if given is None:
        return dict.fromkeys(TARGETS)
    if not isinstance(given, Mapping):
        raise Invalid('targets: an object such as {"nps": 30}', field="targets")
    out = targets_json(current)
    for name, value in given.items():
        if name not in TARGETS:
            raise _refused(str(name)[:40], f"not a target; one of {', '.join(TARGETS)}")
        out[name] = check_target(name, value)
    return out


def targets_json(stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every target by name, null where none is set (as GET /api/v1/tenant shows them)."""
    stored = stored if isinstance(stored, Mapping) else {}
    return {name: stored.get(name) for name in TARGETS}
