"""Categories, listings, search and business profiles."""

from __future__ import annotations

import re

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session, aliased

from domain.money import CASH_CURRENCY, CREDITS, Money
from integrations.db.app_models import (
    Business,
    Category,
    Listing,
    ReviewRow,
)
from integrations.db.queries.views import BusinessView, CategoryView, ListingView, RevealedReview

MAX_QUERY = 200


# ---- catalog ----------------------------------------------------------------------------
def categories(session: Session) -> list[CategoryView]:
    rows = session.scalars(select(Category).order_by(Category.name))
    return [CategoryView(c.id, c.slug, c.name) for c in rows]


def category_by_slug(session: Session, slug: str) -> CategoryView | None:
    found = session.scalar(select(Category).where(Category.slug == slug))
    return CategoryView(found.id, found.slug, found.name, found.parent_id) if found else None


def _listings() -> Select:
    return (select(Listing, Business, Category)
            .join(Business, Business.id == Listing.business_id)
            .join(Category, Category.id == Listing.category_id))


def _listing_view(listing: Listing, business: Business, category: Category) -> ListingView:
    return ListingView(
        listing.id, listing.kind, listing.title, listing.description,
        listing_prices(listing), CategoryView(category.id, category.slug, category.name, category.parent_id),
        business.id, business.name, business.city, listing.active, listing.created_at, listing.open_to_barter,
        listing.delivery_mode, listing.city, listing.lead_time_days,
    )


def listing_prices(listing: Listing) -> tuple[Money, ...]:
    return _prices(listing.price_cash_minor, listing.price_credits_minor)


def _prices(cash_minor: int | None, credits_minor: int | None) -> tuple[Money, ...]:
    return tuple(Money(minor, currency) for minor, currency in ((cash_minor, CASH_CURRENCY), (credits_minor, CREDITS))
                 if minor)


def clean_query(q: str | None) -> str:
    """What a search box may send: printable text, single spaces, at most 200 characters."""
    text = re.sub(r"[\x00-\x1f\x7f]", " ", q or "")
    return " ".join(text.split())[:MAX_QUERY].strip()


# Every proposal reads its listing: only the columns the view shows, in a plain statement built
# once (loading three ORM rows, the listing's search vector among them, cost the web more CPU
# than PostgreSQL spends answering).
LISTING = text("""
    SELECT l.id, l.kind, l.title, l.description, l.price_cash_minor, l.price_credits_minor,
           c.id, c.slug, c.name, c.parent_id, b.id, b.name, b.city, l.active, l.created_at, l.open_to_barter,
           l.delivery_mode, l.city, l.lead_time_days
      FROM listings l JOIN businesses b ON b.id = l.business_id JOIN categories c ON c.id = l.category_id
     WHERE l.id = :listing_id""")


def listing(session: Session, listing_id: int) -> ListingView | None:
    row = session.execute(LISTING, {"listing_id": listing_id}).first()
    if row is None:
        return None
    (id_, kind, title, description, cash_minor, credits_minor, category_id, slug, category_name, parent_id,
     business_id, business_name, business_city, active, created_at, open_to_barter, delivery_mode, city,
     lead_time_days) = row
    return ListingView(id_, kind, title, description, _prices(cash_minor, credits_minor),
                       CategoryView(category_id, slug, category_name, parent_id), business_id, business_name,
                       business_city, active, created_at, open_to_barter, delivery_mode, city, lead_time_days)


def business_profile(session: Session, business_id: int) -> BusinessView | None:
    business = session.get(Business, business_id)
    if business is None:
        return None
    rows = session.execute(_listings().where(Listing.business_id == business_id, Listing.active)
                           .order_by(Listing.created_at.desc(), Listing.id.desc()).limit(100)).all()
    author = aliased(Business)
    reviews = session.execute(
        select(ReviewRow, author.name).join(author, author.id == ReviewRow.author_id)
        .where(ReviewRow.subject_id == business_id, ReviewRow.revealed)
        .order_by(ReviewRow.at.desc()).limit(50)).all()
    return BusinessView(
        business.id, business.name, business.city, business.description, business.created_at,
        [_listing_view(*row) for row in rows],
        [RevealedReview(name, r.quality, r.timeliness, r.communication, r.comment, r.at)
         for r, name in reviews],
    )
