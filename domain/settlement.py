"""The ledger changes and Stripe calls that fund, release and return a deal's legs.

Credit legs are held from the payer's account (a pending transfer) and posted or voided later.
Cash legs arrive through Stripe: once the payer's card is charged, the ledger moves the amount
from Stripe clearing into the deal's escrow; at release it leaves escrow for clearing again as
a Connect transfer to the payee (the fee stays in the platform's fee account), and a refund
sends it back to the payer. Transfer ids and Stripe keys are derived from the deal and the
step (`deal:{id}:fund:CRD`), so doing a step again after a crash changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.cash import CashKind, CashMovement, CashReceipt, movement_key
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
    stripe_clearing_account,
)
from domain.money import CREDITS, Money
from domain.terms import Leg, Role

if TYPE_CHECKING:
    from domain.deal import Deal


def hold_id(deal_id: str, currency: str) -> str:
    return movement_key(deal_id, "fund", currency)


def payer_id(deal: Deal, leg: Leg) -> int:
    return deal.buyer_id if leg.payer is Role.BUYER else deal.seller_id


def payee_id(deal: Deal, leg: Leg) -> int:
    return deal.seller_id if leg.payer is Role.BUYER else deal.buyer_id


def unfunded_legs(deal: Deal, payer: Role, credits: bool) -> tuple[Leg, ...]:
    return tuple(leg for leg in deal.terms.legs_paid_by(payer)
                 if leg.is_credits == credits and leg.amount.currency not in deal.funded_currencies)


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
        for leg in unfunded_legs(deal, payer, credits=True)
    )
    return LedgerBatch(holds=holds)


def bond_hold_id(deal_id: str, side: Role) -> str:
    return movement_key(deal_id, f"bond-{side.value}", CREDITS)


def fund_bond(deal: Deal, side: Role) -> LedgerBatch:
    """A barter side's performance bond: credits held in the deal's escrow like a credit leg."""
    bond = deal.terms.bond
    if bond is None or side in deal.bonds_posted or side not in deal.terms.bonded_sides:
        return LedgerBatch()
    side_id = deal.buyer_id if side is Role.BUYER else deal.seller_id
    return LedgerBatch(holds=(Hold(
        transfer_id=bond_hold_id(deal.deal_id, side),
        source=member_account(side_id, CREDITS),
        destination=escrow_account(deal.deal_id, CREDITS),
        amount=bond, memo=f"Performance bond for {deal.terms.title}", deal_id=deal.deal_id),))


def return_bonds(deal: Deal) -> tuple[VoidHold, ...]:
    """Bonds go back to their sides at completion or cancellation; only a ruling forfeits one."""
    return tuple(VoidHold(transfer_id=movement_key(deal.deal_id, f"bond-{side.value}-return", CREDITS),
                          hold_id=bond_hold_id(deal.deal_id, side),
                          memo=f"Performance bond returned: {deal.terms.title}")
                 for side in deal.bonds_posted)


def cash_charges(deal: Deal, payer: Role) -> tuple[CashMovement, ...]:
    """The card payments `payer` still owes into escrow."""
    return tuple(
        CashMovement(CashKind.CHARGE, hold_id(deal.deal_id, leg.amount.currency), leg.amount,
                     payer_id(deal, leg), deal.deal_id)
        for leg in unfunded_legs(deal, payer, credits=False)
    )


def fund_cash_legs(deal: Deal, receipts: tuple[CashReceipt, ...]) -> LedgerBatch:
    """Charged cash moves from Stripe clearing into the deal's escrow."""
    transfers = tuple(
        Transfer(
            transfer_id=receipt.key,
            postings=(Posting(stripe_clearing_account(receipt.amount.currency), -receipt.amount),
                      Posting(escrow_account(deal.deal_id, receipt.amount.currency), receipt.amount)),
            memo=f"Card payment {receipt.stripe_id} into escrow for {deal.terms.title}",
            deal_id=deal.deal_id,
        )
        for receipt in receipts
    )
    return LedgerBatch(transfers=transfers)


def _funded(deal: Deal) -> tuple[Leg, ...]:
    return tuple(leg for leg in deal.terms.legs if leg.amount.currency in deal.funded_currencies)


def _charge_key(deal: Deal, leg: Leg) -> str:
    return hold_id(deal.deal_id, leg.amount.currency)


def void_funded_legs(deal: Deal) -> tuple[LedgerBatch, tuple[CashMovement, ...]]:
    """Everything in escrow goes back to whoever paid it."""
    voids, transfers, refunds = [], [], []
    for leg in _funded(deal):
        currency = leg.amount.currency
        key = movement_key(deal.deal_id, "refund" if not leg.is_credits else "void", currency)
        if leg.is_credits:
            voids.append(VoidHold(transfer_id=key, hold_id=hold_id(deal.deal_id, currency),
                                  memo=f"Escrow returned: {deal.terms.title}"))
            continue
        transfers.append(Transfer(
            transfer_id=key,
            postings=(Posting(escrow_account(deal.deal_id, currency), -leg.amount),
                      Posting(stripe_clearing_account(currency), leg.amount)),
            memo=f"Refund to the payer: {deal.terms.title}", deal_id=deal.deal_id))
        refunds.append(CashMovement(CashKind.REFUND, key, leg.amount, payer_id(deal, leg), deal.deal_id,
                                    payment_key=_charge_key(deal, leg)))
    return LedgerBatch(voids=tuple(voids) + return_bonds(deal), transfers=tuple(transfers)), tuple(refunds)


def fee_for(deal: Deal, leg: Leg) -> Money:
    return deal.fee_rule.fee_for(leg.amount)


def release_funded_legs(deal: Deal) -> tuple[LedgerBatch, tuple[CashMovement, ...]]:
    """Pay each payee its leg less the fee, and the fee to the platform, in the leg's currency."""
    posts, transfers, payouts = [], [], []
    for leg in _funded(deal):
        currency = leg.amount.currency
        escrow = escrow_account(deal.deal_id, currency)
        fee = fee_for(deal, leg)
        key = movement_key(deal.deal_id, "release", currency)
        if leg.is_credits:
            posts.append(PostHold(transfer_id=movement_key(deal.deal_id, "escrow", currency),
                                  hold_id=hold_id(deal.deal_id, currency),
                                  memo=f"Escrow posted: {deal.terms.title}"))
            to_payee = member_account(payee_id(deal, leg), currency)
        else:
            # The payee's share leaves the platform's Stripe balance as a Connect transfer.
            to_payee = stripe_clearing_account(currency)
            payouts.append(CashMovement(CashKind.PAYOUT, key, leg.amount - fee, payee_id(deal, leg),
                                        deal.deal_id, payment_key=_charge_key(deal, leg)))
        postings = [Posting(escrow, -leg.amount), Posting(to_payee, leg.amount - fee)]
        if fee.is_positive:
            postings.append(Posting(platform_fees_account(currency), fee))
        transfers.append(Transfer(transfer_id=key, postings=tuple(postings),
                                  memo=f"Payment for {deal.terms.title} (fee {fee})", deal_id=deal.deal_id))
    batch = LedgerBatch(posts=tuple(posts), transfers=tuple(transfers), voids=return_bonds(deal))
    return batch, tuple(payouts)
