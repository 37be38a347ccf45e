"""The form's bot signals: a filled honeypot, and a signed stamp of when the form was served;
and the cheap look at a page request that tells a crawler or link previewer from a phone."""

from __future__ import annotations

import re
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from hub import clock
from hub.ports import Doc
from hub.tickets.filters import MIN_SUBMIT_SECONDS

_STAMP_SALT = "sos-hub.form-stamp"

# Robots that fetch a QR link without a person behind it: search engines, the previews
# chat apps build when a link is shared, HTTP libraries. Headless browsers are left alone;
# so are Cubot phones.
_AUTOMATED = re.compile(
    r"(?<!cu)bot\b|bot/|crawl|spider|slurp|preview|facebookexternalhit|whatsapp|telegram|"
    r"^curl/|^wget/|python-|go-http-client|java/|okhttp|libwww|httpclient|axios/|node-fetch",
    re.IGNORECASE,
)


def form_stamp(secret: str, code: str, served_ms: int | None = None) -> str:
    """A signed "served at" time (milliseconds) for the form behind `code`."""
    served = int(clock.now().timestamp() * 1000) if served_ms is None else served_ms
    return URLSafeSerializer(secret, salt=_STAMP_SALT).dumps([code, served])


def form_signals(secret: str, code: str, website: str | None, stamp: str | None) -> Doc:
    """What the form tells about its sender: a filled honeypot, the time taken to submit."""
    signals: Doc = {"honeypot": bool((website or "").strip())}
    if not stamp:
        signals["stamp"] = "missing"
        return signals
    try:
        stamped = URLSafeSerializer(secret, salt=_STAMP_SALT).loads(stamp[:200])
    except BadSignature:
        stamped = None
    if (
        isinstance(stamped, list)
        and len(stamped) == 2
        and stamped[0] == code
        and isinstance(stamped[1], int)
    ):
        signals["elapsed_ms"] = int(clock.now().timestamp() * 1000) - stamped[1]
    else:
        signals["stamp"] = "invalid"
    return signals


def bot_reason(signals: Any) -> str | None:
    """honeypot or too_fast, from the signals the form route recorded."""
    if not isinstance(signals, dict):
        return None
    if signals.get("honeypot"):
        return "honeypot"
    elapsed = signals.get("elapsed_ms")
    if isinstance(elapsed, int) and elapsed < MIN_SUBMIT_SECONDS * 1000:
        return "too_fast"
    return None


def automated_client(user_agent: str | None) -> bool:
    """Does this request come from a program rather than a person's browser (no user agent
    at all, a crawler, a link previewer, an HTTP library)? Only read, never kept."""
    agent = (user_agent or "").strip()
    return not agent or bool(_AUTOMATED.search(agent[:512]))
