"""A ticket's establishment, for tickets stored without one.

Tickets carry their establishment (slug and name) from the moment they are created; those
created before tickets did, or before their point was given an establishment, carry none.
Wherever staff read a ticket's establishment (the console's lists and ticket page, the
CSV export, alerts and the acknowledge page), such a ticket shows its access point's
establishment instead, read in the ticket's own business only. A read writes nothing back.

What is counted and filtered on is the stored field (the statistics' facts, the exports'
store query), so `settle` writes the point's establishment onto such tickets: once for
every business when a store is opened by a hub that has this (each adapter's `open`), and
for one point's tickets when the point is given an establishment (hub/accounts/setup.py).
Then the statistics by establishment, a CSV filtered by one and the realtime copies agree
with what staff read.
"""

from __future__ import annotations

from hub.ports import Change, Doc, Store, Update

POINTS = "points"
ESTABLISHMENTS = "establishments"
TICKETS = "tickets"
PAGE = 500
PLACES_VERSION = 1  # stores settle their tickets' establishments once (see `settle_all`)


class EstablishmentFallback:
    """Fills in the point's establishment on one business's tickets that have none (and
    the establishment's name on tickets stored with its slug alone, before alerts named
    it); what it read is kept, so a long export asks once per point and establishment."""

    def __init__(self, store: Store, tenant_id: str) -> None:
        self.store = store
        self.tenant_id = tenant_id
        self._slug_of_point: dict[str, str | None] = {}
        self._name_of: dict[str, str | None] = {}

    async def _points(self, codes: set[str]) -> None:
        await self._read(POINTS, "code", "establishment", codes, self._slug_of_point)

    async def _names(self, slugs: set[str]) -> None:
        await self._read(ESTABLISHMENTS, "slug", "name", slugs, self._name_of)

    async def _read(
        self, collection: str, key: str, field: str, keys: set[str], known: dict[str, str | None]
    ) -> None:
        """`field` of the `collection` documents whose `key` is one of `keys` not yet in
        `known`, read in one query and kept there (None: no such document or no value)."""
        unknown = sorted(keys - known.keys())
        if not unknown:
            return
        where = {key: {"in": unknown}}
        found = await self.store.find(self.tenant_id, collection, where, limit=len(unknown))
        values = {str(d[key]): d.get(field) for d in found}
        for k in unknown:
            known[k] = str(values[k]) if values.get(k) else None

    async def fill(self, tickets: list[Doc]) -> list[Doc]:
        """`tickets`, those without an establishment given their point's (as copies)."""
        await self._points({_point_code(t) for t in tickets if not t.get("establishment")} - {""})
        slugs = [self._slug(t) for t in tickets]
        await self._names({s for s, t in zip(slugs, tickets, strict=True) if s and _unnamed(t)})
        out = []
        for slug, ticket in zip(slugs, tickets, strict=True):
            if slug == ticket.get("establishment") and not (slug and _unnamed(ticket)):
                out.append(ticket)  # nothing to add
                continue
            name = ticket.get("establishment_name") if ticket.get("establishment") else None
            out.append(
                {
                    **ticket,
                    "establishment": slug,
                    "establishment_name": name or self._name_of.get(slug or ""),
                }
            )
        return out

    def _slug(self, ticket: Doc) -> str | None:
        own = ticket.get("establishment")
        return str(own) if own else self._slug_of_point.get(_point_code(ticket))

    async def one(self, ticket: Doc) -> Doc:
        """One ticket, filled in as `fill` does."""
        return (await self.fill([ticket]))[0]


def _unnamed(ticket: Doc) -> bool:
    return not ticket.get("establishment") or not ticket.get("establishment_name")


def _point_code(ticket: Doc) -> str:
    return str((ticket.get("point") or {}).get("code") or "")


async def with_establishments(store: Store, tenant_id: str, tickets: list[Doc]) -> list[Doc]:
    """`tickets` of `tenant_id`, those without an establishment given their point's."""
    return await EstablishmentFallback(store, tenant_id).fill(tickets)


async def with_establishment(store: Store, tenant_id: str, ticket: Doc) -> Doc:
    """One ticket of `tenant_id`, without an establishment given its point's."""
    return await EstablishmentFallback(store, tenant_id).one(ticket)


async def settle(store: Store, tenant_id: str, point_code: str | None = None) -> int:
    """Write the point's establishment (slug and name) onto `tenant_id`'s tickets stored
    without one (only `point_code`'s, when given); returns how many were written. Point by
    point, through the index on a ticket's point and establishment (a ticket written leaves
    the query: no page re-reads the ones before), a page per transaction; one given an
    establishment meanwhile keeps its own (compare-and-set)."""
    places = EstablishmentFallback(store, tenant_id)
    where = {"code": point_code} if point_code is not None else {"establishment": {"ne": None}}
    written = 0
    for point in await store.find(tenant_id, POINTS, where):
        if not point.get("establishment"):
            continue
        unplaced = {"point.code": point["code"], "establishment": None}
        before = await store.count(tenant_id, TICKETS, unplaced)
        while True:
            found = await store.find(tenant_id, TICKETS, unplaced, limit=PAGE)
            changes: list[Change] = [
                Update(
                    TICKETS,
                    stored["id"],
                    {
                        "establishment": filled.get("establishment") or point["establishment"],
                        "establishment_name": filled.get("establishment_name"),
                    },
                    expected={"establishment": None},
                )
                for stored, filled in zip(found, await places.fill(found), strict=True)
            ]
            if changes:
                await store.commit(tenant_id, changes, [])
            if len(found) < PAGE:
                break
        written += max(0, before - await store.count(tenant_id, TICKETS, unplaced))
    return written


async def settle_all(store: Store) -> int:
    """`settle` every business's tickets (a store's one-time migration)."""
    written = 0
    for tenant_id in await store.tenant_ids():
        written += await settle(store, tenant_id)
    return written
