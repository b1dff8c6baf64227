import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import CurrencyMismatch, InvalidInput
from domain.fees import FeeRule
from domain.money import Money, credits, eur


def test_amounts_are_integers_of_minor_units():
    with pytest.raises(InvalidInput):
        Money(12.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        Money(True, "EUR")  # type: ignore[arg-type]
    assert str(eur(123456)) == "1,234.56 EUR"
    assert str(credits(-5)) == "-0.05 CRD"


def test_currencies_never_mix():
    with pytest.raises(CurrencyMismatch):
        eur(100) + credits(100)


def test_unknown_currency_and_absurd_amounts_are_refused():
    with pytest.raises(InvalidInput):
        Money(1, "XXX")
    with pytest.raises(InvalidInput):
        Money(10**13, "EUR")


def test_fee_is_a_percentage_with_a_minimum_never_above_the_amount():
    rule = FeeRule(basis_points=500, minimum_minor=100)
    assert rule.fee_for(credits(100_00)) == credits(5_00)
    assert rule.fee_for(credits(10_00)) == credits(1_00)  # minimum
    assert rule.fee_for(credits(50)) == credits(50)  # never more than the leg


@given(st.integers(min_value=1, max_value=10**11), st.integers(0, 10_000), st.integers(0, 10_000))
def test_fee_plus_payout_is_always_the_price(amount, bps, minimum):
    price = credits(amount)
    fee = FeeRule(bps, minimum).fee_for(price)
    assert 0 <= fee.amount_minor <= amount
    assert (price - fee) + fee == price
