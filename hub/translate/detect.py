"""Offline language detection with lingua, restricted to the languages a tenant works in.

Lingua's models cost memory (about 50 MB a language), so detectors are built lazily, once
per process and language set, and only for the languages asked for. A minimum relative
distance makes it answer None for text too short or too mixed to tell ("ok").
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from typing import Any

MIN_RELATIVE_DISTANCE = 0.25
_detectors: dict[frozenset[str], Any] = {}
_lock = threading.Lock()


def _lingua_language(code: str) -> Any:
    from lingua import IsoCode639_1, Language

    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(code))
    except (ValueError, AttributeError):
        return None


def _detector(languages: frozenset[str], *, preload: bool = False) -> Any:
    with _lock:
        found = _detectors.get(languages)
        if found is None or preload:
            from lingua import LanguageDetectorBuilder

            known = [lang for lang in (_lingua_language(c) for c in sorted(languages)) if lang]
            if len(known) < 2:
                return None
            builder = LanguageDetectorBuilder.from_languages(*known)
            builder = builder.with_minimum_relative_distance(MIN_RELATIVE_DISTANCE)
            if preload:
                builder = builder.with_preloaded_language_models()
            found = builder.build()
            _detectors[languages] = found
        return found


def warm_up(languages: Iterable[str]) -> None:
    """Load the models for `languages` now (a worker does so before forking its jobs)."""
    _detector(frozenset(code.lower()[:2] for code in languages if code), preload=True)


def detect_sync(text: str, languages: Iterable[str]) -> str | None:
    """The ISO 639-1 code of the text's language among `languages`, or None if unsure."""
    wanted = frozenset(code.lower()[:2] for code in languages if code)
    if not text.strip() or not wanted:
        return None
    if len(wanted) == 1:
        return next(iter(wanted))
    detector = _detector(wanted)
    if detector is None:
        return None
    language = detector.detect_language_of(text)
    if language is None:
        return None
    return str(language.iso_code_639_1.name).lower()


async def detect_language(text: str, languages: Iterable[str]) -> str | None:
    """`detect_sync` in a thread: the first call per language set loads models (~1 s)."""
    return await asyncio.to_thread(detect_sync, text, list(languages))


_warming: set[frozenset[str]] = set()


def _wanted(languages: Iterable[str]) -> frozenset[str]:
    return frozenset(code.lower()[:2] for code in languages if code)


async def detect_if_ready(text: str, languages: Iterable[str]) -> str | None:
    """Detect at intake only when the models are already loaded; never make an SOS wait.

    The first call for a language set starts loading in the background and answers None:
    the routing job detects later, as it always does.
    """
    wanted = _wanted(languages)
    if len(wanted) < 2:
        return next(iter(wanted), None) if text.strip() else None
    if wanted not in _detectors:
        if wanted not in _warming:
            _warming.add(wanted)
            asyncio.get_running_loop().run_in_executor(None, _detector, wanted)
        return None
    return await asyncio.to_thread(detect_sync, text, wanted)
