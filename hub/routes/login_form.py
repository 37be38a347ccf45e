"""The staff login form's CSRF token: signed, tied to a pre-login cookie (double submit).

Login CSRF makes a victim's browser log in to an attacker's account; a cross-site form
cannot read our page, so it cannot send the token that goes with the victim's cookie.
The cookie holds a random value; the form carries that value signed with the app's secret.
"""

from __future__ import annotations

import hmac

from itsdangerous import BadData, URLSafeTimedSerializer
from quart import Response, request
from werkzeug.wrappers import Response as WerkzeugResponse

from hub.clock import new_secret
from hub.container import hub

COOKIE = "sos_login"
FIELD = "csrf_token"
MAX_AGE = 12 * 3600  # a login page left open over a shift still works
_SALT = "sos-hub.login-form"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(hub().settings.secret_key, salt=_SALT)


def browser_value() -> str:
    """This browser's pre-login value: its cookie's, or a new one (set by `remember`)."""
    value = request.cookies.get(COOKIE, "")
    return value if 16 <= len(value) <= 64 and value.isascii() else new_secret(16)


def form_token(value: str) -> str:
    """The token the form carries for the browser holding `value`."""
    return str(_serializer().dumps(value))


def token_matches(token: str | None) -> bool:
    """Whether the posted token was made for this browser's cookie, recently."""
    cookie = request.cookies.get(COOKIE)
    if not token or not cookie or len(token) > 300:
        return False
    try:
        signed = _serializer().loads(token, max_age=MAX_AGE)
    except BadData:
        return False
    return isinstance(signed, str) and hmac.compare_digest(signed, cookie)


def remember(
    response: Response | WerkzeugResponse, value: str, path: str = "/login"
) -> Response | WerkzeugResponse:
    """Set (or refresh) the pre-login cookie the form's token is tied to (sent to `path`)."""
    response.set_cookie(
        COOKIE,
        value,
        max_age=MAX_AGE,
        httponly=True,
        samesite="Lax",
        path=path,
        secure=hub().settings.secure_cookies,
    )
    return response
