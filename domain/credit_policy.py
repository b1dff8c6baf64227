"""A member's credit line from its track record: completed volume, reputation and disputes,
with every part of the amount as a line the member can read.

    verified?  no ──▶ 0 ("no credit line: not verified")
       │ yes
    the line granted at verification (500.00)
    + per completed deal and + a share of completed volume   (from the 3rd completed deal)
    ± a share of the line so far for the reputation          (from the 3rd review)
    − per dispute lost in the last year; none at all after 3
    bounded to [0, 5,000.00]

A track record starts counting from a few deals and reviews, so one lucky (or unlucky) deal
moves nothing. Volume counts every leg of a completed deal at face value, cash and credits alike
(credits are priced like the cash currency); barter without a balancing payment adds a deal but
no volume. Deals that ended by a ruling count through the dispute record, not as volume.

Lowering below what is in use: the line is clamped to the usage, never below it, and the member
is told (`review_credit_line`). The credit already spent or held stays valid, and the database
would refuse a line below the balance anyway; the lower line takes effect at the first review
after the balance has recovered. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.reputation import Reputation
from domain.steps import Notice
from domain.verification import VerificationPolicy


@dataclass(frozen=True)
class CreditPolicy:
    verified_line_minor: int = VerificationPolicy().credit_line_minor
    track_record_from_deals: int = 3
    per_deal_minor: int = 20_00
    deals_counted_up_to: int = 50
    volume_basis_points: int = 1_000  # 10 % of completed volume
    volume_bonus_cap_minor: int = 3_000_00
    reputation_from_reviews: int = 3
    # (lowest score, change in basis points of the line so far), best first.
    reputation_bands: tuple[tuple[float, int], ...] = ((4.5, 2_500), (4.0, 0), (3.0, -2_500), (0.0, -5_000))
    lost_dispute_minor: int = 200_00
    lost_disputes_window_days: int = 365
    no_line_from_lost_disputes: int = 3
    max_line_minor: int = 5_000_00


@dataclass(frozen=True)
class TrackRecord:
    verified: bool
    completed_deals: int
    completed_volume_minor: int
    reputation: Reputation | None
    recent_lost_disputes: int  # lost within the policy's window


@dataclass(frozen=True)
class CreditLine:
    limit_minor: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class CreditChange:
    """One review of a member's line: what the policy asks (`target`), what is in force after."""

    business_id: int
    previous_minor: int
    target_minor: int
    in_force_minor: int
    usage_minor: int
    reasons: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.in_force_minor != self.previous_minor

    @property
    def clamped(self) -> bool:
        return self.in_force_minor > self.target_minor

    def notice(self) -> Notice | None:
        """What the member is told when the line in force moves; None when it does not."""
        if not self.changed:
            return None
        why = "\n".join(f"• {reason}" for reason in self.reasons)
        now, was = amount(self.in_force_minor), amount(self.previous_minor)
        if self.clamped:
            subject = f"Your credit line is lowered to {now} CRD"
            body = (f"Your credit line would now be {amount(self.target_minor)} CRD, but your balance already "
                    f"uses {amount(self.usage_minor)} CRD of it, so the line stays at {now} CRD (was {was} CRD): "
                    "what you have spent or hold stays valid. The lower line applies at the next review after "
                    f"your balance recovers.\n{why}")
        else:
            direction = "rose" if self.in_force_minor > self.previous_minor else "is lowered"
            subject = f"Your credit line {direction} to {now} CRD"
            body = f"Your credit line is now {now} CRD (was {was} CRD).\n{why}"
        return Notice(self.business_id, "credit_line", subject, body)


def amount(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def credit_line(record: TrackRecord, policy: CreditPolicy | None = None) -> CreditLine:
    policy = policy or CreditPolicy()
    if not record.verified:
        return CreditLine(0, ("no credit line: the business is not verified yet",))
    if record.recent_lost_disputes >= policy.no_line_from_lost_disputes:
        return CreditLine(0, (f"no credit line: {_plural(record.recent_lost_disputes, 'dispute')} lost "
                              f"in the last {policy.lost_disputes_window_days} days",))
    line = policy.verified_line_minor
    reasons = [f"{amount(line)} granted at verification"]
    earned, why = _track_record(record, policy)
    line, reasons = line + earned, reasons + why
    change, why = _reputation(record.reputation, line, policy)
    line, reasons = line + change, reasons + why
    if record.recent_lost_disputes:
        lost = record.recent_lost_disputes * policy.lost_dispute_minor
        line -= lost
        reasons.append(f"-{amount(lost)} for {_plural(record.recent_lost_disputes, 'dispute')} lost in the last "
                       f"{policy.lost_disputes_window_days} days")
    if line < 0:
        line = 0
        reasons.append("floored at 0.00: a credit line is never negative")
    if line > policy.max_line_minor:
        line = policy.max_line_minor
        reasons.append(f"capped at {amount(line)}, the platform's maximum")
    return CreditLine(line, tuple(reasons))


def _track_record(record: TrackRecord, policy: CreditPolicy) -> tuple[int, list[str]]:
    if record.completed_deals < policy.track_record_from_deals:
        return 0, [f"no bonus for completed deals yet: {record.completed_deals} of "
                   f"{policy.track_record_from_deals} completed deals"]
    counted = min(record.completed_deals, policy.deals_counted_up_to)
    for_deals = counted * policy.per_deal_minor
    reasons = [f"+{amount(for_deals)} for {_plural(record.completed_deals, 'completed deal')}"
               + (f" (counted up to {policy.deals_counted_up_to})" if counted < record.completed_deals else "")]
    share = record.completed_volume_minor * policy.volume_basis_points // 10_000
    for_volume = min(share, policy.volume_bonus_cap_minor)
    if for_volume:
        reasons.append(f"+{amount(for_volume)} for {amount(record.completed_volume_minor)} of completed volume "
                       f"({policy.volume_basis_points / 100:g} %"
                       + (f", capped at {amount(policy.volume_bonus_cap_minor)})" if for_volume < share else ")"))
    return for_deals + for_volume, reasons


def _reputation(reputation: Reputation | None, line: int, policy: CreditPolicy) -> tuple[int, list[str]]:
    count = reputation.review_count if reputation else 0
    if reputation is None or count < policy.reputation_from_reviews:
        return 0, [f"reputation not counted yet: {count} of {policy.reputation_from_reviews} reviews"]
    basis_points = next(change for lowest, change in policy.reputation_bands if reputation.score >= lowest)
    change = line * basis_points // 10_000
    rated = f"a reputation of {reputation.score:.1f} ★ from {_plural(count, 'review')}"
    if change > 0:
        return change, [f"+{amount(change)} for {rated}"]
    if change < 0:
        return change, [f"-{amount(-change)} for {rated}"]
    return 0, [f"no change for {rated}"]


def review_credit_line(business_id: int, previous_minor: int, usage_minor: int, line: CreditLine) -> CreditChange:
    """The line to put in force: the policy's, but never below what the balance already uses."""
    in_force = max(line.limit_minor, usage_minor)
    reasons = line.reasons
    if in_force > line.limit_minor:
        reasons += (f"kept at {amount(in_force)}: your balance uses that much of the line now",)
    return CreditChange(business_id, previous_minor, line.limit_minor, in_force, usage_minor, reasons)
