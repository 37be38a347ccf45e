"""The request body cap: small everywhere, larger only for the two photo uploads.

Quart reads a request's body (into memory) with the cap it is given when the request is
made, before any view runs; a body declaring more is refused at once (413) and one that
streams past it is cut off there. `HubRequest` picks that cap from the method and path,
so only `POST …/attachments` may send a photo's worth and every other door keeps 64 KB.
"""

from __future__ import annotations

import re
from typing import Any

from quart.wrappers import Request

from hub.attachments.photos import MAX_PHOTO_BYTES

MAX_BODY_BYTES = 64 * 1024
# A photo and the multipart envelope around it (boundaries, headers, a message id).
UPLOAD_BODY_BYTES = MAX_PHOTO_BYTES + 64 * 1024
_UPLOADS = re.compile(r"^/api/v1/(?:thread|tickets)/[^/]{1,200}/attachments$")


def is_upload(method: str, path: str) -> bool:
    """Is this a photo upload (`POST /api/v1/thread|tickets/<…>/attachments`)?"""
    return method == "POST" and _UPLOADS.match(path) is not None


class HubRequest(Request):
    """Quart's request with the body cap chosen per route (see the module's docstring)."""

    def __init__(self, method: str, scheme: str, path: str, *args: Any, **kwargs: Any) -> None:
        upload = is_upload(method, path)
        if upload:
            kwargs["max_content_length"] = UPLOAD_BODY_BYTES  # the body's own cap
        super().__init__(method, scheme, path, *args, **kwargs)
        if upload:
            self.max_content_length = UPLOAD_BODY_BYTES  # and the form parser's
