"""Members and their logins."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from integrations.db.app_models import (
    Business,
    User,
)


# ---- members ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Account:
    """A login: who the user is and which business (if any) it acts for."""

    user_id: int
    email: str
    display_name: str
    role: str
    business_id: int | None
    business_name: str | None


# Every request runs one of these two: plain statements built once, since building and
# compiling the select per request cost more CPU than PostgreSQL spends answering it.
_ACCOUNT = """
    SELECT u.id, u.email, u.display_name, u.role, u.business_id, b.name
      FROM users u LEFT OUTER JOIN businesses b ON b.id = u.business_id"""
ACCOUNT_BY_ID = text(_ACCOUNT + " WHERE u.id = :user_id")
ACCOUNT_BY_TOKEN_HASH = text(_ACCOUNT + " WHERE u.api_token_hash = :token_hash")


def account_by_id(session: Session, user_id: int) -> Account | None:
    row = session.execute(ACCOUNT_BY_ID, {"user_id": user_id}).first()
    return None if row is None else Account(*row)


def account_by_token_hash(session: Session, token_hash: str) -> Account | None:
    row = session.execute(ACCOUNT_BY_TOKEN_HASH, {"token_hash": token_hash}).first()
    return None if row is None else Account(*row)


def password_hash_of(session: Session, email: str) -> tuple[int, str] | None:
    row = session.execute(select(User.id, User.password_hash).where(User.email == email.lower())).first()
    return (row[0], row[1]) if row else None


def has_api_token(session: Session, user_id: int) -> bool:
    return session.scalar(select(User.api_token_hash).where(User.id == user_id)) is not None


def business_name_taken(session: Session, name: str) -> bool:
    return session.scalar(select(func.count()).where(func.lower(Business.name) == name.lower())) > 0


def email_taken(session: Session, email: str) -> bool:
    return session.scalar(select(func.count()).where(User.email == email.lower())) > 0
