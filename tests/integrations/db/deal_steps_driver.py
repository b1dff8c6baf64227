"""Deals walked through the real deal-step activity, without a workflow: what the read model,
the ledger and the reputation tables hold after each step, as fast as the database allows."""

from __future__ import annotations

import datetime as dt
import uuid

from activities.deal_steps import DealSteps
from domain.deal import start_deal
from domain.ledger import member_account
from domain.reviews import Review
from integrations.db.ledger import Ledger
from integrations.db.session import unit_of_work
from tests.domain.builders import terms
from workflows.messages import StepRecord

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def run_deal(database_url: str, buyer: int, seller: int, price_minor: int = 100_00, stars: int | None = 5):
    """A credit deal from offer to completion (and both reviews, unless `stars` is None) through
    the real step activity; the deal as it ended."""
    steps = DealSteps(database_url)
    outcome = start_deal(f"rep-{uuid.uuid4().hex[:10]}", buyer, seller, buyer, terms(price_minor, now=NOW), NOW)
    actions = [lambda d: d.accept(seller, NOW), lambda d: d.fund(buyer, NOW), lambda d: d.deliver(seller, NOW),
               lambda d: d.confirm(buyer, NOW)]
    if stars is not None:
        actions += [lambda d: d.review(buyer, Review(buyer, seller, stars, stars, stars, "", NOW), NOW),
                    lambda d: d.review(seller, Review(seller, buyer, 5, 5, 5, "", NOW), NOW)]
    steps.record_step(StepRecord(outcome.deal, outcome.step))
    for act in actions:
        outcome = act(outcome.deal)
        assert not steps.record_step(StepRecord(outcome.deal, outcome.step)).replayed
    return outcome


def line_of(database_url: str, business_id: int) -> int | None:
    with unit_of_work(database_url) as session:
        return Ledger(session).balance(member_account(business_id, "CRD")).credit_limit


