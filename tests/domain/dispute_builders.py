"""Builders for dispute tests: disputed deals of each exchange model, and a dispute walked to
any stage through its own actions, on a fixed clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from domain.arbitration import Arbitrator, ArbitratorChoice, Party
from domain.cash import CashKind, CashReceipt
from domain.deal import Deal, start_deal
from domain.dispute_opening import open_dispute
from domain.dispute_steps import DisputeStep
from domain.disputes import Dispute
from domain.evidence import EvidenceFile
from domain.money import Money, credits
from domain.rulings import Ruling, refund_share
from domain.terms import DealTerms, Leg, Obligation, Role
from tests.domain.builders import BUYER, NOW, SELLER, a_deal, terms

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
OPENED = NOW + DAY  # the deal was delivered at NOW; its inspection window runs 7 days
TALKS_END = OPENED + 5 * DAY
EVIDENCE_END = TALKS_END + 7 * DAY
RULED_AT = EVIDENCE_END + HOUR
APPEAL_END = RULED_AT + 3 * DAY
APPEALED_AT = RULED_AT + HOUR

ADA = Arbitrator(101, "Ada Byron", open_cases=1)
BO = Arbitrator(102, "Bo Chen", open_cases=3)
DI = Arbitrator(103, "Di Okafor", open_cases=2, is_senior=True)
EVE = Arbitrator(104, "Eve Marsh", open_cases=4, is_senior=True)
PARTIES = (Party(BUYER, "Ann's Cafe"), Party(SELLER, "Ben's Books"))


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def chosen(arbitrator: Arbitrator, reason: str = "least loaded of 2 without conflicts") -> ArbitratorChoice:
    return ArbitratorChoice(arbitrator, reason)


def a_file(**changes) -> EvidenceFile:
    values = dict(name="logo-draft.png", content_type="image/png", size_bytes=240_000, sha256="ab" * 32)
    return EvidenceFile(**{**values, **changes})


def hybrid_deal_in_inspection(cash_minor: int = 60_00, credit_minor: int = 40_00) -> Deal:
    legs = (Leg(Role.BUYER, eur(cash_minor)), Leg(Role.BUYER, credits(credit_minor)))
    deal = start_deal("h1", BUYER, SELLER, BUYER, replace(terms(), legs=legs), NOW).deal
    deal = deal.accept(SELLER, NOW).deal.fund(BUYER, NOW).deal
    (charge,) = deal.cash_owed(BUYER)
    receipt = CashReceipt(charge.key, CashKind.CHARGE, charge.amount, "pi_1", "ch_1")
    return deal.fund(BUYER, NOW, (receipt,)).deal.deliver(SELLER, NOW).deal


def barter_deal(balance: int | None = 50_00, bond: int | None = 20_00, both_delivered: bool = True) -> Deal:
    """Flyers for a boiler repair; the seller has delivered (and the buyer too, by default)."""
    barter = DealTerms(
        title="Flyers for a boiler repair", legs=(Leg(Role.BUYER, credits(balance)),) if balance else (),
        obligations=(Obligation(Role.SELLER, "500 printed flyers", "Colours match the proof"),
                     Obligation(Role.BUYER, "Boiler repair", "Hot water for a week")),
        delivery_due_at=NOW + 10 * DAY, bond=credits(bond) if bond else None)
    deal = start_deal("b1", BUYER, SELLER, BUYER, barter, NOW).deal.accept(SELLER, NOW).deal
    for side in (BUYER, SELLER):
        if deal.credits_owed(side):
            deal = deal.fund(side, NOW).deal
    deal = deal.deliver(SELLER, NOW).deal
    return deal.deliver(BUYER, NOW).deal if both_delivered else deal


def run_clock(dispute: Dispute, until: dt.datetime) -> tuple[Dispute, list[DisputeStep]]:
    steps = []
    while (outcome := dispute.on_clock(until)) is not None:
        dispute = outcome.dispute
        steps.append(outcome.step)
    return dispute, steps


FIRST_RULING = Ruling((refund_share("CRD", 3_000),), "Two of the three drafts were delivered late.")


def a_dispute(stage: str = "settlement_talks", deal: Deal | None = None, opener: int = BUYER,
              evidence_from: tuple[int, ...] = (BUYER, SELLER)) -> Dispute:
    """A dispute over `deal` (a 100.00 CRD logo deal by default) walked to `stage`."""
    deal = deal or a_deal("inspection")
    dispute = open_dispute(deal, opener, "quality", "The logo is blurry at small sizes",
                           "Half of the price back", OPENED).dispute
    if stage == "settlement_talks":
        return dispute
    dispute, _ = run_clock(dispute, TALKS_END)
    dispute = dispute.assign_arbitrator(chosen(ADA), TALKS_END + HOUR).dispute
    for party in evidence_from:
        dispute = dispute.submit_evidence(party, f"Statement of {party}", (a_file(),), TALKS_END + DAY).dispute
    if stage == "evidence":
        return dispute
    dispute, _ = run_clock(dispute, EVIDENCE_END)
    if stage == "awaiting_ruling":
        return dispute
    dispute = dispute.rule(ADA.arbitrator_id, FIRST_RULING, RULED_AT).dispute
    if stage == "ruled":
        return dispute
    dispute = dispute.lodge_appeal(SELLER, APPEALED_AT).dispute
    assert stage == "appealed", stage
    return dispute
