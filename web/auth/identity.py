"""Who is asking: the signed-in user of a session, or the owner of an API token.

`SignedInUser` is a plain value (not an ORM row), loaded once per request, so templates and
views never touch a session that has already closed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask import g
from flask_login import current_user
from sqlalchemy import update
from sqlalchemy.orm import Session

from integrations.db import queries
from integrations.db.app_models import User
from web.auth.passwords import verify_password

STAFF_ROLES = frozenset({"admin", "finance", "arbitrator"})


@dataclass(frozen=True)
class SignedInUser:
    id: int
    email: str
    display_name: str
    role: str
    business_id: int | None
    business_name: str | None

    # Flask-Login's user protocol
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_member(self) -> bool:
        return self.role == "member" and self.business_id is not None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @classmethod
    def of(cls, account: queries.Account | None) -> SignedInUser | None:
        if account is None:
            return None
        return cls(account.user_id, account.email, account.display_name, account.role,
                   account.business_id, account.business_name)


def viewer() -> SignedInUser:
    """The user the current request acts for (set by the access checks of HTML and API)."""
    found = g.get("viewer")
    if found is None and current_user.is_authenticated:
        found = current_user._get_current_object()
    assert found is not None, "viewer() is called only behind an access check"
    return found


def user_by_id(session: Session, user_id: int) -> SignedInUser | None:
    return SignedInUser.of(queries.account_by_id(session, user_id))


def user_for_password(session: Session, email: str, password: str) -> SignedInUser | None:
    found = queries.password_hash_of(session, email.strip())
    if not verify_password(found[1] if found else None, password) or found is None:
        return None
    return user_by_id(session, found[0])


# ---- API tokens: shown once, stored only as a SHA-256 digest ---------------------------------
def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_for_token(session: Session, token: str) -> SignedInUser | None:
    if not token or len(token) > 200:
        return None
    return SignedInUser.of(queries.account_by_token_hash(session, token_digest(token)))


def issue_token(session: Session, user_id: int) -> str:
    """A new token for the user; it replaces the previous one, which stops working."""
    token = secrets.token_urlsafe(32)
    session.execute(update(User).where(User.id == user_id).values(api_token_hash=token_digest(token)))
    session.commit()
    return token


def revoke_token(session: Session, user_id: int) -> None:
    session.execute(update(User).where(User.id == user_id).values(api_token_hash=None))
    session.commit()
