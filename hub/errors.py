"""Domain errors: each carries the HTTP status and contract code the routes answer with."""

from __future__ import annotations


def field_first(message: str, field: str) -> str:
    """The contract's "field: what is wrong": "slug must be…" → "slug: must be…",
    "no such ticket" → "ticket: no such ticket"; a message already in that form stays."""
    if message.startswith(f"{field}:"):
        return message
    if message.startswith(f"{field} "):
        return f"{field}:{message[len(field) :]}"
    return f"{field}: {message}"


class HubError(Exception):
    """An expected failure with a user-readable message."""

    status = 400
    code = "invalid"
    # more keys of the JSON error object, for an answer a client acts on (a login's choices)
    details: dict[str, object] | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(HubError):
    """Input broke a rule; `field` names which."""


class NotFound(HubError):
    """No such object for this tenant (also: it belongs to another tenant)."""

    status = 404
    code = "not_found"


class Forbidden(HubError):
    """Authenticated, but not allowed."""

    status = 403
    code = "forbidden"


class Unauthorized(HubError):
    """Missing or wrong credentials."""

    status = 401
    code = "unauthorized"


class Conflicting(HubError):
    """The request clashes with the current state (taken slug, illegal transition)."""

    status = 409
    code = "conflict"


class Gone(HubError):
    """A one-time link that was used, replaced or expired: it will never work again."""

    status = 410
    code = "gone"


class Suspended(HubError):
    """The business is suspended by the installation's operator: nothing is deleted, but it
    takes no messages and its staff cannot log in until it is resumed. Always names `tenant`.
    """

    status = 423
    code = "suspended"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="tenant")


class StoreUnavailable(HubError):
    """The store could not answer in time (locked, full, unreachable): nothing was stored.

    Answered as 503 with Retry-After, so clients and customers know to send it again.
    """

    status = 503
    code = "store_unavailable"
    retry_after = 5

    def __init__(
        self, message: str = "not stored: the hub cannot save anything just now; try again soon"
    ) -> None:
        super().__init__(message)


class TooLarge(HubError):
    """A body or file over its limit (413); `field` names which."""

    status = 413
    code = "too_large"
