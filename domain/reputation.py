"""A business's reputation: one score from its reviews and its dispute record, with the parts
that made it.

    score = (prior_weight × platform_mean + Σ wᵢ × ratingᵢ + Σ wⱼ × 1★ per lost dispute)
            ─────────────────────────────────────────────────────────────────────────────
                        prior_weight + Σ wᵢ + Σ wⱼ

- Recent deals count more: a review's weight halves every `half_life_days` (180 by default),
  so a review from half a year ago counts half as much as today's.
- Few reviews say little: the platform's mean rating enters as `prior_weight` (5 by default)
  reviews' worth of evidence (a Bayesian average), so one 5★ review gives about 4.2, not 5.
- Disputes count: a lost dispute is `lost_dispute_weight` (2 by default) one-star reviews,
  decayed by its age like a review. A won dispute (the other side lost) is neutral, and so are
  settled, withdrawn and split cases: winning is what the deal promised in the first place.

The dimensions (quality, timeliness, communication) are the recency-weighted means of what
reviewers said, without the prior: they describe the reviews, the score judges the business.
Standard library only; time is an argument.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.reviews import DIMENSIONS

LOWEST, HIGHEST = 1.0, 5.0
MIN_WEIGHT = 1e-6


@dataclass(frozen=True)
class ReputationPolicy:
    half_life_days: float = 180.0
    prior_weight: float = 5.0
    lost_dispute_weight: float = 2.0
    # The prior when the platform has no review at all yet.
    default_mean: float = 4.0


@dataclass(frozen=True)
class Rating:
    """One revealed review of the business: the three dimensions, 1 to 5, and when it was given."""

    at: dt.datetime
    quality: int
    timeliness: int
    communication: int

    @property
    def mean(self) -> float:
        return sum(getattr(self, name) for name in DIMENSIONS) / len(DIMENSIONS)


@dataclass(frozen=True)
class DisputeResult:
    """A dispute whose final ruling went against one side: this business (`lost`) or the other.
    Settled, withdrawn and split cases are not results: they carry no weight either way."""

    at: dt.datetime
    lost: bool


@dataclass(frozen=True)
class Reputation:
    score: float  # 1 to 5, rounded to two decimals
    review_count: int
    quality: float | None  # None: no review yet
    timeliness: float | None
    communication: float | None
    lost_disputes: int
    won_disputes: int
    # The parts: how much weight each source carried, and the mean it pulled toward.
    prior_mean: float
    prior_weight: float
    review_weight: float
    review_mean: float | None
    dispute_weight: float

    @property
    def dimensions(self) -> dict[str, float | None]:
        return {name: getattr(self, name) for name in DIMENSIONS}

    def parts(self) -> tuple[str, ...]:
        """The score explained, one readable line per source."""
        lines = [f"platform average {self.prior_mean:.2f} ★, counted as {self.prior_weight:g} reviews"]
        if self.review_count:
            lines.append(f"{self.review_count} review{'s' if self.review_count != 1 else ''} averaging "
                         f"{self.review_mean:.2f} ★, worth {self.review_weight:.1f} after ageing")
        if self.lost_disputes:
            lines.append(f"{self.lost_disputes} lost dispute{'s' if self.lost_disputes != 1 else ''}, "
                         f"counted as {self.dispute_weight:.1f} one-star reviews after ageing")
        return tuple(lines)


def age_weight(at: dt.datetime, now: dt.datetime, half_life_days: float) -> float:
    """1 for today, ½ one half-life ago; never above 1 (a clock a little ahead is not a bonus),
    and never quite 0, so ancient reviews still describe the dimensions when nothing newer does."""
    age_days = max((now - at).total_seconds() / 86_400, 0.0)
    return max(0.5 ** (age_days / half_life_days), MIN_WEIGHT)


def platform_mean(rating_sum: float, rating_count: int, policy: ReputationPolicy | None = None) -> float:
    """The mean of every revealed review on the platform (the prior), or the policy's default."""
    policy = policy or ReputationPolicy()
    return rating_sum / rating_count if rating_count else policy.default_mean


def reputation_of(ratings: list[Rating], disputes: list[DisputeResult], prior_mean: float, now: dt.datetime,
                  policy: ReputationPolicy | None = None) -> Reputation:
    policy = policy or ReputationPolicy()
    weighted = [(age_weight(r.at, now, policy.half_life_days), r) for r in ratings]
    review_weight = sum(w for w, _ in weighted)
    lost = [d for d in disputes if d.lost]
    dispute_weight = sum(policy.lost_dispute_weight * age_weight(d.at, now, policy.half_life_days) for d in lost)
    reviewed = sum(w * r.mean for w, r in weighted)
    score = (policy.prior_weight * prior_mean + reviewed + dispute_weight * LOWEST) / (
        policy.prior_weight + review_weight + dispute_weight)

    def mean_of(name: str) -> float | None:
        return round(sum(w * getattr(r, name) for w, r in weighted) / review_weight, 2) if ratings else None

    return Reputation(
        score=round(min(max(score, LOWEST), HIGHEST), 2), review_count=len(ratings),
        quality=mean_of("quality"), timeliness=mean_of("timeliness"), communication=mean_of("communication"),
        lost_disputes=len(lost), won_disputes=len(disputes) - len(lost),
        prior_mean=round(prior_mean, 2), prior_weight=policy.prior_weight, review_weight=round(review_weight, 2),
        review_mean=round(reviewed / review_weight, 2) if ratings else None, dispute_weight=round(dispute_weight, 2),
    )
