"""The survey invitation's link: a signed token naming one ticket, with its expiry inside.

The expiry is fixed when the invitation is made (the business's `invite_days` then), so
changing the setting later neither lengthens nor shortens links already sent.
"""

from __future__ import annotations

from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "sos-hub.survey-invite.v1"


class InviteExpired(Exception):
    """The link is genuine but its time is over."""


class InviteInvalid(Exception):
    """The link was not made by this hub (forged, mangled, or for another secret)."""


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def invite_token(secret: str, tenant_id: str, ticket_id: str, expires: datetime) -> str:
    """The token of `/survey/<token>` for this ticket, valid until `expires`."""
    return str(_serializer(secret).dumps([tenant_id, ticket_id, int(expires.timestamp())]))


def read_invite_token(secret: str, token: str, now: datetime) -> tuple[str, str]:
    """(tenant_id, ticket_id) of a valid token; InviteExpired or InviteInvalid otherwise."""
    try:
        value = _serializer(secret).loads(token)
    except BadSignature as exc:
        raise InviteInvalid(str(exc)) from None
    if (
        not isinstance(value, list)
        or len(value) != 3
        or not all(isinstance(v, str) and v for v in value[:2])
        or not isinstance(value[2], int)
    ):
        raise InviteInvalid("unexpected payload")
    if now >= datetime.fromtimestamp(value[2], UTC):
        raise InviteExpired("the survey link has expired")
    return value[0], value[1]
