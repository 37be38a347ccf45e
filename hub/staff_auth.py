"""Who is this staff member? One answer for HTTP requests and socket.io connections."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie

from hub.ports import Doc, Store
from hub.security import hash_token


def session_id(user: Doc) -> str:
    """The id kept in the signed session cookie: tenant and user."""
    return f"{user['tenant_id']}:{user['id']}"


class StaffAuth:
    """Resolve API tokens and session cookies to staff users (with their tenant)."""

    def __init__(
        self, store: Store, load_session: Callable[[str], str | None], cookie_name: str
    ) -> None:
        self.store = store
        self._load_session = load_session
        self.cookie_name = cookie_name

    async def from_token(self, token: str | None) -> Doc | None:
        """The user whose API token this is."""
        if not token or not isinstance(token, str) or len(token) > 200:
            return None
        return await self.store.lookup("users", "token_hash", hash_token(token))

    async def from_session(self, auth_id: str | None) -> Doc | None:
        """The user a verified session id names."""
        if not auth_id or ":" not in auth_id:
            return None
        tenant_id, user_id = auth_id.split(":", 1)
        return await self.store.get(tenant_id, "users", user_id)

    async def from_cookie_header(self, header: str | None) -> Doc | None:
        """The user of a raw Cookie header (socket.io handshakes carry no Quart request)."""
        if not header:
            return None
        try:
            jar = SimpleCookie(header)
        except CookieError:
            return None
        morsel = jar.get(self.cookie_name)
        if morsel is None:
            return None
        return await self.from_session(self._load_session(morsel.value))
