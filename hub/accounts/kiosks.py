"""Kiosks ("Puestos SOS"): touchscreens in the halls, paired once, configured live.

A kiosk stands at one access point (its place, and the department an SOS goes to when the
customer picks none) and may offer the customer a choice of departments. It holds a
device token, shown once when the kiosk is created and stored hashed, like staff API
tokens. Its whole configuration (`kiosk_config`) is pushed to it over `/kiosk` on connect
and after every change, so a manager's edit shows on the screen at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import socketio

from hub.accounts.branding import logo_url
from hub.accounts.business import business_languages, check_names
from hub.accounts.kiosk_requests import KioskRequests
from hub.accounts.kiosk_watch import (
    DEFAULT_OFFLINE_MINUTES,
    HEARTBEAT_SECONDS,
    OFFLINE_MINUTES,
    KioskWatch,
    kiosk_status,
)
from hub.accounts.passwords import hash_token
from hub.clock import new_id, new_secret, now_iso
from hub.errors import Invalid, NotFound
from hub.phones import region_of
from hub.ports import Doc, Store

IDLE_SECONDS = (20, 900)  # bounds of the screen's reset after inactivity
DEFAULT_IDLE_SECONDS = 90
MAX_WELCOME = 300


def kiosk_room(kiosk_id: str) -> str:
    return f"kiosk:{kiosk_id}"


async def point_of(store: Store, tenant_id: str, code: str) -> Doc | None:
    """This tenant's access point with `code` (another tenant's is None: not ours to use)."""
    found = await store.find(tenant_id, "points", {"code": code}, limit=1)
    return found[0] if found else None


async def _point(store: Store, tenant_id: str, code: str) -> Doc:
    point = await point_of(store, tenant_id, code)
    if point is None:
        raise Invalid(f"point: no access point {code!r} in this business", field="point")
    return point


async def _departments(store: Store, tenant_id: str, slugs: Sequence[str]) -> list[str]:
    known = {d["slug"] for d in await store.find(tenant_id, "departments")}
    unknown = [s for s in slugs if s not in known]
    if unknown:
        raise Invalid(f"departments: unknown {', '.join(map(repr, unknown))}", field="departments")
    return list(dict.fromkeys(slugs))


async def _welcome_fields(store: Store, tenant_id: str, fields: Doc) -> Doc:
    """`welcome` (the main language's) and `welcomes` ({lang: text}, the business's other
    languages: the screen shows the guest's), checked when present."""
    out: Doc = {}
    if "welcome" in fields:
        welcome = str(fields["welcome"] or "").strip()
        if len(welcome) > MAX_WELCOME:
            raise Invalid(f"welcome: at most {MAX_WELCOME} characters", field="welcome")
        out["welcome"] = welcome or None
    if "welcomes" in fields:
        tenant = await store.get(tenant_id, "tenants", tenant_id) or {}
        # the welcome in the business's other languages (`welcome` is the main one's)
        out["welcomes"] = check_names(
            fields["welcomes"] or {}, business_languages(tenant), "welcomes", MAX_WELCOME
        )
    return out


async def _checked(store: Store, tenant_id: str, fields: Doc) -> Doc:
    """Validate the editable fields present in `fields` (names them when wrong)."""
    out: Doc = {}
    if "name" in fields:
        name = str(fields["name"] or "").strip()
        if not name:
            raise Invalid("name is required", field="name")
        out["name"] = name[:80]
    if "point" in fields:
        out["point"] = (await _point(store, tenant_id, str(fields["point"])))["code"]
    if "departments" in fields:
        out["departments"] = await _departments(store, tenant_id, list(fields["departments"]))
    out.update(await _welcome_fields(store, tenant_id, fields))
    if "idle_seconds" in fields:
        idle = int(fields["idle_seconds"])
        if not IDLE_SECONDS[0] <= idle <= IDLE_SECONDS[1]:
            raise Invalid(
                f"idle_seconds: from {IDLE_SECONDS[0]} to {IDLE_SECONDS[1]}", field="idle_seconds"
            )
        out["idle_seconds"] = idle
    if "offline_minutes" in fields:
        out["offline_minutes"] = _offline_minutes(fields["offline_minutes"])
    for flag in ("allow_anonymous", "active"):
        if flag in fields:
            out[flag] = bool(fields[flag])
    return out


def _offline_minutes(value: object) -> int:
    """Minutes of silence before the kiosk is flagged offline, within OFFLINE_MINUTES."""
    low, high = OFFLINE_MINUTES
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Invalid(
            f"offline_minutes: a whole number from {low} to {high}", field="offline_minutes"
        )
    return value


async def create_kiosk(
    store: Store, tenant: Doc, fields: Doc, *, token: str | None = None
) -> tuple[Doc, str]:
    """A new kiosk and its device token (returned once; only its hash is kept).

    `token` is for the demo only, whose pairing link is printed on every start.
    """
    if "point" not in fields:
        raise Invalid("point: the access point the kiosk stands at is required", field="point")
    token = token or new_secret(24)
    doc: Doc = {
        "id": new_id(),
        "name": "",
        "departments": [],
        "welcome": None,
        "idle_seconds": DEFAULT_IDLE_SECONDS,
        "allow_anonymous": True,
        "active": True,
        "offline_minutes": DEFAULT_OFFLINE_MINUTES,
        "offline": False,
        "last_seen_at": None,
        **await _checked(store, tenant["id"], {"name": fields.get("name"), **fields}),
        "token_hash": hash_token(token),
        "created_at": now_iso(),
        "updated_at": None,
    }
    return await store.insert(tenant["id"], "kiosks", doc), token


async def update_kiosk(store: Store, tenant_id: str, kiosk_id: str, fields: Doc) -> Doc:
    """Change the given fields; NotFound for unknown ids and other tenants' kiosks."""
    changes = await _checked(store, tenant_id, fields)
    changes["updated_at"] = now_iso()
    updated = await store.update(tenant_id, "kiosks", kiosk_id, changes)
    if updated is None:
        raise NotFound("no such kiosk", field="id")
    return updated


async def kiosk_by_token(store: Store, token: str) -> Doc | None:
    """The kiosk holding this device token, if any."""
    return await store.lookup("kiosks", "token_hash", hash_token(token))


def kiosk_json(doc: Doc) -> dict[str, Any]:
    """A kiosk as managers see it (never its token)."""
    fields = (
        "id",
        "name",
        "point",
        "departments",
        "welcome",
        "idle_seconds",
        "allow_anonymous",
        "active",
        "created_at",
        "updated_at",
    )
    return {
        **{k: doc.get(k) for k in fields},
        "welcomes": doc.get("welcomes") or {},
        **kiosk_status(doc),
    }


async def kiosk_config(store: Store, kiosk: Doc, public_url: str) -> dict[str, Any]:
    """Everything the kiosk screen needs, pushed whole on connect and after each change;
    its addresses (the logo's) under `public_url`, absolute as every URL the hub answers."""
    tenant_id = kiosk["tenant_id"]
    tenant = await store.get(tenant_id, "tenants", tenant_id) or {}
    point = await point_of(store, tenant_id, kiosk["point"]) or {}
    departments = {d["slug"]: d for d in await store.find(tenant_id, "departments")}
    return {
        "kiosk": {"id": kiosk["id"], "name": kiosk["name"]},
        "active": bool(kiosk.get("active", True) and point.get("active", True)),
        "business": {"name": tenant.get("name"), "logo_url": _under(public_url, logo_url(tenant))},
        "languages": tenant.get("languages") or ["es", "en"],
        "language": tenant.get("language") or "es",
        "place": point.get("label"),
        "place_labels": dict(point.get("labels") or {}),  # {lang: text}: the guest's language
        "point": kiosk["point"],
        "departments": [
            # `names` {lang: text}: the screen shows the one of the language the guest reads
            {
                "slug": slug,
                "name": departments[slug]["name"],
                "names": dict(departments[slug].get("names") or {}),
            }
            for slug in kiosk.get("departments") or []
            if slug in departments
        ],
        "welcome": kiosk.get("welcome"),
        "welcomes": dict(kiosk.get("welcomes") or {}),  # {lang: text}, as `place_labels`
        "idle_seconds": kiosk.get("idle_seconds", DEFAULT_IDLE_SECONDS),
        "allow_anonymous": kiosk.get("allow_anonymous", True),
        "max_chars": 2000,
        "heartbeat_seconds": HEARTBEAT_SECONDS,
        # the country a guest's phone without one is read in, as the intake reads it
        # (hub/phones.py): the screen checks a phone the same way before keeping an SOS
        "region": region_of(tenant.get("timezone")),
    }


def _under(base: str, path: str | None) -> str | None:
    return base.rstrip("/") + path if path else None


class Kiosks:
    """The kiosk use cases on the hub's store, pushing each change to the screens at once."""

    def __init__(
        self,
        store: Store,
        sio: socketio.AsyncServer,
        watch: KioskWatch | None = None,
        *,
        public_url: str,
    ) -> None:
        self.store = store
        self.sio = sio
        self.public_url = public_url  # HUB_PUBLIC_URL: the base of the config's addresses
        self.requests = KioskRequests(store)  # Idempotency-Keys of kiosk submissions
        self.watch = watch or KioskWatch(store, sio)

    async def seen(self, kiosk: Doc) -> None:
        """A sign of life from a kiosk (its heartbeat, a connection, an SOS)."""
        await self.watch.seen(kiosk["tenant_id"], kiosk["id"])

    async def statuses(self, tenant_id: str) -> list[dict[str, Any]]:
        """Each kiosk's health as staff see it (online, last seen), oldest first."""
        return [kiosk_status(k) for k in await self.all(tenant_id)]

    async def by_token(self, token: str) -> Doc | None:
        return await kiosk_by_token(self.store, token)

    async def config(self, kiosk: Doc) -> dict[str, Any]:
        return await kiosk_config(self.store, kiosk, self.public_url)

    async def all(self, tenant_id: str) -> list[Doc]:
        """The business's kiosks, oldest first."""
        return await self.store.find(tenant_id, "kiosks", sort="created_at")

    async def create(self, tenant_id: str, fields: Doc) -> tuple[Doc, str]:
        """A new kiosk and its device token (shown once)."""
        tenant = await self.store.get(tenant_id, "tenants", tenant_id)
        if tenant is None:
            raise NotFound("no such business")
        return await create_kiosk(self.store, tenant, fields)

    async def update(self, tenant_id: str, kiosk_id: str, fields: Doc) -> Doc:
        """Change a kiosk; its screen shows the change at once."""
        kiosk = await update_kiosk(self.store, tenant_id, kiosk_id, fields)
        await self.push_config(kiosk)
        return kiosk

    async def unpair(self, tenant_id: str, kiosk_id: str) -> None:
        """Unpair a kiosk: its token stops working and its screen says so (NotFound if none)."""
        kiosk = await self.store.get(tenant_id, "kiosks", kiosk_id)
        if kiosk is None:
            raise NotFound("no such kiosk", field="id")
        await self.store.delete(tenant_id, "kiosks", kiosk_id)
        await self.sio.emit("unpaired", {}, room=kiosk_room(kiosk_id), namespace="/kiosk")

    async def push_config(self, kiosk: Doc) -> None:
        """Send the kiosk its whole configuration (every instance, in scale-out)."""
        config = await kiosk_config(self.store, kiosk, self.public_url)
        await self.sio.emit("config", config, room=kiosk_room(kiosk["id"]), namespace="/kiosk")

    async def push_all(self, tenant_id: str) -> None:
        """After a change every kiosk of the business shows (its name, its logo)."""
        for kiosk in await self.store.find(tenant_id, "kiosks"):
            await self.push_config(kiosk)
