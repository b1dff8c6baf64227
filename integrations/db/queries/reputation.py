"""Reads of reputation and credit lines for pages and the API: the stored score of a business,
and a member's credit line with the reasons of its latest review."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.credit_policy import amount
from domain.errors import InvalidInput
from domain.ledger import member_account
from domain.money import CREDITS
from domain.reviews import DIMENSIONS
from integrations.db.ledger import Ledger
from integrations.db.reputation_models import CreditLineReview, ReputationRow
from integrations.db.reputation_read_model import credit_line_now

__all__ = ["CreditLineView", "ReputationView", "credit_line_view", "reputation_view", "reputation_views"]


@dataclass(frozen=True)
class ReputationView:
    business_id: int
    score: float
    review_count: int
    quality: float | None
    timeliness: float | None
    communication: float | None
    lost_disputes: int
    won_disputes: int
    completed_deals: int
    parts: tuple[str, ...]

    @property
    def dimensions(self) -> list[tuple[str, float | None]]:
        return [(name, getattr(self, name)) for name in DIMENSIONS]


@dataclass(frozen=True)
class CreditLineView:
    limit_minor: int  # the line in force, as the ledger holds it
    target_minor: int  # what the policy asked at the last review (lower when kept at the usage)
    reasons: tuple[str, ...]
    reviewed_at: dt.datetime | None  # None: never reviewed since it was granted


def _view(row: ReputationRow) -> ReputationView:
    return ReputationView(row.business_id, row.score, row.review_count, row.quality, row.timeliness,
                          row.communication, row.lost_disputes, row.won_disputes, row.completed_deals,
                          tuple(row.parts))


def reputation_view(session: Session, business_id: int) -> ReputationView | None:
    """None until the business's first completed deal or ruling."""
    row = session.get(ReputationRow, business_id)
    return _view(row) if row else None


def reputation_views(session: Session, business_ids: list[int]) -> dict[int, ReputationView]:
    rows = session.scalars(select(ReputationRow).where(ReputationRow.business_id.in_(business_ids)))
    return {row.business_id: _view(row) for row in rows}


def credit_line_view(session: Session, business_id: int) -> CreditLineView | None:
    """The line in force with the reasons of the review that set it. A line the latest review did
    not set (granted at verification since, or never reviewed) is explained by the policy now."""
    try:
        balance = Ledger(session).balance(member_account(business_id, CREDITS))
    except InvalidInput:  # no credit account: not a member business
        return None
    limit = balance.credit_limit or 0
    latest = session.scalar(select(CreditLineReview).where(CreditLineReview.business_id == business_id)
                            .order_by(CreditLineReview.id.desc()).limit(1))
    if latest is not None and latest.in_force_minor == limit:
        return CreditLineView(limit, latest.target_minor, tuple(latest.reasons), latest.at)
    line = credit_line_now(session, business_id, dt.datetime.now(dt.UTC))
    if line.limit_minor == limit:
        return CreditLineView(limit, limit, line.reasons, None)
    # Granted or changed since its last review (verification sets the first line directly).
    return CreditLineView(limit, line.limit_minor, (
        *line.reasons, f"in force until the next review (after your next completed deal or ruling): "
                       f"{amount(limit)}"), None)
