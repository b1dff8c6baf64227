"""A ruling: what becomes of each leg held in escrow and of each performance bond, and why.

Per leg (one per currency): release it to the payee, refund it to the payer, or split it —
by percentage (the share refunded to the payer, in basis points) or by amount (both parts
named). Per posted bond (barter): returned to its side, or forfeited to the other side.
Written reasons are required. A settlement offer ("refund 30 % of the cash and 50 % of the
credits") is a Ruling too, so an accepted offer is executed exactly as an arbitrator's is.

Rounding of a split by percentage: the refund is `held × bps / 10 000` rounded half up to the
minor unit (`Money.percent`, the rule the fees use) and the payee receives the rest, so the
two parts always sum to exactly what is held. The odd cent of an even split thus goes back to
the payer: in doubt, escrow returns money to whoever paid it.

Standard library and the domain only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from domain.dispute_errors import RulingDoesNotMatchEscrow
from domain.errors import InvalidInput
from domain.money import CREDITS, Money
from domain.terms import Leg, Role

if TYPE_CHECKING:
    from domain.deal import Deal

WHOLE = 10_000  # basis points in 100 %
MAX_REASONS = 10_000


class LegDecision(StrEnum):
    RELEASE = "release"  # all of it to the payee
    REFUND = "refund"  # all of it back to the payer
    SPLIT_BY_PERCENT = "split_by_percent"
    SPLIT_BY_AMOUNT = "split_by_amount"


class BondDecision(StrEnum):
    RETURN = "return"  # back to the side that posted it
    FORFEIT = "forfeit"  # to the other side: the ruling found this side failed to deliver


def other_side(role: Role) -> Role:
    return Role.SELLER if role is Role.BUYER else Role.BUYER


@dataclass(frozen=True)
class Held:
    """What a deal's escrow holds while it is disputed: the funded legs, and the posted bonds."""

    legs: tuple[Leg, ...] = ()
    bond: Money | None = None  # each side's bond
    bonds_posted: tuple[Role, ...] = ()

    @classmethod
    def of(cls, deal: Deal) -> Held:
        legs = tuple(leg for leg in deal.terms.legs if leg.amount.currency in deal.funded_currencies)
        bond = deal.terms.bond if deal.bonds_posted else None
        return cls(legs, bond, tuple(deal.bonds_posted))

    def leg(self, currency: str) -> Leg:
        return next(leg for leg in self.legs if leg.amount.currency == currency)

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(leg.amount.currency for leg in self.legs)


class Allocation(NamedTuple):
    """One leg's escrow, divided: unpacks as `to_payee, to_payer`."""

    to_payee: Money
    to_payer: Money


@dataclass(frozen=True)
class LegRuling:
    currency: str
    decision: LegDecision
    refund_bps: int = 0  # split by percent: the payer's share, 3_000 = 30 %
    to_payee: Money | None = None  # split by amount: both parts, which must add up to the leg
    to_payer: Money | None = None

    def allocation(self, held: Money) -> Allocation:
        """This leg's division of `held`; call only on a validated ruling."""
        zero = Money.zero(held.currency)
        if self.decision is LegDecision.RELEASE:
            return Allocation(held, zero)
        if self.decision is LegDecision.REFUND:
            return Allocation(zero, held)
        if self.decision is LegDecision.SPLIT_BY_PERCENT:
            refund = held.percent(self.refund_bps)
            return Allocation(held - refund, refund)
        assert self.to_payee is not None and self.to_payer is not None
        return Allocation(self.to_payee, self.to_payer)

    def check(self, held: Money) -> None:
        where = f"the {self.currency} leg"
        if self.decision is LegDecision.SPLIT_BY_PERCENT:
            if type(self.refund_bps) is not int or not 0 <= self.refund_bps <= WHOLE:
                raise InvalidInput(f"{where}: the refunded share is 0-100 % in basis points", field="ruling")
        elif self.refund_bps:
            raise InvalidInput(f"{where}: a percentage belongs to a split by percentage", field="ruling")
        if self.decision is not LegDecision.SPLIT_BY_AMOUNT:
            if self.to_payee is not None or self.to_payer is not None:
                raise InvalidInput(f"{where}: amounts belong to a split by amount", field="ruling")
            return
        if self.to_payee is None or self.to_payer is None:
            raise RulingDoesNotMatchEscrow(f"{where}: a split by amount names both parts", field="ruling")
        parts = (self.to_payee, self.to_payer)
        if any(p.currency != self.currency for p in parts) or any(p.amount_minor < 0 for p in parts):
            raise RulingDoesNotMatchEscrow(f"{where}: both parts are {self.currency}, neither negative",
                                           field="ruling")
        # Summed as integers: two absurd parts may add up past Money's ceiling, and that is a mismatch too.
        if self.to_payee.amount_minor + self.to_payer.amount_minor != held.amount_minor:
            raise RulingDoesNotMatchEscrow(
                f"{where}: the split pays {self.to_payee} + {self.to_payer} but {held} is held", field="ruling")


def release(currency: str) -> LegRuling:
    return LegRuling(currency, LegDecision.RELEASE)


def refund(currency: str) -> LegRuling:
    return LegRuling(currency, LegDecision.REFUND)


def refund_share(currency: str, refund_bps: int) -> LegRuling:
    """Refund `refund_bps` of the leg to the payer (3_000 = 30 %), the rest to the payee."""
    return LegRuling(currency, LegDecision.SPLIT_BY_PERCENT, refund_bps=refund_bps)


def split(to_payee: Money, to_payer: Money) -> LegRuling:
    return LegRuling(to_payee.currency, LegDecision.SPLIT_BY_AMOUNT, to_payee=to_payee, to_payer=to_payer)


@dataclass(frozen=True)
class BondRuling:
    side: Role  # whose bond
    decision: BondDecision


@dataclass(frozen=True)
class Ruling:
    legs: tuple[LegRuling, ...]
    reasons: str
    bonds: tuple[BondRuling, ...] = ()
    default_loser: Role | None = None  # set only when a silent side lost by default

    def validate(self, held: Held) -> Ruling:
        """The ruling if it decides every leg and bond held, exactly; else the first fault."""
        if not self.reasons.strip():
            raise InvalidInput("a ruling states its reasons", field="reasons")
        if len(self.reasons) > MAX_REASONS:
            raise InvalidInput(f"reasons are limited to {MAX_REASONS} characters", field="reasons")
        ruled = [leg.currency for leg in self.legs]
        if len(set(ruled)) != len(ruled):
            raise RulingDoesNotMatchEscrow("decide each currency once", field="ruling")
        for currency in ruled:
            if currency not in held.currencies:
                raise RulingDoesNotMatchEscrow(f"nothing is held in {currency}", field="ruling")
        for currency in held.currencies:
            if currency not in ruled:
                raise RulingDoesNotMatchEscrow(f"decide the {currency} leg too", field="ruling")
        for leg in self.legs:
            leg.check(held.leg(leg.currency).amount)
        sides = [b.side for b in self.bonds]
        if len(set(sides)) != len(sides) or set(sides) != set(held.bonds_posted):
            posted = " and ".join(f"the {s.value}'s" for s in held.bonds_posted) or "no"
            raise RulingDoesNotMatchEscrow(f"decide each bond held, once: {posted} bond is held", field="bonds")
        return self

    def allocations(self, held: Held) -> dict[str, Allocation]:
        """Per currency held, what goes to the payee and what back to the payer (exact)."""
        self.validate(held)
        return {leg.currency: leg.allocation(held.leg(leg.currency).amount) for leg in self.legs}

    def forfeited_bonds(self) -> tuple[Role, ...]:
        return tuple(b.side for b in self.bonds if b.decision is BondDecision.FORFEIT)

    def received_by(self, side: Role, held: Held) -> dict[str, int]:
        """Minor units `side` ends up with, per currency: its legs' shares plus bonds it keeps or wins."""
        received: dict[str, int] = {}
        for currency, (to_payee, to_payer) in self.allocations(held).items():
            mine = to_payer if held.leg(currency).payer is side else to_payee
            received[currency] = mine.amount_minor
        if held.bond is not None:
            forfeited = self.forfeited_bonds()
            kept = side in held.bonds_posted and side not in forfeited
            won = other_side(side) in forfeited
            bonds = held.bond.amount_minor * (int(kept) + int(won))
            received[CREDITS] = received.get(CREDITS, 0) + bonds
        return received

    def describe(self, held: Held) -> str:
        """One line for the timeline and notices: who gets what."""
        parts = []
        for currency, (to_payee, to_payer) in self.allocations(held).items():
            payer = held.leg(currency).payer
            shares = [f"{to_payee} to the {other_side(payer).value}" if to_payee.is_positive else "",
                      f"{to_payer} back to the {payer.value}" if to_payer.is_positive else ""]
            parts.append(", ".join(s for s in shares if s))
        for bond in self.bonds:
            fate = "forfeited to the " + other_side(bond.side).value if bond.decision is BondDecision.FORFEIT \
                else "returned"
            parts.append(f"the {bond.side.value}'s bond {fate}")
        return "; ".join(parts) or "no money is held"


def loss_by_default(held: Held, loser: Role, reasons: str) -> Ruling:
    """Everything to the side that spoke up: each leg to it, the silent side's bond forfeited."""
    legs = tuple(release(leg.amount.currency) if leg.payer is loser else refund(leg.amount.currency)
                 for leg in held.legs)
    bonds = tuple(BondRuling(side, BondDecision.FORFEIT if side is loser else BondDecision.RETURN)
                  for side in held.bonds_posted)
    return Ruling(legs, reasons, bonds, default_loser=loser).validate(held)
