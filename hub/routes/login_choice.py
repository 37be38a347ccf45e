"""The login's choice of business: an e-mail with accounts at several businesses whose
password opened more than one is shown their names, and picks one.

The password is not asked again, nor carried in the page: the chooser carries a signed,
short-lived list of the accounts the password opened, tied to this browser's pre-login
cookie (hub.routes.login_form), so it is worth nothing in another browser or after a few
minutes. Each account is named with a fingerprint of its password hash: a password changed
meanwhile (or an account switched off) makes the choice fail as a wrong password would.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer
from quart import request

from hub.accounts.access import Opening
from hub.container import hub
from hub.ports import Doc
from hub.routes.login_form import COOKIE

FIELD = "choice"
MAX_AGE = 5 * 60  # long enough to read a few names, short enough to be of no later use
_SALT = "sos-hub.login-choice"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(hub().settings.secret_key, salt=_SALT)


def _fingerprint(user: Doc) -> str:
    return hashlib.sha256(str(user.get("password_hash") or "").encode()).hexdigest()[:16]


def choice_token(opened: list[Opening]) -> str:
    """What the chooser carries: the opened accounts, for this browser's cookie only."""
    accounts = [[o.user["tenant_id"], o.user["id"], _fingerprint(o.user)] for o in opened]
    return str(_serializer().dumps({"b": request.cookies.get(COOKIE, ""), "a": accounts}))


def businesses(opened: list[Opening]) -> list[dict[str, str]]:
    """The chooser's list: each business's id and name, by name."""
    named = [{"id": str(o.tenant["id"]), "name": _name(o.tenant)} for o in opened]
    return sorted(named, key=lambda b: b["name"].casefold())


def _name(tenant: Doc) -> str:
    return str(tenant.get("name") or tenant.get("slug") or tenant["id"])


def _accounts(token: str | None) -> list[Any]:
    """The accounts a genuine, recent token made for this browser lists (else none)."""
    cookie = request.cookies.get(COOKIE, "")
    if not token or not cookie or len(token) > 4000:
        return []
    try:
        signed = _serializer().loads(token, max_age=MAX_AGE)
    except BadData:
        return []
    if not isinstance(signed, dict) or not hmac.compare_digest(str(signed.get("b")), cookie):
        return []
    accounts = signed.get("a")
    return accounts if isinstance(accounts, list) else []


async def chosen(token: str | None, tenant_id: str) -> Opening | None:
    """The account the chooser's token opened at `tenant_id`, if it still may log in."""
    for entry in _accounts(token):
        if not (isinstance(entry, list) and len(entry) == 3 and entry[0] == tenant_id):
            continue
        opening = await hub().access.reopen(tenant_id, str(entry[1]))
        if opening is None or _fingerprint(opening.user) != entry[2]:
            return None
        return opening
    return None
