"""The platform's commission: a percentage of each leg with a minimum, never more than the leg."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import InvalidInput
from domain.money import Money


@dataclass(frozen=True)
class FeeRule:
    basis_points: int = 500  # 5 %
    minimum_minor: int = 100  # 1.00 in the leg's currency

    def fee_for(self, amount: Money) -> Money:
        fee = max(amount.percent(self.basis_points).amount_minor, self.minimum_minor)
        return Money(min(fee, amount.amount_minor), amount.currency)

    def check_payee_receives_something(self, amounts: tuple[Money, ...]) -> None:
        """A leg the fee would swallow whole pays the payee nothing: refuse it at the offer."""
        for amount in amounts:
            if self.fee_for(amount) >= amount:
                minimum = Money(self.minimum_minor, amount.currency)
                raise InvalidInput(f"the price must be more than the platform's minimum fee of {minimum}",
                                   field="price")
