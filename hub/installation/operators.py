"""The installation's operators: who runs this hub for every business on it.

An operator (role `superadmin`) is no member of any business. Operators and their
sessions are stored under the INSTALLATION scope, apart from every tenant's users and
sessions, and an operator's session cookie is a cookie of its own (another name, another
signing salt: hub/routes/operator_auth.py). So a staff cookie can never act as an
operator, an operator cookie can never act as anyone's staff, and no tenant-scoped query
ever returns an operator.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple

from hub.accounts.access import MAX_PASSWORD, MIN_PASSWORD, password_matches
from hub.accounts.model import check_email
from hub.clock import iso, new_id, new_secret, now, now_iso
from hub.errors import Conflicting, Invalid, Unauthorized
from hub.http.ratelimit import RateLimiter
from hub.ports import INSTALLATION, Conflict, Doc, Store

ROLE = "superadmin"
SESSION_HOURS = 12  # an operator's cookie and session: one working day, not two weeks
_PREFIX = "operator"


class OperatorKey(NamedTuple):
    """What an operator cookie's signed id names."""

    operator_id: str
    session_id: str


def parse_operator_session(auth_id: str | None) -> OperatorKey | None:
    """The parts of a verified operator session id (`operator:<id>:<session>`), else None."""
    if not auth_id or not isinstance(auth_id, str):
        return None
    parts = auth_id.split(":")
    if len(parts) != 3 or parts[0] != _PREFIX or not all(parts):
        return None
    return OperatorKey(parts[1], parts[2])


def public_operator(doc: Doc) -> dict[str, Any]:
    """An operator as JSON: never the password hash."""
    return {
        "id": doc["id"],
        "email": doc["email"],
        "name": doc.get("name"),
        "role": ROLE,
        "created_at": doc.get("created_at"),
    }


async def create_operator(
    store: Store,
    *,
    email: str,
    password: str,
    hash_password: Callable[[str], str],
    name: str | None = None,
) -> Doc:
    """Add an operator of this installation (the CLI and the demo do; no page does)."""
    email = check_email(email)
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise Invalid(
            f"password: from {MIN_PASSWORD} to {MAX_PASSWORD} characters", field="password"
        )
    doc = {
        "id": new_id(),
        "email": email,
        "name": (name or email.split("@")[0]).strip()[:120],
        "password_hash": hash_password(password),
        "created_at": now_iso(),
    }
    try:
        return await store.insert(INSTALLATION, "operators", doc)
    except Conflict:
        raise Conflicting(f"operator {email!r} already exists", field="email") from None


class Operators:
    """Operator logins and sessions, on the store under the INSTALLATION scope."""

    def __init__(self, store: Store, limiter: RateLimiter) -> None:
        self.store = store
        self.limiter = limiter

    async def check_login(self, email: str, password: str, ip: str) -> Doc:
        """The operator these credentials name, or Unauthorized; throttled as staff logins
        are (failures only, per e-mail and address), on keys of their own."""
        email = email.strip().lower()[:320]
        keys = {"ip": ip, "pair": f"{_PREFIX}:{email}|{ip}"}
        async with self.limiter.attempt("login", **keys) as failed:
            found = await self.store.lookup("operators", "email", email) if email else None
            if not await password_matches(found, password) or found is None:
                await failed()
                raise Unauthorized("wrong e-mail or password")
        return found

    async def start_session(self, operator: Doc) -> str:
        """A new server-side session: the id the operator cookie carries."""
        sid = new_secret(24)
        await self.store.insert(
            INSTALLATION,
            "operator_sessions",
            {
                "id": sid,
                "operator_id": operator["id"],
                "created_at": now_iso(),
                "expires_at": iso(now() + timedelta(hours=SESSION_HOURS)),
            },
        )
        expired = {"operator_id": operator["id"], "expires_at": {"lte": now_iso()}}
        for doc in await self.store.find(INSTALLATION, "operator_sessions", expired, limit=50):
            await self.store.delete(INSTALLATION, "operator_sessions", doc["id"])
        return f"{_PREFIX}:{operator['id']}:{sid}"

    async def from_session(self, auth_id: str | None) -> Doc | None:
        """The operator of a verified operator session id, while its session is live."""
        key = parse_operator_session(auth_id)
        if key is None:
            return None
        session = await self.store.get(INSTALLATION, "operator_sessions", key.session_id)
        if (
            session is None
            or session.get("operator_id") != key.operator_id
            or str(session.get("expires_at", "")) <= now_iso()
        ):
            return None
        return await self.store.get(INSTALLATION, "operators", key.operator_id)

    async def log_out(self, auth_id: str | None) -> None:
        """End this one session on the server: a copy of the cookie stops working."""
        key = parse_operator_session(auth_id)
        if key is not None:
            await self.store.delete(INSTALLATION, "operator_sessions", key.session_id)
