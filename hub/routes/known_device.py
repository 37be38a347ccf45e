"""Known devices: a browser where staff logged in before keeps logging in from an address
a stranger is guessing from (OWASP's "device cookies").

The login limit per address (30 failures a minute) stops one place guessing many
accounts, but a hotel's guests and its reception share one public address: a guest's 30
wrong guesses, or 5 at the manager's e-mail, would lock the reception out too. After a
successful login the browser gets a cookie for that e-mail: a random id, signed with the
hub's secret, under a name keyed by the e-mail (a shared reception PC keeps one per
colleague). A login for that e-mail from that browser is throttled on its own key (the
e-mail and the device), not by the address: a stranger's guesses never reach it, and a
stolen cookie buys 5 guesses a minute at one account, as an address does.
"""

from __future__ import annotations

import hashlib
import hmac

from itsdangerous import BadData, URLSafeTimedSerializer
from quart import Response, after_this_request, request
from werkzeug.wrappers import Response as WerkzeugResponse

from hub.clock import new_secret
from hub.container import hub

PREFIX = "sos_known_"
MAX_AGE = 180 * 24 * 3600  # a colleague back after a season's break is still known
_SALT = "sos-hub.known-device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(hub().settings.secret_key, salt=_SALT)


def _tag(email: str) -> str:
    key = hub().settings.secret_key.encode()
    return hmac.new(key, f"known-device:{email}".encode(), hashlib.sha256).hexdigest()


def known_device(email: str) -> str | None:
    """This browser's device id for `email`, when it logged in as them before.

    The signed value names the e-mail too: a cookie earned by logging in to one's own
    account, put under another's cookie name, is worth nothing there.
    """
    tag = _tag(email)
    raw = request.cookies.get(PREFIX + tag[:20])
    if not raw or len(raw) > 300:
        return None
    try:
        signed = _serializer().loads(raw, max_age=MAX_AGE)
    except BadData:
        return None
    if not isinstance(signed, list) or len(signed) != 2:
        return None
    for_tag, ident = signed
    if not isinstance(for_tag, str) or not hmac.compare_digest(for_tag, tag):
        return None
    return ident if isinstance(ident, str) and 8 <= len(ident) <= 64 else None


def remember_device(email: str) -> None:
    """Give this browser (or keep) its device cookie for `email`, with the answer."""
    tag = _tag(email)
    value = str(_serializer().dumps([tag, known_device(email) or new_secret(12)]))
    name = PREFIX + tag[:20]

    @after_this_request
    async def set_cookie(response: Response | WerkzeugResponse) -> Response | WerkzeugResponse:
        response.set_cookie(
            name,
            value,
            max_age=MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=hub().settings.secure_cookies,
        )
        return response
