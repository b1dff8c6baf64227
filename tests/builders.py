"""Test data builders: members, staff, listings and tokens with unique names.

The database is shared by the whole test session, so every builder makes its names unique
instead of relying on empty tables.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from integrations.db.app_models import Category, Listing
from integrations.db.members import add_staff, register_business
from integrations.db.session import session_factory, unit_of_work
from integrations.db.verification_read_model import mark_verified
from web.auth.identity import issue_token
from web.auth.passwords import hash_password

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Login:
    user_id: int
    email: str
    password: str
    business_id: int | None = None
    name: str = ""


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def a_business(database_url: str, credit_line_minor: int = 1_000_00, name: str | None = None,
               city: str = "Lyon", description: str = "Good work, on time.", verified: bool = True) -> Login:
    """A member business; verified (KYB) unless asked otherwise, as the demo members are, so deals
    of any size and its credit line work. An unverified one should get `credit_line_minor=0`."""
    name = name or unique("Business")
    email = f"{name.lower().replace(' ', '-')}@example.test"
    with unit_of_work(database_url) as session:
        registered = register_business(
            session, name=name, email=email, display_name=f"Owner of {name}",
            password_hash=hash_password(PASSWORD, fast=True), city=city, description=description,
            credit_line_minor=credit_line_minor,
        )
        if verified:
            mark_verified(session, registered.business_id, datetime.now(UTC), "verified by the test builder")
    return Login(registered.user_id, email, PASSWORD, registered.business_id, name)


def a_staff_user(database_url: str, role: str = "admin") -> Login:
    email = f"{role}-{uuid.uuid4().hex[:8]}@staff.example.test"
    with unit_of_work(database_url) as session:
        user_id = add_staff(session, email=email, display_name=f"Staff {role}",
                            password_hash=hash_password(PASSWORD, fast=True), role=role)
    return Login(user_id, email, PASSWORD)


def a_listing(database_url: str, business_id: int, price_minor: int | None = 100_00, kind: str = "offer",
              title: str | None = None, category: str = "design",
              description: str = "A logo in three formats, with a style sheet.",
              cash_minor: int | None = None, open_to_barter: bool = False, delivery_mode: str = "remote",
              city: str = "", lead_time_days: int = 14) -> int:
    with unit_of_work(database_url) as session:
        category_id = session.scalar(select(Category.id).where(Category.slug == category))
        listing = Listing(business_id=business_id, kind=kind, title=title or unique("Logo design"),
                          description=description, category_id=category_id, price_credits_minor=price_minor,
                          price_cash_minor=cash_minor, open_to_barter=open_to_barter,
                          delivery_mode=delivery_mode, city=city, lead_time_days=lead_time_days)
        session.add(listing)
        session.flush()
        return listing.id


def a_token(database_url: str, user_id: int) -> str:
    with session_factory(database_url)() as session:  # issue_token commits itself
        return issue_token(session, user_id)
