"""What a final (or agreed) ruling moves: the ledger changes and Stripe calls, leg by leg.

Per held leg the ruling names what goes to the payee and what back to the payer
(domain/rulings.py). From each part the platform keeps its share before it leaves escrow: from
the payee's part the deal's usual commission (domain/fees.py), and from each side's part the
dispute fee and kept appeal fee that side owes in that currency (domain/dispute_fees.py). A fee
is taken first out of money the side receives from this escrow in that currency. What its part
cannot cover is, in credits, charged to the side's credit account afterwards, as its own step
(`Deal.collect_dispute_fees`: the account may be at its credit line, and that must not stop the
ruling); in cash it is waived, since a card cannot be charged after the fact, and the summary
says so.

Keys derive from the deal and the step (`deal:{id}:ruling-release:EUR`,
`deal:{id}:ruling-refund:EUR`), so executing the ruling again after a crash changes nothing.
A credit leg's hold is posted into escrow first; bonds are voided back or posted and forfeited.

Standard library and the domain only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.cash import CashKind, CashMovement, movement_key
from domain.dispute_fees import FeeCharge
from domain.ledger import (
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
from domain.rulings import BondDecision, Held, Ruling, other_side
from domain.settlement import bond_hold_id, hold_id
from domain.terms import Role

if TYPE_CHECKING:
    from domain.deal import Deal

RELEASE_STEP, REFUND_STEP = "ruling-release", "ruling-refund"


@dataclass(frozen=True)
class RulingMoves:
    ledger: LedgerBatch
    cash: tuple[CashMovement, ...]
    kept: tuple[FeeCharge, ...]  # fees taken out of the parts, per side and currency
    from_account: tuple[FeeCharge, ...]  # credit fees a side's part could not cover: charged after
    waived: tuple[FeeCharge, ...]  # cash fees a side's part could not cover

    def describe(self) -> str:
        parts = []
        if self.kept:
            parts.append("dispute fees kept: " + ", ".join(f"{c.amount} from the {c.side.value}" for c in self.kept))
        if self.from_account:
            parts.append("to be charged to the credit account: "
                         + ", ".join(f"{c.amount} of the {c.side.value}'s" for c in self.from_account))
        if self.waived:
            parts.append("waived (nothing left to take them from): "
                         + ", ".join(f"{c.amount} of the {c.side.value}'s" for c in self.waived))
        return "; ".join(parts)


def ruling_moves(deal: Deal, ruling: Ruling, charges: tuple[FeeCharge, ...] = ()) -> RulingMoves:
    held = Held.of(deal)
    owed: dict[tuple[Role, str], int] = {}
    for charge in charges:
        key = (charge.side, charge.amount.currency)
        owed[key] = owed.get(key, 0) + charge.amount.amount_minor
    posts, voids, transfers, cash, kept = [], [], [], [], []
    for currency, (to_payee, to_payer) in ruling.allocations(held).items():
        leg = held.leg(currency)
        if leg.is_credits:
            posts.append(PostHold(movement_key(deal.deal_id, "ruling-escrow", currency),
                                  hold_id(deal.deal_id, currency), memo=f"Escrow posted for the ruling: {deal.terms.title}"))
        payee = other_side(leg.payer)
        commission = deal.fee_rule.fee_for(to_payee) if to_payee.is_positive else Money.zero(currency)
        for side, part, step, platform_cut in ((payee, to_payee, RELEASE_STEP, commission),
                                               (leg.payer, to_payer, REFUND_STEP, Money.zero(currency))):
            if not part.is_positive:
                continue
            fee = Money(min(owed.get((side, currency), 0), (part - platform_cut).amount_minor), currency)
            owed[(side, currency)] = owed.get((side, currency), 0) - fee.amount_minor
            if fee.is_positive:
                kept.append(FeeCharge(side, fee))
            transfer, movement = _pay_out(deal, side, part, platform_cut + fee, step, leg.is_credits)
            transfers.append(transfer)
            cash.extend(movement)
    bond_voids, bond_posts, bond_transfers = _bonds(deal, ruling, held)
    left = tuple(FeeCharge(side, Money(minor, currency)) for (side, currency), minor in owed.items() if minor > 0)
    batch = LedgerBatch(voids=tuple(voids) + bond_voids, posts=tuple(posts) + bond_posts,
                        transfers=tuple(transfers) + bond_transfers)
    return RulingMoves(batch, tuple(cash), tuple(kept), tuple(c for c in left if c.amount.currency == CREDITS),
                       tuple(c for c in left if c.amount.currency != CREDITS))


def fee_transfers(deal: Deal, charges: tuple[FeeCharge, ...]) -> tuple[Transfer, ...]:
    """Credit fees a side's part of the escrow could not cover, from its credit account."""
    return tuple(Transfer(
        movement_key(deal.deal_id, f"dispute-fee-{charge.side.value}", charge.amount.currency),
        (Posting(member_account(_party(deal, charge.side), charge.amount.currency), -charge.amount),
         Posting(platform_fees_account(charge.amount.currency), charge.amount)),
        memo=f"Dispute fee of the {charge.side.value}: {deal.terms.title}", deal_id=deal.deal_id)
        for charge in charges)


def _party(deal: Deal, side: Role) -> int:
    return deal.buyer_id if side is Role.BUYER else deal.seller_id


def _pay_out(deal: Deal, side: Role, part: Money, platform_cut: Money, step: str,
             is_credits: bool) -> tuple[Transfer, tuple[CashMovement, ...]]:
    """`part` leaves escrow: the platform's cut to its fee account, the rest to `side`."""
    currency = part.currency
    key = movement_key(deal.deal_id, step, currency)
    net = part - platform_cut
    to = member_account(_party(deal, side), currency) if is_credits else stripe_clearing_account(currency)
    postings = [Posting(escrow_account(deal.deal_id, currency), -part)]
    if net.is_positive:
        postings.append(Posting(to, net))
    if platform_cut.is_positive:
        postings.append(Posting(platform_fees_account(currency), platform_cut))
    what = "to the payee" if step == RELEASE_STEP else "back to the payer"
    transfer = Transfer(key, tuple(postings), memo=f"Ruling: {part} {what} (platform keeps {platform_cut}), "
                                                     f"{deal.terms.title}", deal_id=deal.deal_id)
    if is_credits or not net.is_positive:
        return transfer, ()
    kind = CashKind.PAYOUT if step == RELEASE_STEP else CashKind.REFUND
    return transfer, (CashMovement(kind, key, net, _party(deal, side), deal.deal_id,
                                   payment_key=hold_id(deal.deal_id, currency)),)


def _bonds(deal: Deal, ruling: Ruling, held: Held) -> tuple[tuple[VoidHold, ...], tuple[PostHold, ...],
                                                           tuple[Transfer, ...]]:
    voids, posts, transfers = [], [], []
    for bond in ruling.bonds:
        hold = bond_hold_id(deal.deal_id, bond.side)
        if bond.decision is BondDecision.RETURN:
            voids.append(VoidHold(movement_key(deal.deal_id, f"bond-{bond.side.value}-return", CREDITS), hold,
                                  memo=f"Performance bond returned by the ruling: {deal.terms.title}"))
            continue
        assert held.bond is not None
        winner = _party(deal, other_side(bond.side))
        posts.append(PostHold(movement_key(deal.deal_id, f"bond-{bond.side.value}-post", CREDITS), hold,
                              memo=f"Performance bond forfeited: {deal.terms.title}"))
        transfers.append(Transfer(
            movement_key(deal.deal_id, f"bond-{bond.side.value}-forfeit", CREDITS),
            (Posting(escrow_account(deal.deal_id, CREDITS), -held.bond), Posting(member_account(winner, CREDITS),
                                                                                 held.bond)),
            memo=f"The {bond.side.value}'s performance bond, forfeited by the ruling: {deal.terms.title}",
            deal_id=deal.deal_id))
    return tuple(voids), tuple(posts), tuple(transfers)
