"""Password hashing with Argon2id (argon2-cffi); the seed script uses these functions too.

The default cost (~0.1 s a verify) protects stored hashes; tests set `ARGON2_FAST` to a
minimal cost. A hash records its own parameters, so verifying works across both.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

_STRONG = PasswordHasher()
_FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@cache
def _decoy() -> str:
    """Verified when an email is unknown, so a wrong email costs as long as a wrong password."""
    return _STRONG.hash("decoy password for unknown emails")


def _hasher(fast: bool | None) -> PasswordHasher:
    if fast is None:
        fast = has_app_context() and bool(current_app.config.get("ARGON2_FAST"))
    return _FAST if fast else _STRONG


def hash_password(password: str, *, fast: bool | None = None) -> str:
    return _hasher(fast).hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True only for the right password; unknown users and foreign hashes are simply False."""
    try:
        return _STRONG.verify(password_hash or _decoy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
