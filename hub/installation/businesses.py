"""The businesses on this installation, as its operator sees and runs them.

The operator (the quality club that sells the service) creates businesses, watches each
one's volume and whether it answers within its own promise (`sla_hours`), and suspends a
business that breaks the club's rules. What the operator gets is figures, never a ticket:
the figures are computed here, per business, from that business's own tenant-scoped
reads, and only counts leave this module.

Each row's store counts that business's last 30 days (as its statistics do) and reads only
its SOS of the promise's last hours (hub/tickets/promise.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import socketio

from hub.accounts.model import STAFF_LANGUAGES, check_email, is_suspended
from hub.accounts.services import tenant_doc, user_doc
from hub.accounts.team import Team
from hub.clock import now, now_iso
from hub.errors import Conflicting, Invalid, NotFound, field_first
from hub.ports import Conflict, Doc, Insert, Store
from hub.realtime.publisher import tenant_room
from hub.realtime.server import close_room
from hub.tickets.model import Status
from hub.tickets.promise import promise_figures

WINDOW_DAYS = 30
OPEN = [s.value for s in (Status.new, Status.acknowledged, Status.open, Status.waiting_customer)]


def _operator_name(by: Doc) -> str:
    """How the invitation names the operator who sent it."""
    return str(by.get("name") or by.get("email") or "")


def business_json(tenant: Doc, figures: Doc | None = None) -> dict[str, Any]:
    """A business as the operator's table and API show it: settings and figures, no tickets."""
    out = {
        k: tenant.get(k)
        for k in ("id", "slug", "name", "language", "timezone", "sla_hours", "created_at")
    }
    out["status"] = "suspended" if is_suspended(tenant) else "active"
    out["suspended_at"] = tenant.get("suspended_at") if is_suspended(tenant) else None
    if figures is not None:
        out.update(figures)
    return out


@dataclass(frozen=True)
class NewBusiness:
    """What the operator fills in to open a business (checked by `create`)."""

    name: str
    slug: str
    admin_email: str
    language: str = "es"
    timezone: str = "UTC"
    admin_name: str | None = None


@dataclass(frozen=True)
class Opened:
    """A business just opened: its row, its first admin, and their invitation.

    The admin has no password: like any invited colleague they choose one through a
    one-time set-password link, e-mailed when the hub can send mail and shown to the
    operator once (to pass on by hand when it was not).
    """

    business: dict[str, Any]
    admin: Doc
    set_password_url: str
    expires_at: str
    emailed: bool


class Installation:
    """The operator's use cases over every business: list with figures, open, suspend."""

    def __init__(self, store: Store, sio: socketio.AsyncServer, team: Team) -> None:
        self.store = store
        self.sio = sio
        self.team = team  # invites each business's first admin

    async def figures(self, tenant: Doc, at: datetime) -> dict[str, Any]:
        """This business's last 30 days and open tickets, read in its own scope only.

        "Answered in time" is hub/tickets/promise.py's, as the business's own statistics
        page shows it for the same 30 days."""
        tid = str(tenant["id"])
        start = at - timedelta(days=WINDOW_DAYS)
        return {
            "last_30_days": await promise_figures(self.store, tenant, start, at, at),
            "open_tickets": await self.store.count(tid, "tickets", {"status": {"in": OPEN}}),
        }

    async def businesses(self) -> list[dict[str, Any]]:
        """Every business with its figures, newest first."""
        at = now()
        rows = []
        for tid in await self.store.tenant_ids():
            tenant = await self.store.get(tid, "tenants", tid)
            if tenant is not None:
                rows.append(business_json(tenant, await self.figures(tenant, at)))
        return sorted(rows, key=lambda r: str(r.get("created_at") or ""), reverse=True)

    async def business(self, slug: str) -> Doc:
        """The business with this slug, or NotFound naming `slug`."""
        tenant = await self.store.lookup("tenants", "slug", slug) if slug else None
        if tenant is None:
            raise NotFound(f"no business {slug[:64]!r}", field="slug")
        return tenant

    async def open_business(self, new: NewBusiness, by: Doc) -> Opened:
        """Create a business with its first admin, invited by the operator `by`: all or none.

        Every field is checked before anything is written; the two records go in one store
        commit (one transaction on SQLite), and a clash that slips past the checks (another
        operator at the same moment) takes back whatever of ours got in. The admin is then
        invited like any colleague: a one-time set-password link, e-mailed when the hub can.
        """
        try:
            tenant = tenant_doc(
                slug=new.slug, name=new.name, language=new.language, timezone=new.timezone
            )
            email = check_email(new.admin_email, field="admin_email")
        except Invalid as exc:
            raise Invalid(field_first(exc.message, str(exc.field)), field=exc.field) from None
        await self._free(tenant["slug"])
        admin = user_doc(
            tenant,
            email=email,
            password_hash=None,  # no password works until they choose one with the link
            role="admin",
            token_hash=None,  # nobody holds an API token yet; the admin makes one when needed
            name=new.admin_name or None,
            # a business in a language the staff pages do not speak (French) gets an English admin
            language=new.language if new.language in STAFF_LANGUAGES else "en",
        )
        admin["active"] = True
        tid = tenant["id"]
        try:
            await self.store.commit(tid, [Insert("tenants", tenant), Insert("users", admin)], [])
        except Conflict:
            await self._take_back(tid, admin)
            await self._free(tenant["slug"])
            raise Conflicting("slug: it was taken just now", field="slug") from None
        stored = await self.store.get(tid, "tenants", tid) or tenant
        invited = await self.store.get(tid, "users", admin["id"]) or {**admin, "tenant_id": tid}
        try:
            issued = await self.team.invite_first_admin(stored, invited, _operator_name(by))
        except Exception:
            await self._take_back(tid, admin)  # no business whose admin cannot get in
            raise
        business = business_json(stored, await self.figures(stored, now()))
        return Opened(business, issued.user, issued.url, issued.expires_at, issued.emailed)

    async def _take_back(self, tid: str, admin: Doc) -> None:
        """Remove what `open_business` stored (a link left behind names no user: unusable)."""
        await self.store.delete(tid, "users", admin["id"])
        await self.store.delete(tid, "tenants", tid)

    async def _free(self, slug: str) -> None:
        """Conflicting, naming the field, when the slug is taken. The admin's e-mail may
        have accounts at other businesses: e-mails are unique per business only."""
        if await self.store.lookup("tenants", "slug", slug) is not None:
            raise Conflicting(f"slug: {slug!r} is already taken", field="slug")

    async def set_suspended(self, slug: str, suspended: bool, by: Doc) -> dict[str, Any]:
        """Suspend a business (its doors and its staff stop; nothing is deleted) or resume it.

        Suspending closes its open consoles at once, on every instance; their reconnection,
        its staff's logins and its customers' SOS are refused while it lasts.
        """
        tenant = await self.business(slug)
        tid = str(tenant["id"])
        if suspended and not is_suspended(tenant):
            sets = {"suspended": True, "suspended_at": now_iso(), "suspended_by": by["email"]}
            tenant = await self.store.update(tid, "tenants", tid, sets) or tenant
            await close_room(self.sio, tenant_room(tid))
        elif not suspended and is_suspended(tenant):
            sets = {"suspended": False, "resumed_at": now_iso(), "resumed_by": by["email"]}
            tenant = await self.store.update(tid, "tenants", tid, sets) or tenant
        return business_json(tenant, await self.figures(tenant, now()))
