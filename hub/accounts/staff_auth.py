"""Who is this staff member? One answer for HTTP requests and socket.io connections.

A session cookie names a session record in the store (tenant, user, session id, signed by
quart-auth); only a live record lets the cookie in. Logging out, changing the password and
deactivating the user delete records, so a copied cookie stops working at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from http.cookies import CookieError, SimpleCookie
from typing import NamedTuple

from hub.accounts.model import STAFF_SUSPENDED, is_suspended
from hub.accounts.passwords import hash_token
from hub.clock import iso, new_secret, now, now_iso
from hub.errors import Suspended
from hub.ports import Doc, Store

SESSION_DAYS = 14  # as long as the cookie (QUART_AUTH_DURATION)


class SessionKey(NamedTuple):
    """What a session cookie's signed id names."""

    tenant_id: str
    user_id: str
    session_id: str


def parse_session_id(auth_id: str | None) -> SessionKey | None:
    """The parts of a verified session id; None for anything else (older cookies too)."""
    if not auth_id or not isinstance(auth_id, str):
        return None
    parts = auth_id.split(":")
    if len(parts) != 3 or not all(parts):
        return None
    return SessionKey(*parts)


def is_active(user: Doc | None) -> bool:
    """Whether this user may act at all (`active: false` shuts every door)."""
    return user is not None and user.get("active", True) is not False


async def start_session(store: Store, user: Doc, *, days: int = SESSION_DAYS) -> str:
    """Record a new session of `user`; returns the id for the signed cookie."""
    sid = new_secret(24)
    await store.insert(
        user["tenant_id"],
        "sessions",
        {
            "id": sid,
            "user_id": user["id"],
            "created_at": now_iso(),
            "expires_at": iso(now() + timedelta(days=days)),
        },
    )
    # tidy as we go: this user's sessions that ran out are of no use to anyone
    expired = {"user_id": user["id"], "expires_at": {"lte": now_iso()}}
    for doc in await store.find(user["tenant_id"], "sessions", expired, limit=50):
        await store.delete(user["tenant_id"], "sessions", doc["id"])
    return f"{user['tenant_id']}:{user['id']}:{sid}"


async def end_session(store: Store, auth_id: str | None) -> SessionKey | None:
    """Forget one session (logout); returns what it named, if anything."""
    key = parse_session_id(auth_id)
    if key is not None:
        await store.delete(key.tenant_id, "sessions", key.session_id)
    return key


async def end_sessions(
    store: Store, tenant_id: str, user_id: str, *, keep: str | None = None
) -> list[str]:
    """Forget every session of a user but `keep`; returns the ids ended (their sockets close)."""
    ended = []
    for doc in await store.find(tenant_id, "sessions", {"user_id": user_id}):
        if doc["id"] != keep:
            await store.delete(tenant_id, "sessions", doc["id"])
            ended.append(str(doc["id"]))
    return ended


class StaffAuth:
    """Resolve API tokens and session cookies to staff users (with their tenant).

    A user of a suspended business raises Suspended instead: the session and the token stay
    (nothing is deleted) and work again once the business is resumed.
    """

    def __init__(
        self, store: Store, load_session: Callable[[str], str | None], cookie_name: str
    ) -> None:
        self.store = store
        self._load_session = load_session
        self.cookie_name = cookie_name

    async def from_token(self, token: str | None) -> Doc | None:
        """The active user whose API token this is."""
        if not token or not isinstance(token, str) or len(token) > 200:
            return None
        user = await self.store.lookup("users", "token_hash", hash_token(token))
        return await self._admit(user)

    async def from_session(self, auth_id: str | None) -> Doc | None:
        """The active user of a verified session id, while its session is live."""
        key = parse_session_id(auth_id)
        if key is None:
            return None
        session = await self.store.get(key.tenant_id, "sessions", key.session_id)
        if (
            session is None
            or session.get("user_id") != key.user_id
            or str(session.get("expires_at", "")) <= now_iso()
        ):
            return None
        user = await self.store.get(key.tenant_id, "users", key.user_id)
        return await self._admit(user)

    async def _admit(self, user: Doc | None) -> Doc | None:
        """The user if active, while their business is not suspended."""
        if user is None or not is_active(user):
            return None
        tenant = await self.store.get(user["tenant_id"], "tenants", user["tenant_id"])
        if is_suspended(tenant):
            raise Suspended(STAFF_SUSPENDED)
        return user

    def session_id_of(self, header: str | None) -> str | None:
        """The verified session id in a raw Cookie header (socket.io handshakes)."""
        if not header:
            return None
        try:
            jar = SimpleCookie(header)
        except CookieError:
            return None
        morsel = jar.get(self.cookie_name)
        return None if morsel is None else self._load_session(morsel.value)

    async def from_cookie_header(self, header: str | None) -> Doc | None:
        """The user of a raw Cookie header (socket.io handshakes carry no Quart request)."""
        return await self.from_session(self.session_id_of(header))
