"""Reputation and credit lines, recomputed inside the deal step that changed a track record.

A deal step that completes a deal, reveals its reviews (closed) or ends a dispute's money moves
(the ruling executed, and its fee charged or waived) reviews both parties: their reputation is
recomputed from the reviews and disputes in the database, their credit line from the policy,
the ledger's line is set through `Ledger.set_credit_limit` (the database still enforces it), and
a member whose line moves finds a notice in its inbox. It all happens in the step's own
transaction, so no activity is added to any workflow history, and it happens once: the step's
(deal, seq) row is claimed before, and a retried step finds it taken.

The parties' credit accounts are locked first, in address order like the ledger's postings, so
two steps that review crossed parties queue instead of deadlocking.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

from sqlalchemy import func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from domain.credit_policy import (
    CreditChange,
    CreditLine,
    CreditPolicy,
    TrackRecord,
    credit_line,
    review_credit_line,
)
from domain.deal import Deal
from domain.ledger import member_account
from domain.money import CREDITS
from domain.reputation import (
    DisputeResult,
    Rating,
    Reputation,
    ReputationPolicy,
    platform_mean,
    reputation_of,
)
from domain.steps import Step
from domain.verification import Status
from integrations.db.app_models import ReviewRow
from integrations.db.dispute_models import DisputeRow
from integrations.db.ledger import Ledger
from integrations.db.read_model import ADD_NOTICE
from integrations.db.reputation_models import ReputationRow
from integrations.db.verification_read_model import is_verified

# The newest reviews that count. Older ones are at least 4 half-lives old in a busy business's
# history, and reading them all would make every completed deal cost more than the last.
REVIEWS_COUNTED = 500
REVIEWING_STEPS = frozenset({"completed", "closed"})
AFTER_A_RULING = frozenset({"ruling_executed", "dispute_fee_charged", "dispute_fee_waived"})
KEPT_ON_REBUILD = ("business_id", "completed_deals", "completed_volume_minor")
DECIDED_AGAINST_ONE_SIDE = ("lost_by_buyer", "lost_by_seller")  # disputes.outcome values
REPUTATION_COLUMNS = ("business_id", "score", "review_count", "review_sum", "quality", "timeliness", "communication",
                      "lost_disputes", "won_disputes", "parts", "updated_at")


def reviews_track_record(deal: Deal, step: Step) -> bool:
    """Whether this step changes the parties' track record. After a ruling the review waits for
    the dispute fee: lowering a line first could refuse the fee the ruling charged."""
    return step.kind in REVIEWING_STEPS or (step.kind in AFTER_A_RULING and not deal.fees_due)


def lock_credit_accounts(session: Session, business_ids: tuple[int, ...]) -> None:
    addresses = sorted(member_account(b, CREDITS) for b in set(business_ids))
    session.execute(text("SELECT 1 FROM ledger_accounts WHERE address = ANY(:addresses) ORDER BY address FOR UPDATE"),
                    {"addresses": addresses})


def review_parties(session: Session, deal: Deal, step: Step, reputation_policy: ReputationPolicy | None = None,
                   credit_policy: CreditPolicy | None = None) -> list[CreditChange]:
    """Recompute both parties' reputation and credit line; the changes of line, each noticed.

    Both parties are read together (two statements, whatever their history) and written together:
    this runs in every completing and closing step, and a statement per fact per party was a
    fifth of the worker's time. The results are those of the one-party functions below."""
    credit_policy = credit_policy or CreditPolicy()
    if step.kind == "completed":
        _count_completed_deals(session, deal, step.at)
    parties = sorted(set(deal.parties))
    facts, prior = _facts_of(session, parties, reputation_policy)
    ratings, disputes = _ratings_and_disputes_of(session, parties)
    rows, reviews, changes = [], [], []
    for business_id in parties:
        own, results = ratings.get(business_id, []), disputes.get(business_id, [])
        reputation = reputation_of(own, results, prior, step.at, reputation_policy)
        rows.append(_blank(business_id, step.at) | _columns(reputation, own, step.at))
        fact = facts[business_id]
        if fact.posted is None:  # no credit account: not a member business
            continue
        record = _record(fact.verified, fact.completed_deals or 0, fact.completed_volume_minor or 0, reputation,
                         results, step.at, credit_policy)
        usage = max(fact.pending_out - fact.posted, 0)
        change = review_credit_line(business_id, fact.credit_limit or 0, usage, credit_line(record, credit_policy))
        if change.changed:
            Ledger(session).set_credit_limit(member_account(business_id, CREDITS), change.in_force_minor)
        if change.changed or fact.latest_reasons is None or list(change.reasons) != fact.latest_reasons:
            reviews.append(dict(
                business_id=business_id, cause=f"deal:{deal.deal_id}:{step.seq}", previous_minor=change.previous_minor,
                target_minor=change.target_minor, in_force_minor=change.in_force_minor, usage_minor=usage,
                reasons=list(change.reasons), at=step.at))
        if change.changed:
            _notify(session, change, deal.deal_id, f"credit:{business_id}:deal:{deal.deal_id}:{step.seq}", step.at)
            changes.append(change)
    _save_reputations(session, rows)
    if reviews:
        session.execute(ADD_CREDIT_LINE_REVIEW, [review | dict(reasons=json.dumps(review["reasons"]))
                                                 for review in reviews])
    return changes


# ---- both parties at once -----------------------------------------------------------------
# Per party: the counters the credit policy reads, whether it is verified, its credit account,
# the reasons of its latest review; and the platform's review totals for the prior, read before
# this step writes any reputation (as the one-party path reads them).
PARTY_FACTS = text("""
    SELECT p.business_id, r.completed_deals, r.completed_volume_minor,
           EXISTS (SELECT 1 FROM verifications v
                    WHERE v.business_id = p.business_id AND v.status = :approved) AS verified,
           a.posted, a.pending_out, a.credit_limit,
           (SELECT c.reasons FROM credit_line_reviews c WHERE c.business_id = p.business_id
             ORDER BY c.id DESC LIMIT 1) AS latest_reasons,
           t.review_sum, t.review_count
      FROM unnest(CAST(:ids AS bigint[]), CAST(:addresses AS text[])) AS p(business_id, address)
      LEFT JOIN reputations r ON r.business_id = p.business_id
      LEFT JOIN ledger_accounts a ON a.address = p.address
     CROSS JOIN (SELECT coalesce(sum(review_sum), 0.0) AS review_sum,
                        coalesce(sum(review_count), 0) AS review_count FROM reputations) t""")
# The writes are plain statements built once, as the deal step's (integrations/db/read_model.py):
# building and compiling Core inserts per call cost more than the reads.
COUNT_COMPLETED = text("""
    INSERT INTO reputations (business_id, score, review_count, review_sum, lost_disputes, won_disputes,
                             completed_deals, completed_volume_minor, parts, updated_at)
    VALUES (:business_id, :score, 0, 0.0, 0, 0, :completed_deals, :completed_volume_minor, '[]', :updated_at)
    ON CONFLICT (business_id) DO UPDATE SET
        completed_deals = reputations.completed_deals + excluded.completed_deals,
        completed_volume_minor = reputations.completed_volume_minor + excluded.completed_volume_minor""")
# Deal counters are kept: only the deal steps count them.
SAVE_REPUTATION = text("""
    INSERT INTO reputations (business_id, score, review_count, review_sum, quality, timeliness, communication,
                             lost_disputes, won_disputes, completed_deals, completed_volume_minor, parts, updated_at)
    VALUES (:business_id, :score, :review_count, :review_sum, :quality, :timeliness, :communication,
            :lost_disputes, :won_disputes, 0, 0, CAST(:parts AS jsonb), :updated_at)
    ON CONFLICT (business_id) DO UPDATE SET
        score = excluded.score, review_count = excluded.review_count, review_sum = excluded.review_sum,
        quality = excluded.quality, timeliness = excluded.timeliness, communication = excluded.communication,
        lost_disputes = excluded.lost_disputes, won_disputes = excluded.won_disputes, parts = excluded.parts,
        updated_at = excluded.updated_at""")
ADD_CREDIT_LINE_REVIEW = text("""
    INSERT INTO credit_line_reviews (business_id, cause, previous_minor, target_minor, in_force_minor,
                                     usage_minor, reasons, at)
    VALUES (:business_id, :cause, :previous_minor, :target_minor, :in_force_minor, :usage_minor,
            CAST(:reasons AS jsonb), :at)""")
# The newest counted reviews of each party, then its decided disputes, in the one-party order.
RATINGS_AND_DISPUTES = text("""
    SELECT p.business_id, true AS rating, rv.at, rv.quality, rv.timeliness, rv.communication,
           NULL::text AS outcome, NULL::bigint AS buyer_id
      FROM unnest(CAST(:ids AS bigint[])) AS p(business_id)
     CROSS JOIN LATERAL (SELECT at, quality, timeliness, communication FROM reviews
                          WHERE subject_id = p.business_id AND revealed
                          ORDER BY at DESC LIMIT :counted) rv
    UNION ALL
    SELECT p.business_id, false, coalesce(d.closed_at, d.updated_at), NULL, NULL, NULL, d.outcome, d.buyer_id
      FROM unnest(CAST(:ids AS bigint[])) AS p(business_id)
      JOIN disputes d ON (d.buyer_id = p.business_id OR d.seller_id = p.business_id)
                     AND d.outcome = ANY(CAST(:decided AS text[]))""")


def _count_completed_deals(session: Session, deal: Deal, at: dt.datetime) -> None:
    """Each party's completed deals and volume, in one round trip (a party named twice counts twice)."""
    volume = sum(leg.amount.amount_minor for leg in deal.terms.legs)
    session.execute(COUNT_COMPLETED, [
        dict(business_id=business_id, score=ReputationPolicy().default_mean, completed_deals=times,
             completed_volume_minor=volume * times, updated_at=at)
        for business_id, times in sorted(Counter(deal.parties).items())])


def _facts_of(session: Session, parties: list[int], policy: ReputationPolicy | None) -> tuple[dict, float]:
    rows = session.execute(PARTY_FACTS, dict(
        ids=parties, addresses=[member_account(b, CREDITS) for b in parties], approved=Status.APPROVED.value)).all()
    total, count = (rows[0].review_sum, rows[0].review_count) if rows else (0.0, 0)
    return {row.business_id: row for row in rows}, platform_mean(float(total), int(count), policy)


def _ratings_and_disputes_of(session: Session, parties: list[int]) -> tuple[dict[int, list[Rating]],
                                                                            dict[int, list[DisputeResult]]]:
    ratings: dict[int, list[Rating]] = {}
    disputes: dict[int, list[DisputeResult]] = {}
    for business_id, rating, at, quality, timeliness, communication, outcome, buyer_id in session.execute(
            RATINGS_AND_DISPUTES, dict(ids=parties, counted=REVIEWS_COUNTED, decided=list(DECIDED_AGAINST_ONE_SIDE))):
        if rating:
            ratings.setdefault(business_id, []).append(Rating(at, quality, timeliness, communication))
        else:
            lost = (buyer_id == business_id) == (outcome == "lost_by_buyer")
            disputes.setdefault(business_id, []).append(DisputeResult(at, lost=lost))
    return ratings, disputes


def _save_reputations(session: Session, rows: list[dict]) -> None:
    """Insert or overwrite the reputations, in one round trip; the deal counters are kept."""
    session.execute(SAVE_REPUTATION, [
        {name: row[name] for name in REPUTATION_COLUMNS} | dict(parts=json.dumps(row["parts"])) for row in rows])


# ---- reputation ---------------------------------------------------------------------------
def _blank(business_id: int, at: dt.datetime) -> dict:
    return dict(business_id=business_id, score=ReputationPolicy().default_mean, review_count=0, review_sum=0.0,
                lost_disputes=0, won_disputes=0, completed_deals=0, completed_volume_minor=0, parts=[],
                updated_at=at)


def _columns(reputation: Reputation, ratings: list[Rating], at: dt.datetime) -> dict:
    return dict(score=reputation.score, review_count=reputation.review_count,
                review_sum=sum(r.mean for r in ratings), quality=reputation.quality,
                timeliness=reputation.timeliness, communication=reputation.communication,
                lost_disputes=reputation.lost_disputes, won_disputes=reputation.won_disputes,
                parts=list(reputation.parts()), updated_at=at)


def _platform_mean(session: Session, policy: ReputationPolicy | None) -> float:
    total, count = session.execute(select(func.coalesce(func.sum(ReputationRow.review_sum), 0.0),
                                          func.coalesce(func.sum(ReputationRow.review_count), 0))).one()
    return platform_mean(float(total), int(count), policy)


def ratings_of(session: Session, business_id: int) -> list[Rating]:
    rows = session.execute(
        select(ReviewRow.at, ReviewRow.quality, ReviewRow.timeliness, ReviewRow.communication)
        .where(ReviewRow.subject_id == business_id, ReviewRow.revealed)
        .order_by(ReviewRow.at.desc()).limit(REVIEWS_COUNTED)).all()
    return [Rating(*row) for row in rows]


def dispute_results_of(session: Session, business_id: int) -> list[DisputeResult]:
    rows = session.execute(
        select(DisputeRow.outcome, DisputeRow.buyer_id, DisputeRow.closed_at, DisputeRow.updated_at)
        .where(or_(DisputeRow.buyer_id == business_id, DisputeRow.seller_id == business_id),
               DisputeRow.outcome.in_(DECIDED_AGAINST_ONE_SIDE))).all()
    return [DisputeResult(closed_at or updated_at, lost=(buyer_id == business_id) == (outcome == "lost_by_buyer"))
            for outcome, buyer_id, closed_at, updated_at in rows]


def _recompute_reputation(session: Session, business_id: int, prior: float, at: dt.datetime,
                          policy: ReputationPolicy | None) -> tuple[Reputation, list[DisputeResult]]:
    ratings, disputes = ratings_of(session, business_id), dispute_results_of(session, business_id)
    reputation = reputation_of(ratings, disputes, prior, at, policy)
    _save_reputations(session, [_blank(business_id, at) | _columns(reputation, ratings, at)])
    return reputation, disputes


def refresh_reputation(session: Session, business_id: int, at: dt.datetime) -> Reputation:
    """Recompute one business's stored reputation alone (its credit line is left as it is)."""
    return _recompute_reputation(session, business_id, _platform_mean(session, None), at, None)[0]


def rebuild_reputations(session: Session, at: dt.datetime, policy: ReputationPolicy | None = None) -> int:
    """Recompute every reviewed or disputed business's reputation in a few statements (a backfill,
    and the benchmark's seed); the number of businesses written. Deal counters are kept."""
    ratings: dict[int, list[Rating]] = {}
    for subject_id, *values in session.execute(
            select(ReviewRow.subject_id, ReviewRow.at, ReviewRow.quality, ReviewRow.timeliness,
                   ReviewRow.communication).where(ReviewRow.revealed)):
        ratings.setdefault(subject_id, []).append(Rating(*values))
    results: dict[int, list[DisputeResult]] = {}
    for outcome, buyer_id, seller_id, closed_at, updated_at in session.execute(
            select(DisputeRow.outcome, DisputeRow.buyer_id, DisputeRow.seller_id, DisputeRow.closed_at,
                   DisputeRow.updated_at).where(DisputeRow.outcome.in_(DECIDED_AGAINST_ONE_SIDE))):
        loser = buyer_id if outcome == "lost_by_buyer" else seller_id
        for party in (buyer_id, seller_id):
            results.setdefault(party, []).append(DisputeResult(closed_at or updated_at, lost=party == loser))
    everyone = [r for rs in ratings.values() for r in rs]
    prior = platform_mean(sum(r.mean for r in everyone), len(everyone), policy)
    rows = []
    for business_id in sorted(set(ratings) | set(results)):
        own = ratings.get(business_id, [])
        reputation = reputation_of(own, results.get(business_id, []), prior, at, policy)
        rows.append(_blank(business_id, at) | _columns(reputation, own, at))
    table = ReputationRow.__table__
    for start in range(0, len(rows), 1_000):
        statement = insert(table).values(rows[start:start + 1_000])
        session.execute(statement.on_conflict_do_update(
            index_elements=[table.c.business_id],
            set_={name: statement.excluded[name] for name in rows[0] if name not in KEPT_ON_REBUILD}))
    return len(rows)


# ---- credit line --------------------------------------------------------------------------
def track_record(session: Session, business_id: int, reputation: Reputation, disputes: list[DisputeResult],
                 at: dt.datetime, policy: CreditPolicy) -> TrackRecord:
    row = session.get(ReputationRow, business_id)
    return _record(is_verified(session, business_id), row.completed_deals if row else 0,
                   row.completed_volume_minor if row else 0, reputation, disputes, at, policy)


def _record(verified: bool, completed_deals: int, completed_volume_minor: int, reputation: Reputation,
            disputes: list[DisputeResult], at: dt.datetime, policy: CreditPolicy) -> TrackRecord:
    since = at - dt.timedelta(days=policy.lost_disputes_window_days)
    return TrackRecord(
        verified=verified, completed_deals=completed_deals, completed_volume_minor=completed_volume_minor,
        reputation=reputation, recent_lost_disputes=sum(1 for d in disputes if d.lost and d.at >= since))


def credit_line_now(session: Session, business_id: int, at: dt.datetime,
                    policy: CreditPolicy | None = None) -> CreditLine:
    """What the policy would set now, read-only (a page explaining a line no review has set yet)."""
    policy = policy or CreditPolicy()
    ratings, disputes = ratings_of(session, business_id), dispute_results_of(session, business_id)
    reputation = reputation_of(ratings, disputes, _platform_mean(session, None), at)
    return credit_line(track_record(session, business_id, reputation, disputes, at, policy), policy)


def _notify(session: Session, change: CreditChange, deal_id: str, key: str, at: dt.datetime) -> None:
    notice = change.notice()
    if notice is None:
        return
    session.execute(ADD_NOTICE, dict(business_id=notice.business_id, deal_id=deal_id, dedupe_key=key,
                                     kind=notice.kind, subject=notice.subject, body=notice.body, created_at=at))
