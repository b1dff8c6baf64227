"""Money: an integer of minor units and a currency. Floats are refused."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import CurrencyMismatch, InvalidInput

CREDITS = "CRD"
EUR = "EUR"
CASH_CURRENCY = EUR  # the one cash currency deals are priced in, for now
# Minor-unit exponents; credits behave like a two-decimal currency.
EXPONENTS = {CREDITS: 2, EUR: 2, "USD": 2, "GBP": 2}
MAX_AMOUNT_MINOR = 10**12  # ten billion units: anything larger is a typo, not a deal


@dataclass(frozen=True, order=True)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if type(self.amount_minor) is not int:
            raise InvalidInput("amounts are integers of minor units", field="amount_minor")
        if self.currency not in EXPONENTS:
            raise InvalidInput(f"unknown currency {self.currency!r}", field="currency")
        if abs(self.amount_minor) > MAX_AMOUNT_MINOR:
            raise InvalidInput("amount is too large", field="amount_minor")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    @property
    def is_positive(self) -> bool:
        return self.amount_minor > 0

    def percent(self, basis_points: int) -> Money:
        """Share in basis points (1/100 of a percent), rounded half up to the minor unit."""
        return Money((self.amount_minor * basis_points + 5_000) // 10_000, self.currency)

    def __str__(self) -> str:
        exponent = EXPONENTS[self.currency]
        sign = "-" if self.amount_minor < 0 else ""
        whole, minor = divmod(abs(self.amount_minor), 10**exponent)
        return f"{sign}{whole:,}.{minor:0{exponent}d} {self.currency}"


def credits(amount_minor: int) -> Money:
    return Money(amount_minor, CREDITS)


def eur(amount_minor: int) -> Money:
    return Money(amount_minor, EUR)
