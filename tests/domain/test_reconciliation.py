"""The ledger and Stripe line up by movement key; every disagreement is named with its deal."""

from domain.cash import CashKind
from domain.money import eur
from domain.reconciliation import CashLine, kind_of_key, reconcile

KEY = "deal:d1:release:EUR"


def line(key: str = KEY, amount: int = 57_00, ref: str = "tr_1") -> CashLine:
    return CashLine(key, "d1", kind_of_key(key) or CashKind.CHARGE, eur(amount), ref)


def test_matching_sides_reconcile():
    assert reconcile([line(ref=KEY)], [line()]) == ()


def test_keys_name_their_movement():
    assert [kind_of_key(f"deal:x:{step}:EUR") for step in ("fund", "release", "refund", "escrow")] == [
        CashKind.CHARGE, CashKind.PAYOUT, CashKind.REFUND, None]
    assert kind_of_key("adjustment:7") is None


def test_a_payout_only_in_the_ledger_says_whether_finance_is_on_it():
    (plain,) = reconcile([line(ref=KEY)], [])
    assert plain.deal_id == "d1" and "records a payout of 57.00 EUR but Stripe has none" in plain.reason
    (queued,) = reconcile([line(ref=KEY)], [], in_finance_queue=frozenset({KEY}))
    assert "finance's payout queue" in queued.reason


def test_stripe_money_the_ledger_does_not_know_is_listed_with_its_stripe_id():
    (found,) = reconcile([], [line("deal:d1:refund:EUR", 10_00, "re_9")])
    assert found.reason == "Stripe has a refund of 10.00 EUR (re_9) that the ledger does not record"


def test_different_amounts_and_double_payments_are_mismatches():
    (amounts,) = reconcile([line(ref=KEY)], [line(amount=50_00)])
    assert "Stripe's tr_1 is 50.00 EUR" in amounts.reason
    (twice,) = reconcile([line(ref=KEY)], [line(ref="tr_1"), line(ref="tr_2")])
    assert "money moved more than once" in twice.reason
