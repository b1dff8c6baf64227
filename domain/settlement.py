"""The ledger changes that fund, release and void a deal's credit legs.

Transfer ids are derived from the deal and the step (`deal:{id}:fund:CRD`), so posting a
step again after a crash changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.ledger import (
    Hold,
    LedgerBatch,
    PostHold,
    Posting,
    Transfer,
    VoidHold,
    escrow_account,
    member_account,
    platform_fees_account,
)
from domain.money import Money
from domain.terms import Leg, Role

if TYPE_CHECKING:
    from domain.deal import Deal


def hold_id(deal_id: str, currency: str) -> str:
    return f"deal:{deal_id}:fund:{currency}"


def payer_id(deal: Deal, leg: Leg) -> int:
    return deal.buyer_id if leg.payer is Role.BUYER else deal.seller_id


def payee_id(deal: Deal, leg: Leg) -> int:
    return deal.seller_id if leg.payer is Role.BUYER else deal.buyer_id


def fund_credit_legs(deal: Deal, payer: Role) -> LedgerBatch:
    holds = tuple(
        Hold(
            transfer_id=hold_id(deal.deal_id, leg.amount.currency),
            source=member_account(payer_id(deal, leg), leg.amount.currency),
            destination=escrow_account(deal.deal_id, leg.amount.currency),
            amount=leg.amount,
            memo=f"Escrow for {deal.terms.title}",
            deal_id=deal.deal_id,
        )
        for leg in deal.terms.legs_paid_by(payer)
        if leg.is_credits
    )
    return LedgerBatch(holds=holds)


def void_funded_legs(deal: Deal) -> LedgerBatch:
    voids = tuple(
        VoidHold(
            transfer_id=f"deal:{deal.deal_id}:void:{currency}",
            hold_id=hold_id(deal.deal_id, currency),
            memo=f"Escrow returned: {deal.terms.title}",
        )
        for currency in deal.funded_currencies
    )
    return LedgerBatch(voids=voids)


def fee_for(deal: Deal, leg: Leg) -> Money:
    return deal.fee_rule.fee_for(leg.amount)


def release_funded_legs(deal: Deal) -> LedgerBatch:
    """Post each hold into escrow, then pay the payee the leg less the fee, and the fee to the platform."""
    posts, transfers = [], []
    for leg in deal.terms.legs:
        currency = leg.amount.currency
        if currency not in deal.funded_currencies:
            continue
        escrow = escrow_account(deal.deal_id, currency)
        fee = fee_for(deal, leg)
        posts.append(
            PostHold(
                transfer_id=f"deal:{deal.deal_id}:escrow:{currency}",
                hold_id=hold_id(deal.deal_id, currency),
                memo=f"Escrow posted: {deal.terms.title}",
            )
        )
        postings = [
            Posting(escrow, -leg.amount),
            Posting(member_account(payee_id(deal, leg), currency), leg.amount - fee),
        ]
        if fee.is_positive:
            postings.append(Posting(platform_fees_account(currency), fee))
        transfers.append(
            Transfer(
                transfer_id=f"deal:{deal.deal_id}:release:{currency}",
                postings=tuple(postings),
                memo=f"Payment for {deal.terms.title} (fee {fee})",
                deal_id=deal.deal_id,
            )
        )
    return LedgerBatch(posts=tuple(posts), transfers=tuple(transfers))
