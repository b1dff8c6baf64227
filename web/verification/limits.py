"""The deal-size limit of unverified businesses, asked at proposal and at acceptance."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.money import Money
from domain.verification import VerificationPolicy, check_deal_size
from integrations.db.app_models import Business
from integrations.db.verification_read_model import verified_ids


def policy() -> VerificationPolicy:
    return current_app.config.get("VERIFICATION_POLICY") or VerificationPolicy()


def check_deal_parties(session: Session, buyer_id: int, seller_id: int, price: tuple[Money, ...],
                       viewer_id: int) -> None:
    """Raises VerificationRequired (409) naming whoever is not verified, when a leg is too large."""
    verified = verified_ids(session, [buyer_id, seller_id])
    missing = [b for b in (buyer_id, seller_id) if b not in verified]
    if not missing:
        return
    names = {row.id: row.name for row in session.execute(select(Business.id, Business.name).where(Business.id.in_(missing)))}
    labels = tuple("your business" if b == viewer_id else names.get(b, f"business #{b}") for b in missing)
    check_deal_size(price, labels, policy())
