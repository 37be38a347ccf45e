"""A local HTTP server speaking the LibreTranslate API (POST /translate) and DeepL's
(POST /v2/translate), for the real HTTP client. It "translates" from a small phrase book,
else by tagging the text with the target language; it can fail the next N requests, and
hold the requests into the `held` languages until `release` is set (a slow translation).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.helpers import free_port

PHRASES = {
    ("es", "en"): {"La ducha no funciona": "The shower does not work"},
    ("en", "es"): {"The shower does not work": "La ducha no funciona"},
}


def fake_translation(text: str, source: str, target: str) -> str:
    return PHRASES.get((source, target), {}).get(text, f"[{target}] {text}")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        fake = self.server.fake
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if str(body.get("target") or body.get("target_lang") or "").lower() in fake.held:
            fake.release.wait(15)
        with fake.lock:
            fake.requests.append(
                {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
            )
            failing = fake.failures > 0
            if failing:
                fake.failures -= 1
        if failing:
            self._json(500, {"error": "translation engine crashed"})
        elif self.path == "/translate":
            self._json(
                200, {"translatedText": fake_translation(body["q"], body["source"], body["target"])}
            )
        elif self.path == "/v2/translate":
            target = body["target_lang"].lower()
            source = body.get("source_lang", "").lower()
            texts = [fake_translation(t, source, target) for t in body["text"]]
            self._json(
                200,
                {
                    "translations": [
                        {"detected_source_language": source.upper(), "text": t} for t in texts
                    ]
                },
            )
        else:
            self._json(404, {"error": "not found"})

    def _json(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: TranslateServer


class TranslateServer:
    """The fake translation API on a free loopback port; a context manager."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.requests: list[dict[str, Any]] = []
        self.failures = 0
        self.held: set[str] = set()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.httpd = _Server(("127.0.0.1", self.port), _Handler)
        self.httpd.fake = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def env(self, provider: str = "libretranslate") -> dict[str, str]:
        """The hub's settings for this server: every pair through it, or ("auto") the pairs
        Apertium cannot route."""
        return {
            "HUB_TRANSLATE_URL": self.url,
            "HUB_TRANSLATE_KEY": "translate-key",
            "HUB_TRANSLATE_PROVIDER": provider,
        }

    def __enter__(self) -> TranslateServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
