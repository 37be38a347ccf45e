"""First run: the short checklist a new business works through, ticked from its own data.

Nobody ticks a step by hand: each is read from what the business has (a department, an
active access point, a printed poster, a routing rule, a colleague, an SOS), so the list
never lies and never needs resetting. The steps are the business's, the same for everyone
who reads them; only where a step's button leads depends on the reader: a manager who is not
an admin gets no link to the staff page (it is the admins'), the page asks them to turn to
one instead. Two steps leave a mark that nothing else would:
`settings_saved_at` on the tenant (set when its settings are saved once, by
`PATCH /api/v1/tenant`) and `printed_at` on a point (set when a printable of it is made).

One step also depends on the installation: posters printed while the hub's public address
(HUB_PUBLIC_URL) is one guests' phones cannot open (127.0.0.1, a private network's) do not
work, so "print" is not done while it is, and carries a `warning` saying who can open it
(hub/installation/address.py). That alone does not keep a manager from the console: the
checklist is then `settled` (a login lands on the console), the pages say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.accounts.model import Role
from hub.clock import now_iso
from hub.installation.address import Reach, reach_of
from hub.notify.channels import CHANNELS
from hub.ports import Doc, Store
from hub.tickets.repository import VISIBLE_TO_STAFF

# The marks this module defines and reads; the set-up and print code write them.
SETTINGS_SAVED_AT = "settings_saved_at"
PRINTED_AT = "printed_at"

# The steps in the order a manager takes them, each with the page that does it.
STEPS: tuple[tuple[str, str], ...] = (
    ("settings", "/admin/settings"),
    ("departments", "/admin/settings#departments"),
    ("points", "/admin/points"),
    ("print", "/admin/points"),
    ("rules", "/admin/rules"),
    ("staff", "/admin/users"),
    ("sos", "/admin/points"),  # until a point exists; then the point's own page
)
MIN_STAFF = 2  # the manager and at least one colleague
# Steps whose page asks for more than a manager's role: below it, the step has no link.
# It still counts as for an admin (one business, one progress): a manager invited from the
# pages has at least the admin who invited them as an active colleague, so it is done.
NEEDS = {"staff": Role.admin}


@dataclass(frozen=True)
class Step:
    """One step of the checklist: done or not, and where to do it (None: not on a page the
    reader may open; someone with a higher role does it). `warning`: why the step cannot be
    done yet whatever the business does (the public address's Reach, for "print")."""

    key: str
    done: bool
    url: str | None
    warning: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "done": self.done, "url": self.url, "warning": self.warning}


@dataclass(frozen=True)
class Checklist:
    """The whole checklist of one business, as computed just now."""

    steps: tuple[Step, ...]
    # channels alerts would go out on that have no service on this hub: they are dropped
    unsent: tuple[str, ...] = ()

    @property
    def live(self) -> bool:
        """Every step done and no alert dropped for want of an SMS or e-mail service."""
        return self.complete and not self.unsent

    @property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.done)

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def complete(self) -> bool:
        return self.done == self.total

    @property
    def settled(self) -> bool:
        """Every step done that the business itself can do (a login then lands on the
        console; a step held by the installation's address is told on the pages)."""
        return all(s.done or s.warning for s in self.steps)

    def step(self, key: str) -> Step:
        return next(s for s in self.steps if s.key == key)

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": [s.to_json() for s in self.steps],
            "done": self.done,
            "total": self.total,
            "complete": self.complete,
            "unsent_channels": list(self.unsent),
            "live": self.live,
        }


ACTIVE = {"active": {"ne": False}}  # a point without the field is active (older data)


async def unsent_channels(
    store: Store, tenant_id: str, unconfigured: tuple[str, ...]
) -> tuple[str, ...]:
    """The channels without a service that would drop this business's alerts: every one when
    the hub has none at all, else those its rules send to (recipients or escalation)."""
    if not unconfigured or len(unconfigured) == len(CHANNELS):
        return unconfigured
    used: set[str] = set()
    for rule in await store.find(tenant_id, "rules", {}):
        steps = [rule.get("recipients") or []]
        steps += [s.get("recipients") or [] for s in rule.get("escalation") or []]
        used.update(str(r.get("channel")) for step in steps for r in step)
    return tuple(c for c in unconfigured if c in used)


async def checklist(
    store: Store,
    tenant: Doc,
    public_url: str,
    role: Role = Role.admin,
    unconfigured: tuple[str, ...] = (),
) -> Checklist:
    """Which steps this business has done, read from its own (tenant-scoped) data, with the
    links a reader of `role` can follow (every link for an admin, the default)."""
    tid = str(tenant["id"])
    first_point = await store.find(tid, "points", ACTIVE, sort="created_at", limit=1)
    reach = reach_of(public_url)
    warnings = {"print": None if reach is Reach.internet else reach.value}
    done = {
        "settings": bool(tenant.get(SETTINGS_SAVED_AT)),
        "departments": await store.count(tid, "departments") > 0,
        "points": bool(first_point),
        # printed while guests' phones can open what the posters carry
        "print": reach is Reach.internet
        and await store.count(tid, "points", {PRINTED_AT: {"ne": None}}) > 0,
        "rules": await store.count(tid, "rules") > 0,
        "staff": await store.count(tid, "users", ACTIVE) >= MIN_STAFF,
        # one that reached the consoles: a test SOS a filter held back does not count
        "sos": await store.count(tid, "tickets", VISIBLE_TO_STAFF) > 0,
    }
    urls: dict[str, str | None] = dict(STEPS)
    for key, needed in NEEDS.items():
        if not role.allows(needed):
            urls[key] = None
    if first_point:
        urls["sos"] = f"{public_url.rstrip('/')}/q/{first_point[0]['code']}"
    steps = tuple(Step(key, done[key], urls[key], warnings.get(key)) for key, _url in STEPS)
    return Checklist(steps, await unsent_channels(store, tid, unconfigured))


async def mark_settings_saved(store: Store, tenant_id: str) -> Doc | None:
    """Remember that the business's settings were saved (the checklist's first step)."""
    return await store.update(tenant_id, "tenants", tenant_id, {SETTINGS_SAVED_AT: now_iso()})


async def mark_printed(store: Store, tenant_id: str, codes: list[str]) -> int:
    """Remember that these points (this tenant's only) were printed; how many were found."""
    marked = 0
    when = now_iso()
    for doc in await store.find(tenant_id, "points", {"code": {"in": list(codes)}}):
        await store.update(tenant_id, "points", doc["id"], {PRINTED_AT: when})
        marked += 1
    return marked


class FirstRun:
    """The checklist use cases on the hub's store (routes call these, never the store)."""

    def __init__(self, store: Store, public_url: str, unconfigured: tuple[str, ...] = ()) -> None:
        self.store = store
        self.public_url = public_url
        self.unconfigured = unconfigured  # channels with no service on this hub

    async def checklist(self, tenant: Doc, role: Role = Role.admin) -> Checklist:
        return await checklist(self.store, tenant, self.public_url, role, self.unconfigured)

    async def mark_settings_saved(self, tenant_id: str) -> Doc | None:
        return await mark_settings_saved(self.store, tenant_id)

    async def mark_printed(self, tenant_id: str, codes: list[str]) -> int:
        return await mark_printed(self.store, tenant_id, codes)
