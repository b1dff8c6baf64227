"""What a dispute costs: in proportion to the deal, and paid by whoever the ruling goes against.

Dispute fee, per held leg (each currency on its own, as the platform's commission is): a
percentage of the disputed amount, at least a small minimum, at most a cap, and never more
than the leg itself. The losing side pays it; on a split both sides pay in the proportion the
leg was split — the payer pays the share that went to the payee, the payee the share refunded
— rounded half up, so the two parts always add up to the fee. Bonds carry no fee: a forfeited
bond is already the penalty. Whether a dispute is charged at all (a settlement by the parties'
own offer is not: settling early is what the platform wants) is the Dispute's decision.

Appeal fee, per held leg: a flat amount, capped at a percentage of the leg (rounded down, so
never above it) — hence capped at that percentage of the whole deal. A barter deal holding
only bonds is valued by its bonds. A successful appellant gets the fee back; an appeal
succeeds when the final ruling gives the appellant more in some currency and less in none.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import InvalidInput
from domain.money import CREDITS, Money
from domain.rulings import WHOLE, Held, Ruling, other_side
from domain.terms import Role


@dataclass(frozen=True)
class FeeCharge:
    side: Role
    amount: Money


def _whole_minor_units(**values: int) -> None:
    for name, value in values.items():
        if type(value) is not int or value < 0:
            raise InvalidInput(f"{name.replace('_', ' ')} is a whole number, not negative", field=name)


@dataclass(frozen=True)
class DisputeFeeRule:
    basis_points: int = 300  # 3 % of the disputed amount
    minimum_minor: int = 5_00  # in each held currency's minor units, like the platform's FeeRule
    cap_minor: int = 150_00

    def __post_init__(self) -> None:
        _whole_minor_units(basis_points=self.basis_points, minimum_minor=self.minimum_minor,
                           cap_minor=self.cap_minor)
        if self.basis_points > WHOLE:
            raise InvalidInput("the dispute fee is at most 100 % of the disputed amount", field="basis_points")
        if self.minimum_minor > self.cap_minor:
            raise InvalidInput("the minimum dispute fee cannot exceed its cap", field="minimum_minor")

    def fee_for(self, disputed: Money) -> Money:
        fee = min(max(disputed.percent(self.basis_points).amount_minor, self.minimum_minor), self.cap_minor)
        return Money(min(fee, disputed.amount_minor), disputed.currency)

    def charges(self, held: Held, ruling: Ruling) -> tuple[FeeCharge, ...]:
        """Who pays what of the fee, per held leg, under `ruling` (only positive charges)."""
        charges = []
        for currency, (to_payee, _to_payer) in ruling.allocations(held).items():
            leg = held.leg(currency)
            fee = self.fee_for(leg.amount)
            payers_part = _share(fee, to_payee, leg.amount)  # the payer lost what went to the payee
            for side, amount in ((leg.payer, payers_part), (other_side(leg.payer), fee - payers_part)):
                if amount.is_positive:
                    charges.append(FeeCharge(side, amount))
        return tuple(charges)


def _share(total: Money, part: Money, whole: Money) -> Money:
    """`total × part / whole` rounded half up; the rest of `total` is the other side's."""
    numerator = 2 * total.amount_minor * part.amount_minor + whole.amount_minor
    return Money(numerator // (2 * whole.amount_minor), total.currency)


@dataclass(frozen=True)
class AppealFeeRule:
    amount_minor: int = 25_00  # in each held currency's minor units
    cap_bps: int = 500  # never more than 5 % of the deal

    def __post_init__(self) -> None:
        _whole_minor_units(amount_minor=self.amount_minor, cap_bps=self.cap_bps)
        if self.cap_bps > WHOLE:
            raise InvalidInput("the appeal fee is at most 100 % of the deal", field="cap_bps")

    def fee_for(self, held: Held) -> tuple[Money, ...]:
        """The appeal fee, one amount per currency at stake (none when nothing is at stake)."""
        stakes = [leg.amount for leg in held.legs]
        if not stakes and held.bond is not None and held.bonds_posted:
            stakes = [Money(held.bond.amount_minor * len(held.bonds_posted), CREDITS)]
        fees = (Money(min(self.amount_minor, stake.amount_minor * self.cap_bps // WHOLE), stake.currency)
                for stake in stakes)
        return tuple(fee for fee in fees if fee.is_positive)


def appeal_succeeded(appellant: Role, first: Ruling, final: Ruling, held: Held) -> bool:
    """The final ruling gives the appellant more in some currency and less in none."""
    before, after = first.received_by(appellant, held), final.received_by(appellant, held)
    currencies = set(before) | set(after)
    gained = any(after.get(c, 0) > before.get(c, 0) for c in currencies)
    lost = any(after.get(c, 0) < before.get(c, 0) for c in currencies)
    return gained and not lost
