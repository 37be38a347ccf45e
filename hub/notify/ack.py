"""One-tap acknowledge links: signed, expiring tokens naming one outbox item.

The token carries the tenant and the item (so the recipient who tapped is known), signed
with the app secret by itsdangerous. Anyone holding the link may acknowledge that one
ticket, and nothing else, until it expires.
"""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

ACK_MAX_AGE = 72 * 3600
_SALT = "sos-hub.ack.v1"


class AckLinkExpired(Exception):
    """The link was genuine but is older than its lifetime."""


class AckLinkInvalid(Exception):
    """The link was not made by this hub (forged, mangled or for another secret)."""


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def ack_token(secret: str, tenant_id: str, item_id: str) -> str:
    """The signed token for the item's acknowledge link."""
    return str(_serializer(secret).dumps([tenant_id, item_id]))


def read_ack_token(secret: str, token: str, max_age: int = ACK_MAX_AGE) -> tuple[str, str]:
    """(tenant_id, item_id) from a token; AckLinkExpired or AckLinkInvalid otherwise."""
    try:
        value = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise AckLinkExpired(str(exc)) from None
    except BadSignature as exc:
        raise AckLinkInvalid(str(exc)) from None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, str) and v for v in value)
    ):
        raise AckLinkInvalid("unexpected payload")
    return value[0], value[1]
