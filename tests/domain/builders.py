"""Builders for domain tests: a deal at any stage, with a fixed clock."""

from __future__ import annotations

import datetime as dt

from domain.deal import Deal, start_deal
from domain.money import credits
from domain.reviews import Review
from domain.terms import DealTerms, Leg, Obligation, Role

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
BUYER, SELLER, STRANGER = 1, 2, 3


def terms(price_minor: int = 100_00, due_in: dt.timedelta = dt.timedelta(days=10),
          inspection_days: int = 7, now: dt.datetime = NOW) -> DealTerms:
    return DealTerms(
        title="Logo design", legs=(Leg(Role.BUYER, credits(price_minor)),),
        obligations=(Obligation(Role.SELLER, "A logo", "Three drafts"),),
        delivery_due_at=now + due_in, inspection_days=inspection_days,
    )


def a_deal(stage: str = "proposed", **terms_args) -> Deal:
    """A deal walked to `stage` through its own transitions."""
    deal = start_deal("d1", BUYER, SELLER, BUYER, terms(**terms_args), NOW).deal
    path = {
        "proposed": [],
        "funding": [lambda d: d.accept(SELLER, NOW)],
        "in_delivery": [lambda d: d.accept(SELLER, NOW), lambda d: d.fund(BUYER, NOW)],
        "inspection": [lambda d: d.accept(SELLER, NOW), lambda d: d.fund(BUYER, NOW),
                       lambda d: d.deliver(SELLER, NOW)],
        "rating": [lambda d: d.accept(SELLER, NOW), lambda d: d.fund(BUYER, NOW),
                   lambda d: d.deliver(SELLER, NOW), lambda d: d.confirm(BUYER, NOW)],
    }[stage]
    for step in path:
        deal = step(deal).deal
    return deal


def a_review(author: int, subject: int, score: int = 5) -> Review:
    return Review(author, subject, score, score, score, "", NOW)
