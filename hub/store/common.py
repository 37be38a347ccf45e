"""Small helpers both store adapters share."""

from __future__ import annotations

from hub.clock import now_iso

__all__ = ["now_iso"]
