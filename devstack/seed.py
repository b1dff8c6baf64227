"""Demo data for `make run`: three member businesses with listings and credit lines, and staff.

Idempotent: a second run finds the demo users and adds nothing. The demo password is for
the local stack only; production never runs this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from integrations.db.app_models import Category, Listing
from integrations.db.dispute_models import Arbitrator
from integrations.db.members import add_staff, register_business, user_by_email
from integrations.db.session import unit_of_work
from integrations.db.verification_read_model import mark_verified

DEMO_PASSWORD = "tradepact-demo"


@dataclass(frozen=True)
class DemoMember:
    business: str
    city: str
    description: str
    email: str
    person: str
    # kind, category slug, title, credits and cash (EUR) price in minor units, open to barter
    listings: tuple[tuple[str, str, str, int | None, int | None, bool], ...]


MEMBERS = (
    DemoMember(
        "Studio Ada", "Lyon", "Brand identities and websites for small shops.",
        "ada@studio-ada.example", "Ada Laurent",
        (("offer", "logo-design", "Logo and brand kit", 450_00, None, True),
         ("offer", "web-design", "Five-page website", 500_00, 700_00, False),
         ("want", "bookkeeping", "Quarterly bookkeeping", 300_00, None, True)),
    ),
    DemoMember(
        "Ben's Books", "Lyon", "Bookkeeping, VAT returns and payroll for micro-businesses.",
        "ben@bens-books.example", "Ben Okafor",
        (("offer", "bookkeeping", "Quarterly bookkeeping", 300_00, None, True),
         ("offer", "tax-returns", "Annual accounts", None, 900_00, False),
         ("want", "business-cards", "500 business cards", 80_00, None, False)),
    ),
    DemoMember(
        "Cleo Print", "Villeurbanne", "Digital and offset printing, same-week delivery.",
        "cleo@cleo-print.example", "Cleo Martin",
        (("offer", "business-cards", "500 business cards", 80_00, None, True),
         ("offer", "large-format", "A1 posters, 50 copies", None, 220_00, False),
         ("want", "logo-design", "Logo and brand kit", 450_00, None, True)),
    ),
)

# Printed matter is picked up at the shop; everything else is delivered remotely.
# title -> delivery mode and lead time in days
DELIVERY = {"500 business cards": ("on_site", 3), "A1 posters, 50 copies": ("on_site", 5),
            "Five-page website": ("remote", 30), "Annual accounts": ("remote", 21)}

STAFF = (
    ("arbitrator@tradepact.example", "Iris Arbitre", "arbitrator"),
    # A senior arbitrator: appeals go to a senior one who did not rule the first time.
    ("arbitrator2@tradepact.example", "Sol Senior", "arbitrator"),
    ("finance@tradepact.example", "Felix Finance", "finance"),
    # A second finance user: a manual adjustment is posted only when another one approves it.
    ("finance2@tradepact.example", "Fatima Finance", "finance"),
    ("admin@tradepact.example", "Alma Admin", "admin"),
)


def _delivery(title: str, city: str) -> dict:
    mode, lead_time_days = DELIVERY.get(title, ("remote", 7))
    return {"delivery_mode": mode, "city": city if mode == "on_site" else "", "lead_time_days": lead_time_days}


def seed(database_url: str, hash_password) -> list[tuple[str, str]]:
    """Create whatever demo data is missing; return the demo logins as (email, role)."""
    password_hash = hash_password(DEMO_PASSWORD)
    with unit_of_work(database_url) as session:
        categories = {c.slug: c.id for c in session.scalars(select(Category))}
        for member in MEMBERS:
            if user_by_email(session, member.email) is not None:
                continue
            registered = register_business(
                session, name=member.business, email=member.email, display_name=member.person,
                password_hash=password_hash, city=member.city, description=member.description,
                credit_line_minor=1_000_00,
            )
            # The demo members are verified businesses (badge, full deal sizes, credit line).
            mark_verified(session, registered.business_id, datetime.now(UTC), "demo member, verified at seeding")
            for kind, category, title, credits_minor, cash_minor, barter in member.listings:
                session.add(Listing(
                    business_id=registered.business_id, kind=kind, title=title,
                    description=f"{title} by {member.business}, {member.city}.",
                    category_id=categories[category], price_credits_minor=credits_minor,
                    price_cash_minor=cash_minor, open_to_barter=barter,
                    **_delivery(title, member.city),
                ))
        for email, name, role in STAFF:
            if user_by_email(session, email) is None:
                user_id = add_staff(session, email=email, display_name=name, password_hash=password_hash, role=role)
                if role == "arbitrator":
                    session.add(Arbitrator(user_id=user_id, is_senior=email.startswith("arbitrator2@")))
    return [(m.email, "member") for m in MEMBERS] + [(email, role) for email, _n, role in STAFF]


if __name__ == "__main__":
    from integrations.settings import Settings
    from web.auth.passwords import hash_password

    for email, role in seed(Settings.from_env().database_url, hash_password):
        print(f"{role:<11} {email}  /  {DEMO_PASSWORD}")
