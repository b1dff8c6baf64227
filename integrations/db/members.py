"""Member businesses and their staff: registration opens the business's credit account."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.ledger import member_account
from domain.money import CREDITS
from integrations.db.app_models import Business, User
from integrations.db.ledger import Ledger

DEFAULT_CREDIT_LINE_MINOR = 500_00  # a new member may go 500.00 CRD below zero


@dataclass(frozen=True)
class Registered:
    business_id: int
    user_id: int


def register_business(
    session: Session, *, name: str, email: str, display_name: str, password_hash: str,
    city: str = "", description: str = "", credit_line_minor: int = DEFAULT_CREDIT_LINE_MINOR,
) -> Registered:
    business = Business(name=name, city=city, description=description)
    session.add(business)
    session.flush()
    user = User(email=email.lower(), display_name=display_name, password_hash=password_hash,
                role="member", business_id=business.id)
    session.add(user)
    session.flush()
    Ledger(session).open_account(
        member_account(business.id, CREDITS), CREDITS, "member", credit_limit=credit_line_minor
    )
    return Registered(business.id, user.id)


def add_staff(session: Session, *, email: str, display_name: str, password_hash: str,
              role: str) -> int:
    user = User(email=email.lower(), display_name=display_name, password_hash=password_hash, role=role)
    session.add(user)
    session.flush()
    return user.id


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.lower()))
