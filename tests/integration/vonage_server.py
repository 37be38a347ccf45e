"""A local HTTPS server speaking Vonage's SMS API (POST /sms/json), for the real SDK.

The SDK only speaks https, so the server has a self-signed certificate made at test time
(SAN IP:127.0.0.1); tests point REQUESTS_CA_BUNDLE at `ca_file`. It can be told to fail
the next N requests (a Vonage error status, or HTTP 500) or to hang on them (never
answer: a provider that went silent, or a worker killed mid-request), or to accept an SMS
and then hang ("accept-hang": the SMS went out, but its sender never heard so). `requests`
holds every request it read, `accepted` only the SMS it accepted. Like Vonage's Reports
API (`GET /v2/reports/records`), it answers which accepted SMS carried a `client-ref`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import ssl
import threading
import time
import uuid
from base64 import b64decode
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.helpers import free_port

API_KEY = "test-key"
API_SECRET = "test-secret-1"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert.pem, key.pem) in `folder`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "vonage-cert.pem", folder / "vonage-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `requests`, not the log."""

    def do_GET(self) -> None:
        """The synchronous Reports API: accepted SMS records, filtered as asked."""
        fake = self.server.fake
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        auth = self.headers.get("Authorization", "")
        key, _, secret = b64decode(auth[6:]).decode().partition(":") if auth else ("", "", "")
        with fake.lock:
            fake.report_queries.append(query)
        if url.path != "/v2/reports/records":
            self._json(404, {"title": "Not found"})
            return
        if (key, secret) != (API_KEY, API_SECRET):
            self._json(401, {"title": "Unauthorized"})
            return
        with fake.lock:
            records = [
                {
                    "account_id": API_KEY,
                    "message_id": m["message-id"],
                    "client_ref": m.get("client-ref"),
                    "direction": "outbound",
                    "to": m.get("to"),
                    "from": m.get("from"),
                    "status": "accepted",
                }
                for m in fake.accepted
                if all(
                    m.get(k.replace("_", "-")) == v
                    for k, v in query.items()
                    if k in ("client_ref", "to")
                )
            ]
        self._json(
            200,
            {
                "request_status": "SUCCESS",
                "items_count": len(records),
                "records": records,
                "ids_not_found": "",
            },
        )

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            key, _, secret = b64decode(auth[6:]).decode().partition(":")
            form.setdefault("api_key", key)
            form.setdefault("api_secret", secret)
        with fake.lock:
            fake.requests.append(form)
            mode = fake.script.pop(0) if fake.script else "ok"
        fake.seen.set()
        if self.path != "/sms/json":
            self._json(404, {"error": "not found"})
            return
        if mode == "hang":
            fake.release.wait(fake.hang_seconds)
            self.close_connection = True
            return
        if mode == "http500":
            self._json(500, {"error": "internal"})
            return
        if form.get("api_key") != API_KEY or form.get("api_secret") != API_SECRET:
            self._answer(form, "4", "Bad Credentials")
            return
        if mode == "error":
            self._answer(form, "1", "Throttled")
            return
        if mode == "error-parts":  # a long SMS, each of its two parts throttled
            parts = [{"to": form.get("to", ""), "status": "1", "error-text": "Throttled"}] * 2
            self._json(200, {"message-count": "2", "messages": parts})
            return
        if mode == "refuse":  # for good: trying again cannot help
            self._answer(form, "6", "Unroutable message - rejected")
            return
        form["message-id"] = uuid.uuid4().hex[:16]
        with fake.lock:
            fake.accepted.append(form)
        if mode == "accept-hang":
            fake.release.wait(fake.hang_seconds)
            self.close_connection = True
            return
        self._answer(form, "0", None)

    def _answer(self, form: dict[str, str], status: str, error: str | None) -> None:
        message: dict[str, Any] = {"to": form.get("to", ""), "status": status}
        if error:
            message["error-text"] = error
        else:
            message.update(
                {
                    "message-id": form["message-id"],
                    "remaining-balance": "9.50",
                    "message-price": "0.05",
                    "network": "21401",
                }
            )
        if form.get("client-ref"):
            message["client-ref"] = form["client-ref"]
        self._json(200, {"message-count": "1", "messages": [message]})

    def _json(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: VonageServer


class VonageServer:
    """The fake SMS API; use as a context manager (it serves in a background thread)."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.ca_file, key_file = make_certificate(folder)
        self.requests: list[dict[str, str]] = []
        self.accepted: list[dict[str, str]] = []
        self.report_queries: list[dict[str, str]] = []  # what the hub asked the Reports API
        self.script: list[str] = []  # what to do with the next requests: error, http500, hang
        self.lock = threading.Lock()
        self.seen = threading.Event()
        self.release = threading.Event()
        self.hang_seconds = 60.0
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_file, key_file)
        self.httpd = _Server(("127.0.0.1", self.port), _Handler)
        self.httpd.fake = self
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def fail_next(self, count: int, how: str = "error") -> None:
        """Answer the next `count` requests with a failure: "error" (throttled, worth
        retrying), "refuse" (unroutable: failed at once), "http500", "hang" or "accept-hang"
        (accepted and sent, but never answered)."""
        with self.lock:
            self.script.extend([how] * count)

    def env(self) -> dict[str, str]:
        """HUB_* variables (and the CA bundle) that point the Vonage SDK at this server."""
        return {
            "HUB_VONAGE_API_KEY": API_KEY,
            "HUB_VONAGE_API_SECRET": API_SECRET,
            "HUB_VONAGE_FROM": "SOSHUB",
            "HUB_VONAGE_HOST": f"127.0.0.1:{self.port}",
            "REQUESTS_CA_BUNDLE": str(self.ca_file),
        }

    def to(self, number: str) -> list[dict[str, str]]:
        """Accepted SMS sent to `number` (digits, no +)."""
        return [m for m in self.accepted if m.get("to") == number]

    async def wait_for(self, count: int, within: float = 15.0) -> list[dict[str, str]]:
        """Poll until at least `count` SMS were accepted; fail after `within` seconds."""
        deadline = time.monotonic() + within
        while len(self.accepted) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} SMS, got {len(self.accepted)} "
                    f"(of {len(self.requests)} requests)"
                )
            await asyncio.sleep(0.05)
        return list(self.accepted)

    def __enter__(self) -> VonageServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
