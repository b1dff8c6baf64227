"""The deal step that completes a deal, reveals its reviews or ends a ruling reviews both parties:
stored reputation, the credit line set through the ledger with its reasons, and a notice when
the line moves; once per step, however often the activity runs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from activities.deal_steps import DealSteps
from domain.credit_policy import CreditPolicy, amount
from domain.reputation import reputation_of
from domain.steps import Step
from integrations.db.app_models import Notification
from integrations.db.dispute_models import DisputeRow
from integrations.db.reputation_models import CreditLineReview, ReputationRow
from integrations.db.reputation_read_model import (
    _platform_mean,
    credit_line_now,
    dispute_results_of,
    ratings_of,
    review_parties,
)
from integrations.db.session import unit_of_work
from tests.builders import a_business
from tests.integrations.db.deal_steps_driver import line_of, run_deal
from workflows.messages import StepRecord

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def stored(database_url: str, business_id: int):
    with unit_of_work(database_url) as session:
        reputation = session.get(ReputationRow, business_id)
        reviews = list(session.scalars(select(CreditLineReview).where(CreditLineReview.business_id == business_id)
                                       .order_by(CreditLineReview.id)))
        notices = list(session.scalars(select(Notification).where(Notification.business_id == business_id,
                                                                  Notification.kind == "credit_line")
                                       .order_by(Notification.id)))
        session.expunge_all()
    return reputation, reviews, notices


def test_a_track_record_of_three_deals_raises_the_line_with_its_reasons_and_a_notice(database_url):
    buyer = a_business(database_url, credit_line_minor=500_00).business_id
    seller = a_business(database_url, credit_line_minor=500_00).business_id
    run_deal(database_url, buyer, seller, stars=4)
    reputation, reviews, notices = stored(database_url, seller)
    assert (reputation.review_count, reputation.completed_deals, reputation.completed_volume_minor) == (1, 1, 100_00)
    assert reputation.quality == 4.0 and reputation.parts[1] == "1 review averaging 4.00 ★, worth 1.0 after ageing"
    assert line_of(database_url, seller) == 500_00 and notices == []  # one deal moves nothing
    assert reviews[-1].reasons[1] == "no bonus for completed deals yet: 1 of 3 completed deals"

    run_deal(database_url, buyer, seller, stars=5)
    run_deal(database_url, buyer, seller, stars=5)
    reputation, reviews, notices = stored(database_url, seller)
    assert (reputation.review_count, reputation.completed_deals) == (3, 3)
    # 500 + 3 × 20 + 10 % of 300, and the reputation's share of that (its prior is the mean of
    # every review in this shared test database, so the band is read from the stored score).
    band = next(points for lowest, points in CreditPolicy().reputation_bands if reputation.score >= lowest)
    expected = 590_00 + 590_00 * band // 10_000
    assert line_of(database_url, seller) == expected
    assert reviews[-1].in_force_minor == expected and reviews[-1].reasons[1:3] == [
        "+60.00 for 3 completed deals", "+30.00 for 300.00 of completed volume (10 %)"]
    assert reviews[-1].reasons[3].endswith(f"a reputation of {reputation.score:.1f} ★ from 3 reviews")
    # The third deal's completion counts the deals; its reviews, once revealed, the reputation.
    subjects = ["Your credit line rose to 590.00 CRD"]
    if expected != 590_00:
        subjects.append(f"Your credit line {'rose' if expected > 590_00 else 'is lowered'} to {amount(expected)} CRD")
    assert [n.subject for n in notices] == subjects


def test_a_step_run_twice_counts_once(database_url):
    buyer = a_business(database_url, credit_line_minor=500_00).business_id
    seller = a_business(database_url, credit_line_minor=500_00).business_id
    completed = run_deal(database_url, buyer, seller, stars=None)
    assert DealSteps(database_url).record_step(StepRecord(completed.deal, completed.step)).replayed
    reputation, reviews, _ = stored(database_url, seller)
    assert reputation.completed_deals == 1 and len(reviews) == 1


def test_an_unverified_member_loses_its_line_but_never_below_what_it_uses(database_url):
    buyer = a_business(database_url, credit_line_minor=1_000_00, verified=False).business_id
    seller = a_business(database_url, credit_line_minor=500_00).business_id
    run_deal(database_url, buyer, seller, price_minor=150_00, stars=None)
    assert line_of(database_url, buyer) == 150_00  # the 150.00 it spent stays valid
    _, reviews, notices = stored(database_url, buyer)
    assert (reviews[-1].target_minor, reviews[-1].in_force_minor, reviews[-1].usage_minor) == (0, 150_00, 150_00)
    assert reviews[-1].reasons == ["no credit line: the business is not verified yet",
                                   "kept at 150.00: your balance uses that much of the line now"]
    assert [n.subject for n in notices] == ["Your credit line is lowered to 150.00 CRD"]
    assert "already uses 150.00 CRD" in notices[0].body


def test_a_lost_dispute_lowers_the_losers_score_and_line_and_not_the_winners(database_url):
    buyer = a_business(database_url, credit_line_minor=500_00).business_id
    seller = a_business(database_url, credit_line_minor=500_00).business_id
    first = run_deal(database_url, buyer, seller, stars=None)
    with unit_of_work(database_url) as session:
        session.add(DisputeRow(deal_id=first.deal.deal_id, buyer_id=buyer, seller_id=seller, opened_by=buyer,
                               reason="not_delivered", stage="final", version=9, opened_at=NOW, updated_at=NOW,
                               closed_at=NOW, outcome="lost_by_seller", state={}))
    run_deal(database_url, buyer, seller, stars=5)
    seller_reputation, reviews, notices = stored(database_url, seller)
    buyer_reputation, _, _ = stored(database_url, buyer)
    assert (seller_reputation.lost_disputes, buyer_reputation.won_disputes) == (1, 1)
    assert seller_reputation.score < buyer_reputation.score
    assert line_of(database_url, seller) == 300_00 and line_of(database_url, buyer) == 500_00
    assert reviews[-1].reasons[-1] == "-200.00 for 1 dispute lost in the last 365 days"
    assert notices[-1].subject == "Your credit line is lowered to 300.00 CRD"


def test_both_parties_reviewed_together_score_and_line_as_the_one_party_reads_do(database_url):
    buyer = a_business(database_url, credit_line_minor=500_00).business_id
    seller = a_business(database_url, credit_line_minor=500_00).business_id
    for stars in (3, 5, 4, 2):
        closed = run_deal(database_url, buyer, seller, stars=stars)
    with unit_of_work(database_url) as session:
        session.add(DisputeRow(deal_id=closed.deal.deal_id, buyer_id=buyer, seller_id=seller, opened_by=buyer,
                               reason="not_delivered", stage="final", version=9, opened_at=NOW, updated_at=NOW,
                               closed_at=NOW, outcome="lost_by_buyer", state={}))
    later = NOW + dt.timedelta(days=40)  # the reviews have aged: every score moves
    with unit_of_work(database_url) as session:
        # One snapshot for both paths: other tests' deals may still be reviewing parties meanwhile.
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        prior = _platform_mean(session, None)
        expected = {b: (reputation_of(ratings_of(session, b), dispute_results_of(session, b), prior, later),
                        credit_line_now(session, b, later).limit_minor) for b in (buyer, seller)}
        step = Step(seq=99, kind="closed", at=later, actor_id=None, summary="reviewed again")
        review_parties(session, closed.deal, step)
    for business_id, (reputation, line) in expected.items():
        stored_reputation, reviews, _ = stored(database_url, business_id)
        assert (stored_reputation.score, stored_reputation.parts) == (reputation.score, list(reputation.parts()))
        assert (stored_reputation.lost_disputes, stored_reputation.won_disputes) == (
            reputation.lost_disputes, reputation.won_disputes)
        # A review is stored only when the line or its reasons change; either way the latest is the policy's.
        assert reviews[-1].target_minor == line and line_of(database_url, business_id) == reviews[-1].in_force_minor
    assert expected[buyer][0].lost_disputes == 1 and expected[seller][0].won_disputes == 1
