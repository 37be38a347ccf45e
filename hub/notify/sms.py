"""VonageTransport: SMS through Vonage's SMS API (/sms/json) with the `vonage` SDK.

The SDK is synchronous (requests), so each send runs in a thread. Its own retries are off:
a retried request could send twice, and the outbox already retries with backoff.
"""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.notify import outbox
from hub.notify.gsm import is_gsm7
from hub.notify.transport import DeliveryFailed, Outgoing
from hub.settings import Settings

_PHONE = re.compile(r"^\+?[0-9]{6,15}$")
REPORTS_HOST = "api.nexmo.com"  # Vonage's Reports API (HUB_VONAGE_HOST replaces it too)


def phone_number(raw: str) -> str | None:
    """An international number as Vonage wants it (digits, no +), or None when it is not one."""
    compact = re.sub(r"[\s().-]", "", raw or "")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not _PHONE.match(compact):
        return None
    return compact.lstrip("+")


# Vonage SMS statuses worth trying again: throttled, internal error, out of credit.
_TRANSIENT_STATUS = re.compile(r"error code (1|5|9)\b")


def part_statuses(exc: Exception) -> list[str]:
    """The status of each part of a long SMS that Vonage did not take whole (the SDK's
    PartialFailureError carries them, not an "error code" in its message); [] otherwise."""
    from vonage_sms.errors import PartialFailureError

    data = getattr(exc, "response", None) if isinstance(exc, PartialFailureError) else None
    if not isinstance(data, dict):
        return []
    return [str(m.get("status")) for m in data.get("messages") or [] if isinstance(m, dict)]


def _refused(exc: Exception) -> bool:
    """Whether Vonage refused for good (a bad number, barred, bad credentials): such a
    refusal fails at once; throttling, its 5xx, time-outs and dropped lines are retried."""
    from vonage_http_client.errors import (  # type: ignore[import-untyped]
        HttpRequestError,
        RateLimitedError,
        ServerError,
    )
    from vonage_sms import SmsError

    statuses = part_statuses(exc)
    if statuses:
        # a long SMS, every part refused: retried when each part was throttled, hit an
        # internal error or found no credit; once a part went, trying again sends it twice
        return not all(status in ("1", "5", "9") for status in statuses)
    if isinstance(exc, SmsError):
        return not _TRANSIENT_STATUS.search(str(exc))
    if isinstance(exc, (ServerError, RateLimitedError)):
        return False
    return isinstance(exc, HttpRequestError)  # other 4xx: credentials, a bad request


def sms_type(text: str) -> str:
    """'text' when every character is in the GSM alphabet (the extension table's "€" or
    "[" too: Vonage sends them escaped), else 'unicode'."""
    return "text" if is_gsm7(text) else "unicode"


class VonageTransport:
    """Sends SMS with the Vonage SDK; HUB_VONAGE_HOST points its REST host elsewhere."""

    channel = "sms"

    def __init__(self, settings: Settings, *, timeout: int = 15) -> None:
        if not (settings.vonage_api_key and settings.vonage_api_secret):
            raise ValueError("Vonage is not configured")
        self.api_key = settings.vonage_api_key
        self.api_secret = settings.vonage_api_secret
        self.host = settings.vonage_host
        self.sender = settings.vonage_from
        self.timeout = max(1, int(timeout))
        self._client: Any = None
        # Its own threads: behind other work in the shared pool, a send could start after
        # its caller gave up on it, and then a retry would send the SMS twice.
        self._threads = ThreadPoolExecutor(max_workers=8, thread_name_prefix="vonage")

    def _sms(self) -> Any:
        if self._client is None:
            from vonage import Auth, HttpClientOptions, Vonage

            options: dict[str, Any] = {
                "timeout": self.timeout,
                "max_retries": 0,
                # The SDK re-sends after a dropped connection as many times as the pool is
                # large; one connection means one try (the outbox does the retrying).
                "pool_connections": 1,
                "pool_maxsize": 1,
            }
            if self.host:
                options["rest_host"] = self.host
            self._client = Vonage(
                Auth(api_key=self.api_key, api_secret=self.api_secret),
                http_client_options=HttpClientOptions(**options),
            )
        return self._client.sms

    def _send(self, message: Outgoing, start_by: float) -> str:
        from vonage_sms import SmsMessage

        if time.monotonic() > start_by:
            raise DeliveryFailed(outbox.NO_SENDER_THREAD)
        to = phone_number(message.to)
        if to is None:
            raise DeliveryFailed(f"not a phone number: {message.to!r}", permanent=True)
        sms = SmsMessage(
            to=to,
            from_=(message.sender or self.sender)[:15],
            text=message.text,
            type=sms_type(message.text),
            client_ref=(message.reference or None),
        )
        try:
            response = self._sms().send(sms)
        except Exception as exc:  # SmsError, HTTP errors, time-outs, connection errors
            statuses = part_statuses(exc)
            told = f" (part statuses {', '.join(statuses)})" if statuses else ""
            raise DeliveryFailed(
                f"Vonage: {type(exc).__name__}: {exc}{told}"[:500], permanent=_refused(exc)
            ) from exc
        parts = [f"{m.message_id or '?'} (status {m.status})" for m in response.messages]
        return f"Vonage accepted {response.message_count} part(s): " + ", ".join(parts)

    def _accepted(self, message: Outgoing, since: datetime) -> str | None:
        import requests  # the SDK's own HTTP client (it honours REQUESTS_CA_BUNDLE)

        to = phone_number(message.to)
        if not message.reference or to is None:
            return None
        host = self.host or REPORTS_HOST
        until = datetime.now(UTC) + timedelta(minutes=5)
        response = requests.get(
            f"https://{host}/v2/reports/records",
            params={
                "account_id": self.api_key,
                "product": "SMS",
                "direction": "outbound",
                "date_start": since.astimezone(UTC).isoformat(timespec="seconds"),
                "date_end": until.isoformat(timespec="seconds"),
                "to": to,
                "client_ref": message.reference,
            },
            auth=(self.api_key, self.api_secret),
            timeout=self.timeout,
        )
        response.raise_for_status()
        ids = [
            str(r.get("message_id") or "?")
            for r in response.json().get("records") or []
            if r.get("client_ref") == message.reference
        ]
        if not ids:
            return None
        return "Vonage accepted it on an earlier attempt: " + ", ".join(ids)

    async def accepted(self, message: Outgoing, since: datetime) -> str | None:
        """Ask Vonage's Reports API whether an SMS with this client reference already left.

        Each SMS carries its outbox item's id as `client-ref`; the sender asks this only
        for an item whose earlier attempt never recorded an outcome (a worker killed
        mid-send, an answer lost to a time-out).
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, self._accepted, message, since)

    async def send(self, message: Outgoing) -> str:
        """Send in a worker thread; DeliveryFailed with the provider's words on any error."""
        loop = asyncio.get_running_loop()
        start_by = time.monotonic() + self.timeout
        return await loop.run_in_executor(self._threads, self._send, message, start_by)
