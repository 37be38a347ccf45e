"""Attachments: photos added to a ticket by its customer or its staff, stored and served.

Adding one: the photo is cleaned (`photos.clean_photo`, in a worker thread, at most a few
at a time), a place among the ticket's ATTACHMENTS_MAX is taken with a compare-and-set,
the photo and its thumbnail are written to the blob store, and only then is the entry
stored with its event (`TicketService.attach`). Should a later step fail, the blobs are
removed and the place given back: nothing is left half-made.

Serving one: to the thread's holder (the thread token), or to the business's staff once
the ticket is not held back; anyone else gets 404, whoever's ticket it is.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from hub.attachments.photos import EXTENSIONS, CleanPhoto, clean_photo
from hub.clock import new_id, now_iso
from hub.errors import Conflicting, Invalid, NotFound
from hub.http.ratelimit import RateLimited
from hub.ports import BlobStore, Doc
from hub.tickets.model import ATTACHMENTS_MAX, shown_to_staff
from hub.tickets.services import Actor, TicketService
from hub.tickets.ticket import CUSTOMER, Ticket
from hub.turns import LocalTurns, TurnMissed

log = logging.getLogger(__name__)

# Decoding a large photo takes a few hundred MB and a CPU for a moment: a few at a time,
# and one at a time per sender (a customer's network, a colleague), so that one sender's
# thirty uploads wait for each other rather than make everyone else's photo wait for them.
DECODING_AT_ONCE = 2
SENDER_WAIT = 30.0  # past this, a sender's next photo is refused (429), not queued longer
_COUNT_RETRIES = 8


@dataclass(frozen=True)
class Photo:
    """A stored photo (or its thumbnail), ready to send."""

    content: bytes
    content_type: str
    etag: str
    filename: str


def _full_key(attachment_id: str) -> str:
    return f"{attachment_id}-full"


def _thumb_key(attachment_id: str) -> str:
    return f"{attachment_id}-thumb"


class Attachments:
    """Photos of tickets: added by either side, served to those who may see them."""

    def __init__(self, tickets: TicketService, blobs: BlobStore) -> None:
        self.tickets = tickets
        self.blobs = blobs
        self._decoding = asyncio.Semaphore(DECODING_AT_ONCE)
        self._senders = LocalTurns(SENDER_WAIT, strict=True)

    # adding -------------------------------------------------------------------------------

    async def from_customer(
        self, token: str, content: bytes, to: str | None, sender: str | None = None
    ) -> Doc:
        """The thread's holder adds a photo; the stored entry. `sender`: their network."""
        ticket = await self.tickets.by_thread_token(token)
        return await self._add(ticket, "customer", None, content, to, sender or token)

    async def from_staff(
        self, tenant_id: str, ticket_id: str, user: Doc, content: bytes, to: str | None
    ) -> Doc:
        """A staff member adds a photo (to a reply of theirs, or on its own); the entry."""
        ticket = await self.tickets.get(tenant_id, ticket_id)
        if Ticket(ticket).held_back:
            raise Conflicting("release this ticket before replying", field="status")
        return await self._add(ticket, "staff", user, content, to, f"staff:{user['id']}")

    async def _add(
        self,
        ticket: Doc,
        author: str,
        user: Doc | None,
        content: bytes,
        to: str | None,
        sender: str,
    ) -> Doc:
        if int(ticket.get("attachment_count") or 0) >= ATTACHMENTS_MAX:
            raise _too_many()
        photo = await self._clean(content, sender)
        tenant_id = ticket["tenant_id"]
        ticket = await self._take_place(tenant_id, ticket)
        by = Actor.staff(user) if user is not None else CUSTOMER
        entry = _entry(ticket, photo, author, by.name if user is not None else None)
        try:
            kind = entry["content_type"]
            await self.blobs.put(tenant_id, entry["blobs"]["full"], photo.content, kind)
            await self.blobs.put(tenant_id, entry["blobs"]["thumb"], photo.thumbnail, kind)
            return await self.tickets.attach(ticket, entry, by, to)
        except BaseException:
            await asyncio.shield(self._undo(tenant_id, ticket["id"], entry["id"]))
            raise

    async def _clean(self, content: bytes, sender: str) -> CleanPhoto:
        """The photo decoded and re-encoded in a worker thread: the sender's one at a time,
        a few at a time in all."""
        try:
            async with self._senders.turn([sender]), self._decoding:
                return await asyncio.to_thread(clean_photo, content)
        except TurnMissed:
            raise RateLimited(5) from None

    async def _take_place(self, tenant_id: str, ticket: Doc) -> Doc:
        """Count the photo in (compare-and-set: two at once never pass the limit together)."""
        for _ in range(_COUNT_RETRIES):
            if int(ticket.get("attachment_count") or 0) >= ATTACHMENTS_MAX:
                raise _too_many()
            taken = await self.tickets.repo.count_attachment(tenant_id, ticket, +1)
            if taken is not None:
                return taken
            ticket = await self.tickets.get(tenant_id, ticket["id"])
        raise Conflicting("too many photos at once on this ticket; try again", field="file")

    async def _undo(self, tenant_id: str, ticket_id: str, attachment_id: str) -> None:
        """Remove the blobs of a photo that was not stored, and give its place back."""
        try:
            for key in (_full_key(attachment_id), _thumb_key(attachment_id)):
                await self.blobs.delete(tenant_id, key)
            for _ in range(_COUNT_RETRIES):
                ticket = await self.tickets.find(tenant_id, ticket_id)
                if ticket is None or await self.tickets.repo.count_attachment(
                    tenant_id, ticket, -1
                ):
                    return
        except Exception:  # the store or the disk is away: the sweep of a later day cleans up
            log.exception("could not undo photo %s of ticket %s", attachment_id, ticket_id)

    # serving ------------------------------------------------------------------------------

    async def for_holder(self, token: str, attachment_id: str, thumb: bool) -> Photo:
        """A photo of the thread this token opens (either side's); NotFound otherwise."""
        ticket = await self.tickets.by_thread_token(token)
        entry = await self._entry(ticket, attachment_id)
        return await self._photo(ticket, entry, thumb)

    async def for_staff(
        self, tenant_id: str, ticket_id: str, attachment_id: str, thumb: bool
    ) -> Photo:
        """A photo of this business's ticket, once shown to staff; NotFound otherwise."""
        ticket = await self.tickets.get(tenant_id, ticket_id)
        entry = await self._entry(ticket, attachment_id)
        if not Ticket(ticket).visible_to_staff or not shown_to_staff(entry):
            raise NotFound("no such photo", field="id")
        return await self._photo(ticket, entry, thumb)

    async def _entry(self, ticket: Doc, attachment_id: str) -> Doc:
        entry = await self.tickets.repo.message(ticket["tenant_id"], attachment_id)
        if (
            entry is None
            or entry.get("kind") != "attachment"
            or entry.get("ticket_id") != ticket["id"]
            or entry.get("purged_at")
        ):
            raise NotFound("no such photo", field="id")
        return entry

    async def _photo(self, ticket: Doc, entry: Doc, thumb: bool) -> Photo:
        key = str(entry["blobs"]["thumb" if thumb else "full"])
        content = await self.blobs.get(ticket["tenant_id"], key)
        if content is None:
            raise NotFound("no such photo", field="id")
        kind = str(entry["content_type"])
        name = f"photo-{ticket.get('number')}-{entry['id'][:8]}{'-small' if thumb else ''}"
        return Photo(
            content,
            kind,
            f"{entry['id']}{'-t' if thumb else ''}",
            f"{name}.{EXTENSIONS.get(kind, 'img')}",
        )


def _too_many() -> Invalid:
    return Invalid(f"file: at most {ATTACHMENTS_MAX} photos per conversation", field="file")


def _entry(ticket: Doc, photo: CleanPhoto, author: str, author_name: str | None) -> Doc:
    """The `attachment` entry of a cleaned photo (its blobs are named after its id)."""
    attachment_id = new_id()
    return {
        "id": attachment_id,
        "ticket_id": ticket["id"],
        "kind": "attachment",
        "author": author,
        "author_name": author_name,
        "content_type": photo.content_type,
        "size": len(photo.content),
        "thumbnail_size": len(photo.thumbnail),
        "width": photo.width,
        "height": photo.height,
        # Where its bytes are (the privacy sweep deletes them by these names).
        "blobs": {"full": _full_key(attachment_id), "thumb": _thumb_key(attachment_id)},
        "created_at": now_iso(),
    }


__all__ = ["Attachments", "Photo"]
