"""Members and their logins."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
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


def _accounts() -> Select:
    # Every request looks its user up (token or session): Core columns on the tables, not the
    # whole ORM `User` row (password hash included) only to copy five fields out of it.
    users, businesses = User.__table__, Business.__table__
    return (select(users.c.id, users.c.email, users.c.display_name, users.c.role, users.c.business_id,
                   businesses.c.name)
            .select_from(users.outerjoin(businesses, businesses.c.id == users.c.business_id)))


def _account(session: Session, statement: Select) -> Account | None:
    row = session.execute(statement).first()
    return None if row is None else Account(*row)


def account_by_id(session: Session, user_id: int) -> Account | None:
    return _account(session, _accounts().where(User.__table__.c.id == user_id))


def account_by_token_hash(session: Session, token_hash: str) -> Account | None:
    return _account(session, _accounts().where(User.__table__.c.api_token_hash == token_hash))


def password_hash_of(session: Session, email: str) -> tuple[int, str] | None:
    row = session.execute(select(User.id, User.password_hash).where(User.email == email.lower())).first()
    return (row[0], row[1]) if row else None


def has_api_token(session: Session, user_id: int) -> bool:
    return session.scalar(select(User.api_token_hash).where(User.id == user_id)) is not None


def business_name_taken(session: Session, name: str) -> bool:
    return session.scalar(select(func.count()).where(func.lower(Business.name) == name.lower())) > 0


def email_taken(session: Session, email: str) -> bool:
    return session.scalar(select(func.count()).where(User.email == email.lower())) > 0
