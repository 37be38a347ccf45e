"""Translators behind one port: Apertium (local, Debian), LibreTranslate, DeepL, none.

Apertium translates offline between the pairs Debian packages (README.md lists them):
directly where a pair exists, else through Spanish (fr→en is fr→es→en). `build_translator`
("auto") routes each pair to Apertium when it has a route and to the HTTP provider of
HUB_TRANSLATE_URL (DeepL when its host says so, else the LibreTranslate API) for the rest,
German for one. Every failure is a TranslationFailed, so callers keep the original text
and record why.
"""

from __future__ import annotations

import asyncio
import os
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
PIVOT = "es"  # every Debian pair of ours has Spanish on one side


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


RECENT = 32  # Apertium results kept for reuse (see ApertiumTranslator._remember)


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
        self._recent: dict[tuple[str, str], str] = {}  # (pair, text) -> result, oldest first

    @classmethod
    def available(cls) -> bool:
        """Whether the apertium command and at least one language pair are installed."""
        return shutil.which("apertium") is not None and bool(cls().pairs)

    def _pair(self, source: str, target: str) -> str | None:
        # Debian names modes either way: spa-cat, eng-cat, but es-gl, fr-es, es-pt.
        for pair in (
            f"{ISO3.get(source, source)}-{ISO3.get(target, target)}",
            f"{source}-{target}",
        ):
            if pair in self.pairs:
                return pair
        return None

    def route(self, source: str, target: str) -> list[str] | None:
        """The modes to run in turn: one direct pair, or two through Spanish; None if neither."""
        direct = self._pair(source, target)
        if direct:
            return [direct]
        if PIVOT in (source, target):
            return None
        first, second = self._pair(source, PIVOT), self._pair(PIVOT, target)
        return [first, second] if first and second else None

    def supports(self, source: str, target: str) -> bool:
        return source != target and self.route(source, target) is not None

    async def translate(self, text: str, source: str, target: str) -> str:
        route = self.route(source, target)
        if route is None:
            raise TranslationFailed(f"apertium has no {source}→{target} route installed")
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(2)
        for pair in route:
            done = self._recent.get((pair, text))
            if done is None:
                async with gate:
                    done = await self._run(pair, text)
                self._remember((pair, text), done)
            text = done
        return text

    def _remember(self, key: tuple[str, str], result: str) -> None:
        """Keep a few recent results: an SOS going into several languages through Spanish
        (fr→es→gl, fr→es→ca…) runs its fr→es step once, not once per language."""
        self._recent[key] = result
        while len(self._recent) > RECENT:
            self._recent.pop(next(iter(self._recent)))

    async def _run(self, pair: str, text: str) -> str:
        # The `apertium` script reads /dev/stdin, which cannot be opened on the socket uvloop
        # (`sos-hub serve`) gives a child as its stdin: it then printed nothing. A pipe can.
        read_end, write_end = os.pipe()
        try:
            proc = await asyncio.create_subprocess_exec(
                self.command,
                "-u",
                "-f",
                "txt",
                pair,
                stdin=read_end,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            os.close(write_end)
            raise TranslationFailed(f"apertium could not start: {exc}") from exc
        finally:
            os.close(read_end)
        await asyncio.to_thread(_write_and_close, write_end, text.encode())
        try:
            out, err = await asyncio.wait_for(proc.communicate(), self.timeout)
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


def _write_and_close(fd: int, data: bytes) -> None:
    """All of `data` into a pipe, then its end (the reader's end-of-file)."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except BrokenPipeError:  # the child is gone: communicate() says why
        pass
    finally:
        os.close(fd)


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


class RoutedTranslator:
    """Apertium for the pairs it can route (offline, free), the HTTP provider for the rest.

    A pair Apertium has but fails on (a timeout, a crash) is tried on the HTTP provider too.
    """

    def __init__(self, apertium: ApertiumTranslator, http: Translator) -> None:
        self.apertium = apertium
        self.http = http
        self.name = f"{apertium.name}+{http.name}"

    def supports(self, source: str, target: str) -> bool:
        return self.apertium.supports(source, target) or self.http.supports(source, target)

    async def translate(self, text: str, source: str, target: str) -> str:
        if self.apertium.supports(source, target):
            try:
                return await self.apertium.translate(text, source, target)
            except TranslationFailed as offline:
                if not self.http.supports(source, target):
                    raise
                try:
                    return await self.http.translate(text, source, target)
                except TranslationFailed as online:
                    raise TranslationFailed(f"{offline}; {online}") from online
        if not self.http.supports(source, target):
            raise TranslationFailed(f"no provider translates {source}→{target}")
        return await self.http.translate(text, source, target)


def _http_translator(settings: Settings) -> Translator | None:
    url = settings.translate_url
    if not url:
        return None
    choice = settings.translate_provider
    if choice == "deepl" or (choice == "auto" and "deepl" in (urlsplit(url).hostname or "")):
        return DeepLTranslator(url, settings.translate_key)
    return LibreTranslateTranslator(url, settings.translate_key)


def build_translator(settings: Settings) -> Translator:
    """The configured provider (HUB_TRANSLATE_PROVIDER). "auto": Apertium for every pair it
    can route and the HTTP API of HUB_TRANSLATE_URL for the others, either alone when only
    one is there, else none; "apertium", "libretranslate", "deepl": that one for every pair."""
    choice = settings.translate_provider
    if choice == "none":
        return NoTranslator()
    apertium = ApertiumTranslator() if ApertiumTranslator.available() else None
    if choice == "apertium":
        return apertium or NoTranslator()
    http = _http_translator(settings)
    if choice in ("libretranslate", "deepl") or apertium is None:
        return http or NoTranslator()
    return RoutedTranslator(apertium, http) if http else apertium
