"""The ledger, Stripe and the platform's log of its Stripe calls line up by movement key; every
disagreement is named with its deal, in words finance can act on."""

from domain.cash import CashKind
from domain.money import eur
from domain.reconciliation import CashLine, MovementRecord, deal_of_key, kind_of_key, reconcile, unkeyed

KEY = "deal:d1:release:EUR"


def line(key: str = KEY, amount: int = 57_00, ref: str = "tr_1", kind: CashKind | None = None) -> CashLine:
    return CashLine(key, "d1", kind or kind_of_key(key) or CashKind.CHARGE, eur(amount), ref)


def logged(status: str = "succeeded", stripe_id: str | None = "tr_1", key: str = KEY,
           failure: str | None = None) -> MovementRecord:
    return MovementRecord(key, "d1", kind_of_key(key) or CashKind.CHARGE, status, stripe_id, failure)


def test_matching_sides_reconcile():
    assert reconcile([line(ref=KEY)], [line()], [logged()]) == ()


def test_keys_name_their_movement_and_deal():
    assert [kind_of_key(f"deal:x:{step}:EUR") for step in ("fund", "release", "refund", "escrow")] == [
        CashKind.CHARGE, CashKind.PAYOUT, CashKind.REFUND, None]
    assert kind_of_key("adjustment:7") is None
    assert deal_of_key("deal:a1b2:release:EUR") == "a1b2"


def test_a_refused_payout_only_in_the_ledger_says_finance_is_on_it():
    (plain,) = reconcile([line(ref=KEY)], [])
    assert plain.deal_id == "d1"
    assert plain.reason == "the ledger records a payout of 57.00 EUR but Stripe has none"
    (queued,) = reconcile([line(ref=KEY)], [], [logged("failed", None, failure="No such destination")])
    assert queued.reason.endswith("Stripe has none (Stripe refused it; it waits in finance's payout queue)")


def test_a_refused_refund_gives_stripes_reason():
    key = "deal:d1:refund:EUR"
    (found,) = reconcile([line(key, 60_00, key)], [], [logged("failed", None, key, "charge already refunded")])
    assert found.reason.endswith("(Stripe refused it: charge already refunded)")


def test_stripe_money_the_platform_never_asked_for_is_listed_with_its_stripe_id():
    (found,) = reconcile([], [line(unkeyed("re_9"), 10_00, "re_9", CashKind.REFUND)])
    assert found.key == "stripe:re_9" and found.deal_id == "d1"
    assert found.reason == ("Stripe has a refund of 10.00 EUR (re_9) that the ledger does not record; "
                            "the platform never asked Stripe for it")


def test_different_amounts_and_double_payments_are_mismatches():
    (amounts,) = reconcile([line(ref=KEY)], [line(amount=50_00)], [logged()])
    assert amounts.reason == "the ledger records a payout of 57.00 EUR but Stripe's tr_1 is 50.00 EUR"
    (twice,) = reconcile([line(ref=KEY)], [line(ref="tr_1"), line(ref="tr_2")], [logged()])
    assert "Stripe has 2 payouts for one step (tr_1, tr_2): money moved more than once" in twice.reason


def test_a_payout_the_log_calls_refused_but_stripe_made_would_be_paid_twice_by_a_retry():
    (found,) = reconcile([line(ref=KEY)], [line()], [logged("failed", None)])
    assert found.reason == ("the platform's log says Stripe refused this payout, yet Stripe holds tr_1: "
                            "retrying it would move the money twice")


def test_the_log_naming_another_or_a_missing_stripe_object_is_a_mismatch():
    (other,) = reconcile([line(ref=KEY)], [line(ref="tr_2")], [logged(stripe_id="tr_1")])
    assert other.reason == "the platform's log names tr_1 but Stripe's payout is tr_2"
    (missing,) = reconcile([], [], [logged()])
    assert missing.reason == "the platform's log says Stripe made it (tr_1, succeeded) but Stripe has no such payout"


def test_a_declined_card_logged_as_failed_with_nothing_moved_is_no_mismatch():
    key = "deal:d1:fund:EUR"
    assert reconcile([], [], [logged("failed", "pi_1", key, "card declined")]) == ()


def test_each_key_is_one_mismatch_in_key_order():
    found = reconcile([line("deal:d2:fund:EUR", 10_00, "deal:d2:fund:EUR"), line(ref=KEY)], [])
    assert [m.key for m in found] == [KEY, "deal:d2:fund:EUR"]
