"""Photos in a conversation: the customer's and staff's uploads, and the photos served back.

`POST /api/v1/thread/<token>/attachments` (the thread's holder) and
`POST /api/v1/tickets/<id>/attachments` (staff) take `multipart/form-data` with one `file`
(and, optionally, `message`: the id of the message it goes with; the ticket's id for the
SOS). Each `GET …/attachments/<id>` serves a photo (`?size=thumb`: its thumbnail) to the
same people only. The upload routes alone may send a body over 64 KB (hub/http/uploads.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from quart import Blueprint, Response, request
from quart_schema import DataSource, validate_request
from quart_schema.pydantic import File

from hub.attachments.photos import MAX_PHOTO_BYTES, too_large
from hub.attachments.service import Photo
from hub.container import hub
from hub.ports import Doc
from hub.routes.auth import staff, staff_required, tenant_id
from hub.routes.intake import client_network, limit
from hub.routes.openapi import responds
from hub.tickets.model import (
    attachment_json,
    customer_attachment_json,
    staff_attachments_path,
    thread_attachments_path,
)

bp = Blueprint("attachments", __name__, url_prefix="/api/v1")

MAX_ID_CHARS = 64


class AttachmentIn(BaseModel):
    """One photo, and the message it goes with (none: a photo on its own)."""

    model_config = ConfigDict(extra="ignore", arbitrary_types_allowed=True)

    file: File
    message: str | None = Field(default=None, max_length=MAX_ID_CHARS)


async def _content(data: AttachmentIn) -> bytes:
    """The file's bytes, read no further than the limit allows (it may sit on disk)."""
    content: bytes = await asyncio.to_thread(data.file.read, MAX_PHOTO_BYTES + 1)
    if len(content) > MAX_PHOTO_BYTES:
        raise too_large(len(content))
    return content


def absolute_photo(photo: dict[str, Any]) -> dict[str, Any]:
    """A photo's JSON as the API answers it: its addresses absolute, under HUB_PUBLIC_URL
    (CONTRACT.md), wherever it is listed (an upload's answer, a ticket, a thread)."""
    for key in ("url", "thumbnail_url"):
        photo[key] = hub().settings.public(photo[key])
    return photo


def _answer(
    entry: dict[str, Any], path: str, view: Callable[[Doc, str], Doc] = attachment_json
) -> dict[str, Any]:
    """The stored photo as `view` shows it, with absolute addresses."""
    return absolute_photo(view(entry, path))


def _send(photo: Photo) -> Response:
    """A photo as an image only ever shown as one: never sniffed, cached by this browser."""
    if request.if_none_match.contains(photo.etag):
        response = Response(status=304)
    else:
        response = Response(photo.content, content_type=photo.content_type)
    response.headers["ETag"] = f'"{photo.etag}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f'inline; filename="{photo.filename}"'
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def _thumb() -> bool:
    return request.args.get("size") == "thumb"


@bp.post("/thread/<token>/attachments")
@responds(201)
@validate_request(AttachmentIn, source=DataSource.FORM_MULTIPART)
async def thread_upload(token: str, data: AttachmentIn) -> Any:
    """The customer adds a photo to their thread (with a message of theirs, or on its own)."""
    await limit("attachment", thread=token[:64])
    entry = await hub().attachments.from_customer(
        token, await _content(data), data.message, sender=client_network()
    )
    return _answer(entry, thread_attachments_path(token), customer_attachment_json), 201


@bp.post("/tickets/<ticket_id>/attachments")
@responds(201)
@staff_required()
@validate_request(AttachmentIn, source=DataSource.FORM_MULTIPART)
async def staff_upload(ticket_id: str, data: AttachmentIn) -> Any:
    """Staff add a photo to a ticket (with a reply of theirs, or on its own)."""
    entry = await hub().attachments.from_staff(
        tenant_id(), ticket_id, staff(), await _content(data), data.message
    )
    return _answer(entry, staff_attachments_path(ticket_id)), 201


@bp.get("/thread/<token>/attachments/<attachment_id>")
@responds(200, ("image/jpeg", "image/png", "image/webp"))
async def thread_photo(token: str, attachment_id: str) -> Any:
    """A photo of this thread, for whoever holds its link."""
    return _send(await hub().attachments.for_holder(token, attachment_id[:MAX_ID_CHARS], _thumb()))


@bp.get("/tickets/<ticket_id>/attachments/<attachment_id>")
@responds(200, ("image/jpeg", "image/png", "image/webp"))
@staff_required()
async def staff_photo(ticket_id: str, attachment_id: str) -> Any:
    """A photo of one of this business's tickets (not while it is held back)."""
    photo = await hub().attachments.for_staff(
        tenant_id(), ticket_id, attachment_id[:MAX_ID_CHARS], _thumb()
    )
    return _send(photo)
