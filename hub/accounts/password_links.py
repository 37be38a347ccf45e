"""One-time set-password links: an invitation, or an admin's password reset.

The link carries a random token; the store keeps only its SHA-256 (like API tokens), the
user it is for, when it stops working and when it was used. Using it is a compare-and-set
on `used_at`, so two tabs racing with the same link cannot both set a password. A new
link for a user retires the ones still pending, so only the latest one works.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from hub.accounts.passwords import hash_token
from hub.clock import iso, new_id, new_secret, now, now_iso
from hub.ports import Doc, Store

COLLECTION = "password_links"
MAX_TOKEN = 200  # longer than any token we make: refused before hashing


class Purpose(StrEnum):
    """Why the link was made: the page and the e-mail word it accordingly."""

    invite = "invite"
    reset = "reset"


class LinkState(StrEnum):
    """What a link is worth now."""

    valid = "valid"
    used = "used"  # used, or replaced by a newer link
    expired = "expired"
    unknown = "unknown"


@dataclass(frozen=True)
class Found:
    """A link looked up by its token: its state, its record and its user (when known)."""

    state: LinkState
    link: Doc | None = None
    user: Doc | None = None


async def issue_link(store: Store, user: Doc, purpose: Purpose, hours: float) -> tuple[str, Doc]:
    """A new link for `user` valid `hours`; returns the token (shown once) and the record.

    Earlier links still pending are retired first: the one just handed out is the only one.
    """
    await retire_links(store, user)
    token = new_secret(32)
    doc: Doc = {
        "id": new_id(),
        "token_hash": hash_token(token),
        "user_id": user["id"],
        "purpose": purpose.value,
        "created_at": now_iso(),
        "expires_at": iso(now() + timedelta(hours=hours)),
        "used_at": None,
    }
    return token, await store.insert(user["tenant_id"], COLLECTION, doc)


async def retire_links(store: Store, user: Doc) -> None:
    """Make every pending link of `user` unusable (a newer one, or the password was set)."""
    pending = {"user_id": user["id"], "used_at": None}
    for link in await store.find(user["tenant_id"], COLLECTION, pending):
        await store.update_if(
            user["tenant_id"], COLLECTION, link["id"], {"used_at": None}, {"used_at": now_iso()}
        )


async def find_link(store: Store, token: str) -> Found:
    """The link this token names and what it is worth; any tenant (the token says which)."""
    if not token or len(token) > MAX_TOKEN:
        return Found(LinkState.unknown)
    link = await store.lookup(COLLECTION, "token_hash", hash_token(token))
    if link is None:
        return Found(LinkState.unknown)
    user = await store.get(link["tenant_id"], "users", link["user_id"])
    if user is None:
        return Found(LinkState.unknown)
    if link.get("used_at"):
        return Found(LinkState.used, link, user)
    if str(link["expires_at"]) <= now_iso():
        return Found(LinkState.expired, link, user)
    return Found(LinkState.valid, link, user)


async def use_link(store: Store, link: Doc) -> bool:
    """Mark the link used; False when another request used (or retired) it first."""
    used = await store.update_if(
        link["tenant_id"], COLLECTION, link["id"], {"used_at": None}, {"used_at": now_iso()}
    )
    return used is not None
