"""The transition table, the actors it names, and the windows that close."""

import datetime as dt

import pytest

from domain.errors import AlreadyDone, DeadlinePassed, InvalidInput, InvalidTransition, NotADealParty
from domain.stages import TRANSITIONS, Action, Stage
from domain.terms import TermBounds
from domain.timers import TimerPolicy
from tests.domain.builders import BUYER, NOW, SELLER, STRANGER, a_deal, a_review, terms


def test_offer_goes_to_the_other_party_who_alone_may_answer():
    deal = a_deal()
    assert deal.allowed_actions(SELLER, NOW) == (Action.COUNTER, Action.ACCEPT, Action.DECLINE)
    assert deal.allowed_actions(BUYER, NOW) == (Action.WITHDRAW,)
    assert deal.allowed_actions(STRANGER, NOW) == ()


def test_every_action_outside_the_table_is_refused_with_the_stage():
    deal = a_deal()
    for action in Action:
        if (Stage.PROPOSED, action) not in TRANSITIONS:
            with pytest.raises(InvalidTransition, match="while the deal is proposed"):
                deal.check(action, SELLER, NOW)


def test_strangers_are_refused_everything():
    with pytest.raises(NotADealParty):
        a_deal().accept(STRANGER, NOW)


def test_funding_holds_the_buyers_credits_into_escrow():
    outcome = a_deal("funding").fund(BUYER, NOW)
    (hold,) = outcome.step.ledger.holds
    assert (hold.source, hold.destination, hold.amount.amount_minor) == (
        "member:1:credits", "deal:d1:escrow:CRD", 100_00)
    assert outcome.deal.stage is Stage.IN_DELIVERY


def test_confirming_releases_price_less_fee_and_opens_rating():
    outcome = a_deal("inspection").confirm(BUYER, NOW)
    (post,) = outcome.step.ledger.posts
    (release,) = outcome.step.ledger.transfers
    amounts = {p.account: p.amount.amount_minor for p in release.postings}
    assert post.hold_id == "deal:d1:fund:CRD"
    assert amounts == {"deal:d1:escrow:CRD": -100_00, "member:2:credits": 95_00, "platform:fees:CRD": 5_00}
    assert outcome.deal.stage is Stage.RATING


def test_request_changes_needs_a_note_and_returns_to_delivery():
    deal = a_deal("inspection")
    with pytest.raises(InvalidInput):
        deal.request_changes(BUYER, NOW, "  ")
    after = deal.request_changes(BUYER, NOW, "Darker blue").deal
    assert after.stage is Stage.IN_DELIVERY and after.inspection_ends_at is None


def test_cancelling_a_funded_deal_voids_the_hold():
    outcome = a_deal("in_delivery").cancel(SELLER, NOW)
    assert [v.hold_id for v in outcome.step.ledger.voids] == ["deal:d1:fund:CRD"]


def test_buyer_may_cancel_a_funded_deal_only_after_the_delivery_date():
    deal = a_deal("in_delivery")
    with pytest.raises(DeadlinePassed, match="delivery date has passed"):
        deal.cancel(BUYER, NOW)
    assert deal.cancel(BUYER, NOW + dt.timedelta(days=11)).deal.stage is Stage.CANCELLED


def test_reviews_are_hidden_until_both_are_in_and_given_once():
    deal = a_deal("rating")
    first = deal.review(BUYER, a_review(BUYER, SELLER), NOW).deal
    assert not first.reviews_revealed and first.stage is Stage.RATING
    with pytest.raises(AlreadyDone):
        first.review(BUYER, a_review(BUYER, SELLER), NOW)
    both = first.review(SELLER, a_review(SELLER, BUYER), NOW).deal
    assert both.reviews_revealed and both.stage is Stage.CLOSED


def test_review_scores_are_bounded():
    with pytest.raises(InvalidInput):
        a_review(BUYER, SELLER, score=6)


def test_terms_outside_bounds_are_refused_with_the_field():
    for bad, field in [(terms(inspection_days=0), "inspection_days"),
                       (terms(inspection_days=31), "inspection_days"),
                       (terms(due_in=-dt.timedelta(days=1)), "delivery_due_at"),
                       (terms(price_minor=0), "price")]:
        with pytest.raises(InvalidInput) as caught:
            bad.validate(NOW, TermBounds())
        assert caught.value.field == field


def test_timer_overrides_stay_inside_platform_bounds():
    assert TimerPolicy().with_overrides(funding_deadline=dt.timedelta(days=5)).funding_deadline.days == 5
    with pytest.raises(InvalidInput):
        TimerPolicy().with_overrides(funding_deadline=dt.timedelta(days=60))


def test_counter_offer_lists_what_changed_and_must_change_something():
    deal = a_deal()
    outcome = deal.counter(SELLER, terms(price_minor=120_00), NOW)
    assert "price 100.00 CRD → 120.00 CRD" in outcome.step.summary
    assert outcome.deal.offered_by == SELLER
    with pytest.raises(InvalidInput):
        outcome.deal.counter(BUYER, terms(price_minor=120_00), NOW)


@pytest.mark.parametrize("price_minor", [1, 99, 100])
def test_a_price_the_minimum_fee_would_swallow_is_refused_at_the_offer_and_counter(price_minor):
    with pytest.raises(InvalidInput, match="more than the platform's minimum fee of 1.00 CRD") as refused:
        a_deal(price_minor=price_minor)
    assert refused.value.field == "price"
    with pytest.raises(InvalidInput, match="minimum fee"):
        a_deal().counter(SELLER, terms(price_minor=price_minor), NOW)
    assert a_deal(price_minor=101).terms.price[0].amount_minor == 101
