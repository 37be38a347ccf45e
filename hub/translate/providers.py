"""Translators behind one port: Apertium (local, Debian), LibreTranslate, DeepL, none.

`build_translator(settings)` picks: an HTTP provider when HUB_TRANSLATE_URL is set (DeepL
when its host says so, else the LibreTranslate API), else Apertium when the `apertium`
command is installed, else NoTranslator. Every failure is a TranslationFailed, so callers
keep the original text and record why.
"""

from __future__ import annotations

import asyncio
import shutil
import weakref
from pathlib import Path
from typing import ClassVar, Protocol
from urllib.parse import urlsplit

import httpx

from hub.settings import Settings

# ISO 639-1 (what tickets store) to the ISO 639-3 codes Apertium names its pairs with.
ISO3 = {
    "es": "spa",
    "en": "eng",
    "ca": "cat",
    "fr": "fra",
    "pt": "por",
    "it": "ita",
    "gl": "glg",
    "eu": "eus",
    "oc": "oci",
    "de": "deu",
    "nl": "nld",
    "ro": "ron",
}
APERTIUM_MODES = Path("/usr/share/apertium/modes")


class TranslationFailed(Exception):
    """The provider could not translate; the message says why."""


class Translator(Protocol):
    """Translates plain text between two ISO 639-1 languages."""

    name: str

    def supports(self, source: str, target: str) -> bool:
        """Whether this provider can translate source → target at all."""
        ...

    async def translate(self, text: str, source: str, target: str) -> str:
        """The translation, or TranslationFailed."""
        ...


class NoTranslator:
    """No provider configured: nothing is translated (and that is not an error)."""

    name = "none"

    def supports(self, source: str, target: str) -> bool:
        return False

    async def translate(self, text: str, source: str, target: str) -> str:
        raise TranslationFailed("no translation provider configured")


class ApertiumTranslator:
    """Debian's rule-based Apertium, offline (`apertium -u -f txt spa-eng`, ~0.1 s a call)."""

    name = "apertium"

    # Each call starts a pipeline of about ten processes: a burst of SOS must queue for it,
    # not thrash the machine. One gate per event loop (a semaphore belongs to its loop).
    _gates: ClassVar[weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(
        self, command: str = "apertium", *, timeout: float = 20.0, modes: Path = APERTIUM_MODES
    ) -> None:
        self.command = command
        self.timeout = timeout
        found = modes.glob("*.mode") if modes.is_dir() else ()
        self.pairs = frozenset(p.stem for p in found)

    @classmethod
    def available(cls) -> bool:
        """Whether the apertium command and at least one language pair are installed."""
        return shutil.which("apertium") is not None and bool(cls().pairs)

    def _pair(self, source: str, target: str) -> str | None:
        pair = f"{ISO3.get(source, source)}-{ISO3.get(target, target)}"
        return pair if pair in self.pairs else None

    def supports(self, source: str, target: str) -> bool:
        return self._pair(source, target) is not None

    async def translate(self, text: str, source: str, target: str) -> str:
        pair = self._pair(source, target)
        if pair is None:
            raise TranslationFailed(f"apertium has no {source}→{target} pair installed")
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(2)
        async with gate:
            return await self._run(pair, text)

    async def _run(self, pair: str, text: str) -> str:
        try:
            proc = await asyncio.create_subprocess_exec(
                self.command,
                "-u",
                "-f",
                "txt",
                pair,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise TranslationFailed(f"apertium could not start: {exc}") from exc
        try:
            out, err = await asyncio.wait_for(proc.communicate(text.encode()), self.timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise TranslationFailed(f"apertium took longer than {self.timeout:g} s") from None
        except asyncio.CancelledError:  # shutting down mid-translation: leave no child behind
            proc.kill()
            await proc.wait()
            raise
        if proc.returncode != 0:
            raise TranslationFailed(f"apertium failed: {err.decode(errors='replace')[:200]}")
        result = out.decode(errors="replace").strip()
        if not result:
            raise TranslationFailed("apertium returned nothing")
        return result


class _HttpTranslator:
    name = "http"

    def __init__(self, url: str, key: str | None, *, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.key = key
        self.timeout = timeout

    def supports(self, source: str, target: str) -> bool:
        return source != target

    async def _post(self, url: str, json: object, headers: dict[str, str]) -> object:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(url, json=json, headers=headers)
        except httpx.HTTPError as exc:
            raise TranslationFailed(f"{self.name}: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise TranslationFailed(
                f"{self.name}: HTTP {response.status_code}: {response.text[:200]}"
            )
        try:
            return response.json()
        except ValueError:
            raise TranslationFailed(f"{self.name}: the answer is not JSON") from None


class LibreTranslateTranslator(_HttpTranslator):
    """A LibreTranslate-compatible API: POST /translate {q, source, target, format, api_key}."""

    name = "libretranslate"

    async def translate(self, text: str, source: str, target: str) -> str:
        url = self.url if self.url.endswith("/translate") else self.url + "/translate"
        body = {"q": text, "source": source, "target": target, "format": "text"}
        if self.key:
            body["api_key"] = self.key
        data = await self._post(url, body, {})
        translated = data.get("translatedText") if isinstance(data, dict) else None
        if not isinstance(translated, str) or not translated.strip():
            raise TranslationFailed("libretranslate: no translatedText in the answer")
        return translated


class DeepLTranslator(_HttpTranslator):
    """DeepL: POST /v2/translate {text: [...], source_lang, target_lang}, key in a header."""

    name = "deepl"

    async def translate(self, text: str, source: str, target: str) -> str:
        url = self.url if self.url.endswith("/v2/translate") else self.url + "/v2/translate"
        headers = {"Authorization": f"DeepL-Auth-Key {self.key or ''}"}
        body = {"text": [text], "source_lang": source.upper(), "target_lang": target.upper()}
        data = await self._post(url, body, headers)
        try:
            translated = data["translations"][0]["text"]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            raise TranslationFailed("deepl: no translations in the answer") from None
        if not isinstance(translated, str) or not translated.strip():
            raise TranslationFailed("deepl: empty translation")
        return translated


def build_translator(settings: Settings) -> Translator:
    """The configured provider (HUB_TRANSLATE_PROVIDER; "auto": HTTP when HUB_TRANSLATE_URL is
    set, DeepL when its host says so, else Apertium when installed, else none)."""
    choice = settings.translate_provider
    url = settings.translate_url
    if choice == "none":
        return NoTranslator()
    if choice == "apertium" or (choice == "auto" and not url):
        return ApertiumTranslator() if ApertiumTranslator.available() else NoTranslator()
    if not url:
        return NoTranslator()
    if choice == "deepl" or (choice == "auto" and "deepl" in (urlsplit(url).hostname or "")):
        return DeepLTranslator(url, settings.translate_key)
    return LibreTranslateTranslator(url, settings.translate_key)
