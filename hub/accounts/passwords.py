"""Password hashing (Argon2id, memory-hard) and API-token hashing."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Argon2id hash of a staff password."""
    return str(_hasher.hash(password))


def verify_password(stored: str, password: str) -> bool:
    """Whether `password` matches; never raises on a bad or foreign hash."""
    try:
        return bool(_hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def hash_token(token: str) -> str:
    """SHA-256 of an API token: tokens are long random strings, so a fast hash suffices."""
    return hashlib.sha256(token.encode()).hexdigest()
