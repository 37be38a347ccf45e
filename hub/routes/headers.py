"""Security headers on every response: a strict CSP (no inline script), no referrer leaks,
and no redirect built from the request's `Host` header."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from quart import Quart, Response, request

from hub.container import hub

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def home_location(location: str, request_host: str, public_url: str) -> str:
    """`location`, made relative when it was built from the request's Host (forgeable).

    Werkzeug's own redirects (merging `//` in a path, say) are absolute URLs on whatever
    host the client named. Ours are relative or under HUB_PUBLIC_URL, which stay as they are.
    """
    target = urlsplit(location)
    if not target.netloc or target.netloc.lower() == urlsplit(public_url).netloc.lower():
        return location
    if target.netloc.lower() != request_host.lower():
        return location  # a deliberate link elsewhere, not an echo of the Host header
    path = "/" + target.path.lstrip("/\\")  # never "//host": that is another site again
    return urlunsplit(("", "", path, target.query, target.fragment))


def register(app: Quart) -> None:
    """Add the headers after every request."""

    @app.after_request
    async def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Thread links carry a secret: never send them onwards as a Referer (those pages say
        # no-referrer themselves). "same-origin" sends none to any other origin, and lets
        # the staff pages' posts name their real Origin, which writes with the session
        # cookie must (routes/auth.py: under no-referrer a browser sends "Origin: null").
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        location = response.headers.get("Location")
        if location:
            response.headers["Location"] = home_location(
                location, request.host, hub().settings.public_url
            )
        return response
