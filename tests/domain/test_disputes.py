"""Disputes: opened by a party while a delivery is inspected; settlement talks; evidence."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import pytest

from domain.dispute_errors import (
    EvidenceRefused,
    NoArbitratorAvailable,
    NotTheAssignedArbitrator,
    RulingDoesNotMatchEscrow,
)
from domain.dispute_opening import open_dispute
from domain.dispute_stages import DisputeAction, DisputeReason, DisputeStage
from domain.errors import (
    ERRORS_BY_CODE,
    AlreadyDone,
    DeadlinePassed,
    InvalidInput,
    InvalidTransition,
    NotADealParty,
)
from domain.money import credits
from domain.rulings import Held, Ruling, refund, refund_share, release, split
from domain.terms import Leg, Role
from tests.domain.builders import BUYER, NOW, SELLER, STRANGER, a_deal
from tests.domain.dispute_builders import (
    ADA,
    DAY,
    HOUR,
    OPENED,
    TALKS_END,
    a_dispute,
    a_file,
    barter_deal,
    eur,
    hybrid_deal_in_inspection,
    run_clock,
)

HALF_BACK = Ruling((refund_share("CRD", 5_000),), "Happy to meet halfway.")


def open_on(deal, opener=BUYER, at=OPENED, **kwargs):
    return open_dispute(deal, opener, kwargs.pop("reason", DisputeReason.NOT_AS_DESCRIBED),
                        "The drafts ignore the brief", "A full refund", at, **kwargs)


# ---- opening ---------------------------------------------------------------------------
def test_the_buyer_opens_a_dispute_while_inspecting_and_settlement_talks_start():
    outcome = open_on(a_deal("inspection"))
    dispute = outcome.dispute
    assert dispute.stage is DisputeStage.SETTLEMENT_TALKS and dispute.opened_by == BUYER
    assert dispute.reason is DisputeReason.NOT_AS_DESCRIBED and dispute.asked_for == "A full refund"
    assert dispute.held == Held((Leg(Role.BUYER, credits(100_00)),))
    assert dispute.settlement_ends_at == OPENED + 5 * DAY
    assert dispute.deadlines() == {"settlement talks end": OPENED + 5 * DAY}
    assert outcome.step.seq == 1 and dispute.version == 1
    assert outcome.step.summary == ("The buyer opened a dispute: Not as described / fails the acceptance "
                                    "criteria; asks for: A full refund")
    (notice,) = outcome.step.notices
    assert notice.business_id == SELLER and notice.subject == "Dispute opened — Logo design"
    assert "The drafts ignore the brief" in notice.body and "2026-11-08 09:00 UTC" in notice.body


def test_the_seller_may_open_one_too():
    assert open_on(a_deal("inspection"), opener=SELLER).dispute.opened_by == SELLER


def test_a_barter_deal_may_be_disputed_while_either_delivery_is_inspected():
    one_delivered = barter_deal(both_delivered=False)
    assert open_on(one_delivered, opener=SELLER).dispute.held.bonds_posted == (Role.BUYER, Role.SELLER)
    assert open_on(barter_deal()).dispute.stage is DisputeStage.SETTLEMENT_TALKS


def test_a_stranger_may_not_open_a_dispute():
    with pytest.raises(NotADealParty, match="only the two parties"):
        open_on(a_deal("inspection"), opener=STRANGER)


def test_a_deal_is_disputed_once():
    deal = a_deal("inspection")
    first = open_on(deal).dispute
    with pytest.raises(AlreadyDone, match="already disputed on 2026-11-03 09:00 UTC"):
        open_on(deal, opener=SELLER, previous=first)


@pytest.mark.parametrize("stage", ["proposed", "funding", "in_delivery"])
def test_a_deal_without_a_delivery_under_inspection_cannot_be_disputed(stage):
    with pytest.raises(InvalidTransition, match="only while a delivery is being inspected"):
        open_on(a_deal(stage))


def test_after_the_inspection_window_only_the_platform_can_reopen():
    with pytest.raises(DeadlinePassed, match="closed on 2026-11-09 09:00 UTC"):
        open_on(a_deal("inspection"), at=NOW + 7 * DAY)  # the clock has not fired yet: still refused
    with pytest.raises(DeadlinePassed, match="only the platform can reopen"):
        open_on(a_deal("rating"))


@pytest.mark.parametrize(("reason", "details", "asked_for", "field"), [
    ("bad vibes", "x", "y", "reason"),
    (DisputeReason.LATE, "  ", "y", "details"),
    (DisputeReason.LATE, "x", "", "asked_for"),
    (DisputeReason.LATE, "x" * 5_001, "y", "details"),
])
def test_a_dispute_needs_a_listed_reason_an_account_and_the_outcome_asked_for(reason, details, asked_for, field):
    with pytest.raises(InvalidInput) as refused:
        open_dispute(a_deal("inspection"), BUYER, reason, details, asked_for, OPENED)
    assert refused.value.field == field


# ---- settlement talks --------------------------------------------------------------------
def test_offers_go_back_and_forth_and_an_accepted_one_settles_the_dispute():
    dispute = a_dispute()
    offered = dispute.offer_settlement(SELLER, Ruling((refund_share("CRD", 2_000),), "A fifth back."), OPENED + HOUR)
    assert offered.step.summary == "The seller offers settlement #1: 80.00 CRD to the seller, 20.00 CRD back to the buyer"
    assert offered.step.notices[0].business_id == BUYER
    countered = offered.dispute.offer_settlement(BUYER, HALF_BACK, OPENED + 2 * HOUR)
    assert countered.step.summary.startswith("The buyer counters with settlement #2")
    accepted = countered.dispute.accept_settlement(SELLER, 2, OPENED + 3 * HOUR)
    settled = accepted.dispute
    assert settled.stage is DisputeStage.SETTLED and settled.is_closed
    assert settled.final_ruling.allocations(settled.held) == {"CRD": (credits(50_00), credits(50_00))}
    assert settled.final_ruling.reasons.startswith("Settled by agreement: the buyer's offer #2 was accepted by the seller.")
    assert {n.business_id for n in accepted.step.notices} == {BUYER, SELLER}
    assert settled.fee_charges() == ()  # settling early costs nothing
    assert settled.next_alarm_at() is None


def test_refund_30_percent_of_the_cash_and_50_percent_of_the_credits_as_a_settlement():
    dispute = open_on(hybrid_deal_in_inspection()).dispute
    offer = Ruling((refund_share("EUR", 3_000), refund_share("CRD", 5_000)), "Partial refund on both.")
    settled = dispute.offer_settlement(SELLER, offer, OPENED).dispute.accept_settlement(BUYER, 1, OPENED).dispute
    assert settled.final_ruling.allocations(settled.held) == {
        "EUR": (eur(42_00), eur(18_00)), "CRD": (credits(20_00), credits(20_00))}


def test_only_the_other_side_accepts_and_only_the_live_offer():
    dispute = a_dispute()
    with pytest.raises(InvalidTransition, match="no settlement offer to accept"):
        dispute.accept_settlement(SELLER, 1, OPENED)
    offered = dispute.offer_settlement(SELLER, HALF_BACK, OPENED).dispute
    with pytest.raises(NotADealParty, match="you made this offer"):
        offered.accept_settlement(SELLER, 1, OPENED)
    with pytest.raises(NotADealParty):
        offered.accept_settlement(STRANGER, 1, OPENED)
    revised = offered.offer_settlement(SELLER, Ruling((refund_share("CRD", 4_000),), "Final offer."), OPENED).dispute
    with pytest.raises(InvalidTransition, match="offer #1 was replaced by offer #2"):
        revised.accept_settlement(BUYER, 1, OPENED)  # a page still showing the first offer
    countered = offered.offer_settlement(BUYER, Ruling((refund("CRD"),), "All of it."), OPENED).dispute
    with pytest.raises(InvalidTransition, match="offer #1 was replaced by offer #2"):
        countered.accept_settlement(BUYER, 1, OPENED)  # countering took the first offer off the table


def test_an_offer_that_does_not_match_the_escrow_is_refused_and_nothing_is_recorded():
    dispute = a_dispute()
    with pytest.raises(InvalidInput, match="cannot declare a loss by default"):
        dispute.offer_settlement(BUYER, Ruling((refund("CRD"),), "x", default_loser=Role.SELLER), OPENED)
    with pytest.raises(RulingDoesNotMatchEscrow, match="nothing is held in EUR"):
        dispute.offer_settlement(BUYER, Ruling((refund("EUR"),), "x"), OPENED)
    with pytest.raises(RulingDoesNotMatchEscrow, match="but 100.00 CRD is held"):
        dispute.offer_settlement(BUYER, Ruling((split(credits(10_00), credits(10_00)),), "x"), OPENED)
    assert dispute.offers == () and dispute.version == 1


def test_offers_only_during_the_settlement_window():
    dispute = a_dispute()
    with pytest.raises(DeadlinePassed, match="settlement talks ended on 2026-11-08 09:00 UTC"):
        dispute.offer_settlement(BUYER, HALF_BACK, TALKS_END)  # before the clock moved it on
    offered = dispute.offer_settlement(SELLER, HALF_BACK, OPENED).dispute
    with pytest.raises(DeadlinePassed):
        offered.accept_settlement(BUYER, 1, TALKS_END + HOUR)
    in_evidence, _ = run_clock(offered, TALKS_END)
    assert in_evidence.stage is DisputeStage.EVIDENCE and in_evidence.live_offer is None
    with pytest.raises(DeadlinePassed, match="settlement talks ended"):
        in_evidence.accept_settlement(BUYER, 1, TALKS_END + HOUR)


# ---- withdrawal ------------------------------------------------------------------------
def test_the_opener_may_withdraw_until_a_ruling_and_the_deal_goes_on():
    outcome = a_dispute("evidence").withdraw(BUYER, TALKS_END + 2 * DAY, "We sorted it out by phone")
    withdrawn = outcome.dispute
    assert withdrawn.stage is DisputeStage.WITHDRAWN and withdrawn.final_ruling is None
    assert withdrawn.fee_charges() == () and withdrawn.current_assignment is None
    assert outcome.step.summary == "The buyer withdrew the dispute: We sorted it out by phone"
    assert outcome.step.alerts[0].arbitrator_id == ADA.arbitrator_id
    with pytest.raises(NotADealParty, match="only the party that opened the dispute"):
        a_dispute().withdraw(SELLER, OPENED)
    with pytest.raises(InvalidInput, match="limited to 2000 characters"):
        a_dispute().withdraw(BUYER, OPENED, "x" * 2_001)
    with pytest.raises(InvalidTransition, match="while the dispute is ruled and open to appeal"):
        a_dispute("ruled").withdraw(BUYER, TALKS_END + 8 * DAY)


# ---- evidence --------------------------------------------------------------------------
def test_each_side_submits_statements_and_files_during_the_evidence_window():
    dispute = a_dispute("evidence", evidence_from=())
    outcome = dispute.submit_evidence(SELLER, "All three drafts were sent on time.",
                                      (a_file(name="sent-mail.pdf", content_type="application/pdf"), a_file()),
                                      TALKS_END + 2 * DAY)
    (evidence,) = outcome.dispute.evidence
    assert evidence.submitted_by == SELLER and evidence.files[0].sha256 == "ab" * 32
    assert outcome.step.summary == ("The seller submitted evidence: a statement and 2 files "
                                    "(sent-mail.pdf, logo-draft.png)")
    assert outcome.step.notices[0].business_id == BUYER
    assert outcome.step.alerts[0].arbitrator_id == ADA.arbitrator_id
    assert outcome.dispute.has_submitted(SELLER) and not outcome.dispute.has_submitted(BUYER)
    plain = a_file(name="notes.txt", content_type="Text/Plain; charset=utf-8")
    file_only = dispute.submit_evidence(BUYER, "", (plain,), TALKS_END + DAY)
    assert file_only.dispute.evidence[0].files == (plain,)
    assert file_only.step.summary == "The buyer submitted evidence: 1 file (notes.txt)"
    statement_only = dispute.submit_evidence(BUYER, " The logo was late. ", (), TALKS_END + DAY)
    assert statement_only.step.summary == "The buyer submitted evidence: a statement"
    assert statement_only.dispute.evidence[0].statement == "The logo was late."


@pytest.mark.parametrize(("statement", "files", "message"), [
    ("", (), "a statement, a file, or both"),
    ("x" * 10_001, (), "limited to 10,000 characters"),
    ("x", (a_file(),) * 11, "at most 10 files"),
    ("x", (a_file(size_bytes=30 * 1024 * 1024),), r"logo-draft.png is 30.0 MB; files are limited to 25 MB"),
    ("x", (a_file(size_bytes=0),), "is empty"),
    ("x", (a_file(name="page.html", content_type="text/html"),), "files of type text/html are not accepted"),
    ("x", (a_file(content_type="image/svg+xml"),), "image/svg\\+xml are not accepted"),
    ("x", (a_file(content_type="application/zip"),), "not accepted"),
    ("x", (a_file(name="../etc/passwd"),), "not a usable file name"),
    ("x", (a_file(name=""),), "not a usable file name"),
    ("x", (a_file(sha256="not-a-hash"),), "64 lowercase hex digits"),
    ("x", (a_file(), a_file(sha256="AB" * 32)), "64 lowercase hex digits"),
])
def test_bad_evidence_is_refused_with_the_reason_and_nothing_is_stored(statement, files, message):
    dispute = a_dispute("evidence", evidence_from=())
    with pytest.raises(EvidenceRefused, match=message) as refused:
        dispute.submit_evidence(BUYER, statement, files, TALKS_END + DAY)
    assert isinstance(refused.value, InvalidInput) and refused.value.field in ("statement", "files")
    assert dispute.evidence == ()


def test_evidence_only_inside_its_window():
    with pytest.raises(InvalidTransition, match="evidence opens when settlement talks end, on 2026-11-08"):
        a_dispute().submit_evidence(BUYER, "x", (), OPENED)
    in_evidence = a_dispute("evidence", evidence_from=(BUYER,))
    late = in_evidence.evidence_ends_at
    with pytest.raises(DeadlinePassed, match="the evidence deadline passed on 2026-11-15 09:00 UTC"):
        in_evidence.submit_evidence(SELLER, "x", (), late)  # the clock has not fired yet
    closed, _ = run_clock(in_evidence, late)
    with pytest.raises(DeadlinePassed, match="the evidence deadline passed"):
        closed.submit_evidence(SELLER, "x", (), late + HOUR)
    with pytest.raises(NotADealParty):
        in_evidence.submit_evidence(STRANGER, "I saw it all", (), TALKS_END + DAY)


# ---- what the parties are offered, and how refusals reach the web ------------------------------
def test_the_page_offers_exactly_the_actions_allowed_now():
    dispute = a_dispute()
    assert dispute.allowed_actions(BUYER, OPENED) == (DisputeAction.OFFER_SETTLEMENT, DisputeAction.WITHDRAW)
    assert dispute.allowed_actions(SELLER, OPENED) == (DisputeAction.OFFER_SETTLEMENT,)
    offered = dispute.offer_settlement(BUYER, HALF_BACK, OPENED).dispute
    assert DisputeAction.ACCEPT_SETTLEMENT in offered.allowed_actions(SELLER, OPENED)
    assert offered.allowed_actions(STRANGER, OPENED) == ()
    assert a_dispute("ruled").allowed_actions(SELLER, TALKS_END + 8 * DAY) == (DisputeAction.APPEAL,)


@pytest.mark.parametrize("error", [RulingDoesNotMatchEscrow, EvidenceRefused, NotTheAssignedArbitrator,
                                   NoArbitratorAvailable])
def test_dispute_refusals_cross_temporal_as_the_rule_they_specialise(error):
    """The web rebuilds a refusal from ERRORS_BY_CODE: the class found must be a parent (same status)."""
    assert issubclass(error, ERRORS_BY_CODE[error.code])
    assert error.__doc__


def test_a_dispute_is_immutable():
    dispute = a_dispute()
    with pytest.raises(dataclasses.FrozenInstanceError):
        dispute.stage = DisputeStage.SETTLED  # type: ignore[misc]
    before = replace(dispute)
    dispute.offer_settlement(SELLER, Ruling((release("CRD"),), "Take it all"), OPENED)
    assert dispute == before
