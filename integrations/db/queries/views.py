"""The read side's dataclasses: what queries hand the web (never ORM objects)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.deal import Deal
from domain.money import Money
from domain.reviews import Review
from integrations.db.ledger import AccountBalance, StatementLine

T = TypeVar("T")


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
    parent_id: int | None = None
    depth: int = 0  # 0 for a top-level category, in a tree listing


@dataclass(frozen=True)
class ListingView:
    id: int
    kind: str
    title: str
    description: str
    prices: tuple[Money, ...]  # cash, credits, or both; empty for barter only
    category: CategoryView
    business_id: int
    business_name: str
    business_city: str
    active: bool
    created_at: dt.datetime
    open_to_barter: bool = False
    delivery_mode: str = "remote"  # or "on_site", in `city`
    city: str = ""
    lead_time_days: int = 14
    rating: float | None = None  # the business's reputation score, 1 to 5 (None: no review yet)
    rating_count: int = 0


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
    link: str | None = None  # a path on the site (a listing, for saved-search alerts)


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
