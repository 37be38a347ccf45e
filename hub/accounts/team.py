"""A business's staff, managed by its admins: invite, change roles, deactivate, reset passwords.

An invited user has no password until they open their one-time link
(`hub.accounts.password_links`) and choose one; the link is also e-mailed when the hub can
send mail. Two rules keep a business from locking itself out: an admin cannot switch
themselves off, and the last active admin can be neither demoted nor switched off.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import socketio

from hub.accounts.access import check_new_password, shut_out
from hub.accounts.model import (
    STAFF_LANGUAGES,
    STAFF_SUSPENDED,
    Role,
    check_email,
    check_language,
    is_suspended,
)
from hub.accounts.password_links import (
    Found,
    LinkState,
    Purpose,
    find_link,
    issue_link,
    retire_links,
    use_link,
)
from hub.accounts.passwords import hash_password
from hub.accounts.staff_auth import end_sessions, is_active
from hub.clock import new_id, now_iso
from hub.errors import Conflicting, Forbidden, Gone, Invalid, NotFound, Suspended
from hub.ports import Conflict, Doc, Store
from hub.realtime.server import close_logins, close_user

log = logging.getLogger(__name__)

GRANTABLE = (Role.agent, Role.manager, Role.admin)  # what an admin may hand out, at most
NAME_MAX = 120
LAST_ADMIN = "the business needs at least one active admin: make someone else admin first"


@dataclass(frozen=True)
class LinkLetter:
    """A set-password link on its way to its user by e-mail: what the message says."""

    to: str
    name: str
    language: str
    business: str
    timezone: str
    url: str
    expires_at: str
    purpose: Purpose
    by: str  # the admin who sent it


# Sends a letter; True when the mail server took it. The hub has one only with SMTP set up.
SendLink = Callable[[LinkLetter], Awaitable[bool]]


@dataclass(frozen=True)
class Issued:
    """A user with a fresh one-time link: the link is shown once, to the admin who asked."""

    user: Doc
    url: str
    expires_at: str
    emailed: bool


def grantable_role(role: str, by: Doc) -> Role:
    """The role `by` may hand out: 400 naming `role` if unknown, 403 if above their reach."""
    try:
        wanted = Role(role)
    except ValueError:
        raise Invalid("role must be agent, manager or admin", field="role") from None
    if wanted not in GRANTABLE or not Role(by["role"]).allows(wanted):
        raise Forbidden(f"role: you may not grant the {wanted.value} role", field="role")
    return wanted


def _name(value: str) -> str:
    name = " ".join(value.split())[:NAME_MAX]
    if not name:
        raise Invalid("name must not be empty", field="name")
    return name


def _language(value: str) -> str:
    language = check_language(value)
    if language not in STAFF_LANGUAGES:
        choices = ", ".join(STAFF_LANGUAGES)
        raise Invalid(f"language: must be one of {choices}", field="language")
    return language


def _default_language(tenant: Doc) -> str:
    """The business's language when the staff pages speak it, else English."""
    language = str(tenant.get("language") or "")
    return language if language in STAFF_LANGUAGES else "en"


def _by_name(by: Doc) -> str:
    """How a letter names the person who sent it."""
    return str(by.get("name") or by.get("email") or "")


def _is_active_admin(user: Doc) -> bool:
    return is_active(user) and user.get("role") == Role.admin.value


class Team:
    """The staff of each business: the admin's use cases, and setting a password by link."""

    def __init__(
        self,
        store: Store,
        sio: socketio.AsyncServer,
        *,
        public_url: str,
        link_hours: float,
        mailer: SendLink | None = None,
    ) -> None:
        self.store = store
        self.sio = sio
        self.public_url = public_url.rstrip("/")
        self.link_hours = link_hours
        self.mailer = mailer

    async def invite(
        self, by: Doc, *, email: str, role: str, name: str | None, language: str | None
    ) -> Issued:
        """A new colleague with no password yet, and their one-time link (e-mailed if possible).

        The e-mail is unique within the business (409 naming `email`): another business's
        accounts are neither in the way nor told about. Nothing stays half-made.
        """
        tenant = await self._tenant(by)
        email = check_email(email)
        doc: Doc = {
            "id": new_id(),
            "email": email,
            "name": _name(name or email.split("@")[0]),
            "role": grantable_role(role, by).value,
            "language": _language(language) if language else _default_language(tenant),
            "password_hash": None,  # no password works until they choose one
            "token_hash": None,
            "active": True,
            "invited_by": by["id"],
            "created_at": now_iso(),
        }
        try:
            user = await self.store.insert(tenant["id"], "users", doc)
        except Conflict:
            raise Conflicting(
                f"email: {email} already has an account in this business", field="email"
            ) from None
        try:
            return await self._issue(_by_name(by), tenant, user, Purpose.invite)
        except Exception:
            await self.store.delete(tenant["id"], "users", user["id"])  # no user without a link
            raise

    async def change(self, by: Doc, user_id: str, changes: Doc) -> Doc:
        """An admin changes a colleague's name, language, role or `active` (same business).

        Switching someone off ends their sessions, token and consoles at once; a new role
        closes their consoles, which reconnect into the rooms of that role.
        """
        user = await self._colleague(by, user_id)
        sets = self._sets(by, user, changes)
        if changes.get("active") is False and is_active(user):
            if user["id"] == by["id"]:
                raise Conflicting(
                    "active: you cannot switch off your own account; another admin can",
                    field="active",
                )
            sets["active"] = False
        elif changes.get("active") is True and not is_active(user):
            sets["active"] = True
        if not sets:
            return user
        leaving = _is_active_admin(user) and not _is_active_admin({**user, **sets})
        field = "active" if sets.get("active") is False else "role"
        if leaving and not await self._other_admins(user):
            raise Conflicting(f"{field}: {LAST_ADMIN}", field=field)
        changed = await self.store.update(user["tenant_id"], "users", user["id"], sets) or user
        if leaving and not await self._other_admins(user):
            # two admins demoting each other at once: the later one is undone
            undo = {k: user.get(k, True if k == "active" else None) for k in sets}
            await self.store.update(user["tenant_id"], "users", user["id"], undo)
            raise Conflicting(f"{field}: {LAST_ADMIN}", field=field)
        if sets.get("active") is False:
            await shut_out(self.store, self.sio, user["tenant_id"], user["id"])
        elif "role" in sets:
            await close_user(self.sio, user["id"])
        return changed

    def _sets(self, by: Doc, user: Doc, changes: Doc) -> Doc:
        """The fields of `changes` that differ from `user`, checked."""
        sets: Doc = {}
        if changes.get("name") is not None:
            sets["name"] = _name(str(changes["name"]))
        if changes.get("language") is not None:
            sets["language"] = _language(str(changes["language"]))
        if changes.get("role") is not None:
            sets["role"] = grantable_role(str(changes["role"]), by).value
        return {k: v for k, v in sets.items() if v != user.get(k)}

    async def reset_password(self, by: Doc, user_id: str) -> Issued:
        """A fresh one-time link for a colleague: their old password, sessions, API token and
        open consoles end now.

        A reset is what an admin reaches for when a password may have leaked: a token made
        with it (`POST /api/v1/me/token` asks no password) must not outlive it. Once the
        colleague has chosen a new password, they make a new token for their integrations.
        """
        user = await self._colleague(by, user_id)
        if user["id"] == by["id"]:
            raise Conflicting("id: change your own password on your account page", field="id")
        cleared = {"password_hash": None, "token_hash": None}
        user = await self.store.update(user["tenant_id"], "users", user["id"], cleared) or user
        await end_sessions(self.store, user["tenant_id"], user["id"])
        await close_user(self.sio, user["id"])  # its consoles, by cookie or by token
        return await self._issue(_by_name(by), await self._tenant(by), user, Purpose.reset)

    async def update_me(self, user: Doc, changes: Doc) -> Doc:
        """One's own display name, language and console shortcuts (on or off)."""
        sets = self._sets(user, user, {k: changes.get(k) for k in ("name", "language")})
        if changes.get("shortcuts") is not None and bool(changes["shortcuts"]) != (
            user.get("shortcuts") is not False
        ):
            sets["shortcuts"] = bool(changes["shortcuts"])
        if not sets:
            return user
        return await self.store.update(user["tenant_id"], "users", user["id"], sets) or user

    async def open_link(self, token: str) -> Found:
        """What a set-password link is worth now, with its user (for the page).

        A suspended business's link waits (Suspended, 423): it works again once resumed.
        """
        found = await find_link(self.store, token)
        if found.state is LinkState.valid and not is_active(found.user):
            return Found(LinkState.used, found.link, found.user)  # switched off since
        if found.state is LinkState.valid and found.user is not None:
            tenant = await self.store.get(
                found.user["tenant_id"], "tenants", found.user["tenant_id"]
            )
            if is_suspended(tenant):
                raise Suspended(STAFF_SUSPENDED)
        return found

    async def set_password(self, token: str, password: str) -> Doc:
        """Choose a password with a one-time link: it works once, then never again.

        The password's rules are checked before the link is spent; any session the user
        still had ends (a reset link is used when a password may have leaked).
        """
        found = await self.open_link(token)
        if found.state is not LinkState.valid or found.link is None or found.user is None:
            raise Gone(f"this link is {found.state.value}", field="token")
        check_new_password(password, field="password")
        hashed = await asyncio.to_thread(hash_password, password)  # Argon2: off the loop
        if not await use_link(self.store, found.link):
            raise Gone("this link is used", field="token")
        user = found.user
        sets: Doc = {"password_hash": hashed, "password_set_at": now_iso()}
        user = await self.store.update(user["tenant_id"], "users", user["id"], sets) or user
        await retire_links(self.store, user)
        await close_logins(self.sio, await end_sessions(self.store, user["tenant_id"], user["id"]))
        return user

    async def invite_first_admin(self, tenant: Doc, user: Doc, by: str) -> Issued:
        """The invitation of a new business's first admin, sent by the operator (`by`).

        The business and the user are already stored (by `hub.installation.businesses`);
        like any invitation the link is e-mailed when the hub can send mail.
        """
        return await self._issue(by, tenant, user, Purpose.invite)

    async def _issue(self, by: str, tenant: Doc, user: Doc, purpose: Purpose) -> Issued:
        token, link = await issue_link(self.store, user, purpose, self.link_hours)
        url = f"{self.public_url}/set-password/{token}"
        letter = LinkLetter(
            to=str(user["email"]),
            name=str(user.get("name") or ""),
            language=str(user.get("language") or tenant.get("language") or "en"),
            business=str(tenant.get("name") or ""),
            timezone=str(tenant.get("timezone") or "UTC"),
            url=url,
            expires_at=str(link["expires_at"]),
            purpose=purpose,
            by=by,
        )
        return Issued(user, url, link["expires_at"], await self._mail(letter))

    async def _mail(self, letter: LinkLetter) -> bool:
        """Send the letter if the hub can; a mail failure never undoes the invitation."""
        if self.mailer is None:
            return False
        try:
            return await self.mailer(letter)
        except Exception:  # the admin still has the link on screen to pass on by hand
            log.exception("could not e-mail the %s link to %s", letter.purpose, letter.to)
            return False

    async def _tenant(self, by: Doc) -> Doc:
        tenant = await self.store.get(by["tenant_id"], "tenants", by["tenant_id"])
        if tenant is None:
            raise NotFound("no such business", field="tenant")
        return tenant

    async def _colleague(self, by: Doc, user_id: str) -> Doc:
        """A user of `by`'s business (another business's is 404, as if it did not exist)."""
        user = await self.store.get(by["tenant_id"], "users", user_id) if user_id else None
        if user is None:
            raise NotFound("no such user", field="id")
        return user

    async def _other_admins(self, user: Doc) -> bool:
        """Whether an active admin other than `user` remains in their business."""
        admins = await self.store.find(user["tenant_id"], "users", {"role": Role.admin.value})
        return any(_is_active_admin(a) and a["id"] != user["id"] for a in admins)
