"""Read-side queries for the web: plain dataclasses out, never ORM objects, never a write.

Each function takes the caller's `Session`. Deal pages rebuild the domain `Deal` from the
read model's JSON so the web asks the domain itself what a viewer may do next.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from domain.deal import Deal
from domain.errors import InvalidInput
from domain.ledger import member_account
from domain.money import CREDITS, Money, credits
from domain.reviews import Review
from integrations.db.app_models import (
    Business,
    Category,
    DealEvent,
    DealRow,
    Listing,
    Notification,
    ReviewRow,
    User,
)
from integrations.db.deal_json import deal_from_json
from integrations.db.ledger import AccountBalance, Ledger, StatementLine

T = TypeVar("T")
MAX_QUERY = 200
MAX_FALLBACK_WORDS = 8


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


@dataclass(frozen=True)
class CategoryView:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class ListingView:
    id: int
    kind: str
    title: str
    description: str
    price: Money
    category: CategoryView
    business_id: int
    business_name: str
    business_city: str
    active: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class RevealedReview:
    author_name: str
    quality: int
    timeliness: int
    communication: int
    comment: str
    at: dt.datetime


@dataclass(frozen=True)
class BusinessView:
    id: int
    name: str
    city: str
    description: str
    created_at: dt.datetime
    listings: list[ListingView]
    reviews: list[RevealedReview]


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    kind: str
    actor_id: int | None
    actor_name: str | None
    summary: str
    at: dt.datetime


@dataclass(frozen=True)
class DealView:
    deal: Deal
    buyer_name: str
    seller_name: str
    timeline: list[TimelineEntry]
    updated_at: dt.datetime

    def name_of(self, business_id: int) -> str:
        return self.buyer_name if business_id == self.deal.buyer_id else self.seller_name

    def reviews_visible_to(self, business_id: int | None) -> list[Review]:
        """Double-blind: one's own review always, the partner's only once revealed."""
        return [r for r in self.deal.reviews
                if r.author_id == business_id or self.deal.reviews_revealed]


@dataclass(frozen=True)
class DealSummary:
    deal_id: str
    title: str
    stage: str
    buyer_id: int
    seller_id: int
    buyer_name: str
    seller_name: str
    price: tuple[Money, ...]
    next_deadline_at: dt.datetime | None
    updated_at: dt.datetime


@dataclass(frozen=True)
class NotificationView:
    id: int
    deal_id: str | None
    kind: str
    subject: str
    body: str
    created_at: dt.datetime
    read_at: dt.datetime | None


@dataclass(frozen=True)
class CreditAccount:
    balance: AccountBalance
    statement: list[StatementLine]

    @property
    def currency(self) -> str:
        return self.balance.currency


@dataclass(frozen=True)
class StaffOverview:
    deals_by_stage: dict[str, int]
    member_count: int
    recent_deals: list[DealSummary]
    trial_balance: dict[str, int]


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
    return select(User, Business.name).outerjoin(Business, Business.id == User.business_id)


def _account(session: Session, statement: Select) -> Account | None:
    row = session.execute(statement).first()
    if row is None:
        return None
    user, business_name = row
    return Account(user.id, user.email, user.display_name, user.role, user.business_id, business_name)


def account_by_id(session: Session, user_id: int) -> Account | None:
    return _account(session, _accounts().where(User.id == user_id))


def account_by_token_hash(session: Session, token_hash: str) -> Account | None:
    return _account(session, _accounts().where(User.api_token_hash == token_hash))


def password_hash_of(session: Session, email: str) -> tuple[int, str] | None:
    row = session.execute(select(User.id, User.password_hash).where(User.email == email.lower())).first()
    return (row[0], row[1]) if row else None


def has_api_token(session: Session, user_id: int) -> bool:
    return session.scalar(select(User.api_token_hash).where(User.id == user_id)) is not None


def business_name_taken(session: Session, name: str) -> bool:
    return session.scalar(select(func.count()).where(func.lower(Business.name) == name.lower())) > 0


def email_taken(session: Session, email: str) -> bool:
    return session.scalar(select(func.count()).where(User.email == email.lower())) > 0


# ---- catalog ----------------------------------------------------------------------------
def categories(session: Session) -> list[CategoryView]:
    rows = session.scalars(select(Category).order_by(Category.name))
    return [CategoryView(c.id, c.slug, c.name) for c in rows]


def category_by_slug(session: Session, slug: str) -> CategoryView | None:
    found = session.scalar(select(Category).where(Category.slug == slug))
    return CategoryView(found.id, found.slug, found.name) if found else None


def _listings() -> Select:
    return (select(Listing, Business, Category)
            .join(Business, Business.id == Listing.business_id)
            .join(Category, Category.id == Listing.category_id))


def _listing_view(listing: Listing, business: Business, category: Category) -> ListingView:
    return ListingView(
        listing.id, listing.kind, listing.title, listing.description,
        credits(listing.price_credits_minor), CategoryView(category.id, category.slug, category.name),
        business.id, business.name, business.city, listing.active, listing.created_at,
    )


def _page(session: Session, statement: Select, number: int, per_page: int) -> Page[ListingView]:
    number = max(number, 1)
    rows = session.execute(statement.limit(per_page + 1).offset((number - 1) * per_page)).all()
    items = [_listing_view(*row) for row in rows[:per_page]]
    return Page(items, number, per_page, has_next=len(rows) > per_page)


def latest_listings(session: Session, page: int = 1, per_page: int = 20) -> Page[ListingView]:
    statement = _listings().where(Listing.active).order_by(Listing.created_at.desc(), Listing.id.desc())
    return _page(session, statement, page, per_page)


def clean_query(q: str | None) -> str:
    """What a search box may send: printable text, single spaces, at most 200 characters."""
    text = re.sub(r"[\x00-\x1f\x7f]", " ", q or "")
    return " ".join(text.split())[:MAX_QUERY].strip()


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_listings(session: Session, q: str | None, page: int = 1, per_page: int = 20) -> Page[ListingView]:
    """Full-text search ranked by relevance; titles containing every typed word also match,
    so short or partial words ("acc", "web") still find something."""
    text = clean_query(q)
    if not text:
        return latest_listings(session, page, per_page)
    query = func.websearch_to_tsquery("english", text)
    words = text.split()[:MAX_FALLBACK_WORDS]
    in_title = and_(*(Listing.title.ilike(_like_pattern(w), escape="\\") for w in words))
    statement = (_listings()
                 .where(Listing.active, or_(Listing.search.op("@@")(query), in_title))
                 .order_by(func.ts_rank(Listing.search, query).desc(), Listing.created_at.desc(),
                           Listing.id.desc()))
    return _page(session, statement, page, per_page)


def listing(session: Session, listing_id: int) -> ListingView | None:
    row = session.execute(_listings().where(Listing.id == listing_id)).first()
    return _listing_view(*row) if row else None


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


# ---- deals ------------------------------------------------------------------------------
def _deal_rows() -> Select:
    buyer, seller = aliased(Business), aliased(Business)
    return (select(DealRow, buyer.name, seller.name)
            .join(buyer, buyer.id == DealRow.buyer_id)
            .join(seller, seller.id == DealRow.seller_id))


def _summary(row: DealRow, buyer_name: str, seller_name: str) -> DealSummary:
    deal = deal_from_json(row.state)
    return DealSummary(row.deal_id, row.title, row.stage, row.buyer_id, row.seller_id, buyer_name,
                       seller_name, deal.terms.price, row.next_deadline_at, row.updated_at)


def deals_for_business(session: Session, business_id: int, stage: str | None = None,
                       limit: int = 100) -> list[DealSummary]:
    statement = _deal_rows().where(or_(DealRow.buyer_id == business_id, DealRow.seller_id == business_id))
    if stage:
        statement = statement.where(DealRow.stage == stage)
    rows = session.execute(statement.order_by(DealRow.updated_at.desc()).limit(limit)).all()
    return [_summary(*row) for row in rows]


def timeline(session: Session, deal_id: str) -> list[TimelineEntry]:
    rows = session.execute(
        select(DealEvent, Business.name).outerjoin(Business, Business.id == DealEvent.actor_id)
        .where(DealEvent.deal_id == deal_id).order_by(DealEvent.seq)).all()
    return [TimelineEntry(e.seq, e.kind, e.actor_id, name, e.summary, e.at) for e, name in rows]


def _deal_view(session: Session, statement: Select) -> DealView | None:
    row = session.execute(statement).first()
    if row is None:
        return None
    deal_row, buyer_name, seller_name = row
    return DealView(deal_from_json(deal_row.state), buyer_name, seller_name,
                    timeline(session, deal_row.deal_id), deal_row.updated_at)


def deal_for_viewer(session: Session, deal_id: str, business_id: int) -> DealView | None:
    """The deal if `business_id` is one of its parties; None otherwise (the web answers 404)."""
    return _deal_view(session, _deal_rows().where(
        DealRow.deal_id == deal_id, or_(DealRow.buyer_id == business_id, DealRow.seller_id == business_id)))


def deal_for_staff(session: Session, deal_id: str) -> DealView | None:
    return _deal_view(session, _deal_rows().where(DealRow.deal_id == deal_id))


# ---- inbox and credits ------------------------------------------------------------------
def inbox(session: Session, business_id: int, limit: int = 100) -> list[NotificationView]:
    rows = session.scalars(select(Notification).where(Notification.business_id == business_id)
                           .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))
    return [NotificationView(n.id, n.deal_id, n.kind, n.subject, n.body, n.created_at, n.read_at)
            for n in rows]


def notification(session: Session, business_id: int, notification_id: int) -> NotificationView | None:
    n = session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.business_id == business_id))
    return NotificationView(n.id, n.deal_id, n.kind, n.subject, n.body, n.created_at, n.read_at) if n else None


def unread_count(session: Session, business_id: int) -> int:
    return session.scalar(select(func.count()).where(
        Notification.business_id == business_id, Notification.read_at.is_(None)))


def balance_and_statement(session: Session, business_id: int, limit: int = 100) -> CreditAccount | None:
    ledger = Ledger(session)
    address = member_account(business_id, CREDITS)
    try:
        balance = ledger.balance(address)
    except InvalidInput:  # no credit account: not a member business
        return None
    return CreditAccount(balance, ledger.statement(address, limit=limit))


# ---- staff ------------------------------------------------------------------------------
def staff_overview(session: Session, recent: int = 20) -> StaffOverview:
    by_stage = dict(session.execute(select(DealRow.stage, func.count()).group_by(DealRow.stage)).all())
    members = session.scalar(select(func.count()).select_from(Business))
    rows = session.execute(_deal_rows().order_by(DealRow.updated_at.desc()).limit(recent)).all()
    return StaffOverview(by_stage, members, [_summary(*row) for row in rows], Ledger(session).trial_balance())
