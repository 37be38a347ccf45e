"""Which `Origin` may open a socket: the hub's public one, HUB_ALLOWED_ORIGINS, and the
address the browser itself reached this hub at (same-origin).

A page served from http://localhost:9333 talks to the hub at that same address, whatever
HUB_PUBLIC_URL says (http://127.0.0.1:9333): refusing its socket would leave a console that
logged in over HTTP without live updates. A page elsewhere cannot choose the `Host` its
victim's browser sends, so accepting an Origin equal to the handshake's own host lets no
other site in (cross-site socket hijacking needs a foreign Origin, refused as before).
As for form posts (hub/routes/auth.py), the host alone is compared: a proxy ending TLS
makes the scheme the hub sees differ from the browser's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from hub.settings import Settings

OriginCheck = Callable[[str | None, Mapping[str, Any]], bool]


def same_origin(origin: str, host: str | None) -> bool:
    """Whether `origin` (scheme://host[:port]) names the host this request was sent to."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc or not host:
        return False
    return parts.netloc.lower() == host.strip().lower()


def origin_check(settings: Settings) -> OriginCheck:
    """python-engineio's `cors_allowed_origins` callable: (Origin, the WSGI-style environ)."""
    allowed = {settings.public_origin, *settings.allowed_origins}

    def accepts(origin: str | None, environ: Mapping[str, Any]) -> bool:
        if not origin:
            return False  # engine.io asks only when an Origin was sent; none is not one of ours
        return origin in allowed or same_origin(origin, environ.get("HTTP_HOST"))

    return accepts
