"""Deciding a dispute: default loss, the assigned arbitrator's ruling, reassignment, the appeal."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.arbitration import Arbitrator, ArbitratorChoice, choose_appeal_arbitrator
from domain.dispute_errors import NotTheAssignedArbitrator, RulingDoesNotMatchEscrow
from domain.dispute_fees import FeeCharge
from domain.dispute_stages import DisputeStage
from domain.errors import AlreadyDone, DeadlinePassed, InvalidInput, InvalidTransition, NotADealParty
from domain.money import credits
from domain.rulings import Ruling, refund, refund_share, release
from domain.terms import Role
from tests.domain.builders import BUYER, SELLER, STRANGER, a_deal
from tests.domain.dispute_builders import (
    ADA,
    APPEAL_END,
    APPEALED_AT,
    BO,
    DAY,
    DI,
    EVE,
    EVIDENCE_END,
    FIRST_RULING,
    HOUR,
    PARTIES,
    RULED_AT,
    TALKS_END,
    a_dispute,
    barter_deal,
    chosen,
    run_clock,
)

RELEASE_ALL = Ruling((release("CRD"),), "The drafts meet every acceptance criterion.")


# ---- default loss ----------------------------------------------------------------------
def test_a_side_that_submitted_nothing_loses_by_default_and_the_ruling_says_so():
    dispute, steps = run_clock(a_dispute("evidence", evidence_from=(BUYER,)), EVIDENCE_END)
    assert steps[-1].kind == "lost_by_default"
    assert dispute.stage is DisputeStage.RULED and dispute.ruling.default_loser is Role.SELLER
    assert dispute.ruling.reasons == ("The seller submitted no evidence by the evidence deadline "
                                      "(2026-11-15 09:00 UTC) and loses by default.")
    assert dispute.ruling.allocations(dispute.held) == {"CRD": (credits(0), credits(100_00))}
    assert dispute.appeal_ends_at == EVIDENCE_END + 3 * DAY and dispute.current_assignment is None
    assert {n.business_id for n in steps[-1].notices} == {BUYER, SELLER}
    assert steps[-1].alerts[0].arbitrator_id == ADA.arbitrator_id  # told the case needs no ruling


def test_a_silent_buyer_loses_by_default_too_and_pays_the_fee_once_final():
    ruled, _ = run_clock(a_dispute("evidence", evidence_from=(SELLER,)), EVIDENCE_END)
    dispute, steps = run_clock(ruled, EVIDENCE_END + 3 * DAY)
    assert steps[-1].kind == "final" and dispute.stage is DisputeStage.FINAL
    assert dispute.final_ruling.allocations(dispute.held) == {"CRD": (credits(100_00), credits(0))}
    assert dispute.fee_charges() == (FeeCharge(Role.BUYER, credits(5_00)),)


def test_in_a_barter_deal_the_silent_side_forfeits_its_bond():
    dispute, _ = run_clock(a_dispute("evidence", deal=barter_deal(), evidence_from=(SELLER,)), EVIDENCE_END)
    assert dispute.ruling.forfeited_bonds() == (Role.BUYER,)
    assert dispute.ruling.describe(dispute.held) == ("50.00 CRD to the seller; the buyer's bond forfeited to "
                                                     "the seller; the seller's bond returned")


@pytest.mark.parametrize(("evidence_from", "how"), [
    ((BUYER, SELLER), "both sides submitted theirs"),
    ((), "neither side submitted any: the arbitrator rules on the deal's record"),
])
def test_when_both_or_neither_side_spoke_the_arbitrator_rules(evidence_from, how):
    dispute, steps = run_clock(a_dispute("evidence", evidence_from=evidence_from), EVIDENCE_END)
    assert dispute.stage is DisputeStage.AWAITING_RULING and dispute.ruling is None
    assert steps[-1].summary == f"Evidence closed; {how}. Ruling due 2026-11-20 09:00 UTC"
    assert dispute.ruling_due_at == EVIDENCE_END + 5 * DAY  # the SLA runs from the close of evidence


# ---- the assigned arbitrator rules -------------------------------------------------------
def test_the_assigned_arbitrator_rules_and_the_appeal_window_opens():
    outcome = a_dispute("awaiting_ruling").rule(ADA.arbitrator_id, FIRST_RULING, RULED_AT)
    ruled = outcome.dispute
    assert ruled.stage is DisputeStage.RULED and ruled.ruled_by == ADA.arbitrator_id
    assert ruled.appeal_ends_at == RULED_AT + 3 * DAY and ruled.final_ruling is None  # not final yet
    assert outcome.step.summary == "Ruling by Ada Byron: 70.00 CRD to the seller, 30.00 CRD back to the buyer"
    assert "appeal once, by 2026-11-18 10:00 UTC, for a fee of 5.00 CRD" in outcome.step.notices[0].body
    assert ruled.assignments[-1].ended_why == "ruled"


def test_a_ruling_by_anyone_but_the_assigned_arbitrator_is_refused():
    dispute = a_dispute("awaiting_ruling")
    for someone in (BO.arbitrator_id, BUYER, SELLER, STRANGER):
        with pytest.raises(NotTheAssignedArbitrator, match="only the arbitrator assigned") as refused:
            dispute.rule(someone, FIRST_RULING, RULED_AT)
        assert isinstance(refused.value, NotADealParty) and refused.value.code == "not_a_deal_party"


def test_no_ruling_while_evidence_is_open_and_none_that_does_not_match_the_escrow():
    with pytest.raises(InvalidTransition, match="the evidence window is open until 2026-11-15 09:00 UTC"):
        a_dispute("evidence").rule(ADA.arbitrator_id, FIRST_RULING, TALKS_END + 2 * DAY)
    dispute = a_dispute("awaiting_ruling")
    with pytest.raises(RulingDoesNotMatchEscrow, match="decide the CRD leg too"):
        dispute.rule(ADA.arbitrator_id, Ruling((), "No reasons needed?"), RULED_AT)
    with pytest.raises(InvalidInput, match="states its reasons"):
        dispute.rule(ADA.arbitrator_id, Ruling((refund("CRD"),), "  "), RULED_AT)
    with pytest.raises(InvalidInput, match="loss by default"):
        dispute.rule(ADA.arbitrator_id, Ruling((refund("CRD"),), "x", default_loser=Role.SELLER), RULED_AT)
    assert dispute.rule(ADA.arbitrator_id, RELEASE_ALL, RULED_AT).dispute.stage is DisputeStage.RULED


def test_one_arbitrator_at_a_time():
    with pytest.raises(AlreadyDone, match="Ada Byron is assigned; reassign the case first"):
        a_dispute("evidence").assign_arbitrator(chosen(BO), TALKS_END + DAY)
    with pytest.raises(InvalidTransition, match="while the dispute is in settlement talks"):
        a_dispute().assign_arbitrator(chosen(BO), TALKS_END - DAY)


# ---- the ruling SLA and reassignment -------------------------------------------------------
def test_past_the_sla_the_case_is_reassigned_the_operator_told_and_the_old_arbitrator_refused():
    dispute, steps = run_clock(a_dispute("awaiting_ruling"), EVIDENCE_END + 5 * DAY)
    escalated = steps[-1]
    assert escalated.kind == "escalated"
    assert escalated.summary.startswith("Ada Byron was taken off the case (no ruling within the ruling SLA)")
    assert [a.arbitrator_id for a in escalated.alerts] == [ADA.arbitrator_id, None]  # Ada, then the operators
    assert dispute.needs_arbitrator and dispute.not_again == (ADA.arbitrator_id,)
    assert dispute.next_alarm_at() is None  # no SLA runs without an arbitrator
    with pytest.raises(NotTheAssignedArbitrator, match=r"taken off this case on .* \(no ruling within the ruling SLA\)"):
        dispute.rule(ADA.arbitrator_id, FIRST_RULING, EVIDENCE_END + 5 * DAY + HOUR)
    with pytest.raises(InvalidTransition, match="Ada Byron was already taken off this case"):
        dispute.assign_arbitrator(chosen(ADA), EVIDENCE_END + 5 * DAY)
    later = EVIDENCE_END + 6 * DAY
    reassigned = dispute.assign_arbitrator(chosen(BO), later).dispute
    assert reassigned.ruling_due_at == later + 5 * DAY  # a fresh, full SLA
    assert reassigned.rule(BO.arbitrator_id, FIRST_RULING, later + DAY).dispute.stage is DisputeStage.RULED


def test_an_operator_may_take_an_arbitrator_off_a_case():
    outcome = a_dispute("awaiting_ruling").reassign(EVIDENCE_END + DAY, "arbitrator on sick leave", operator_id=900)
    assert outcome.step.actor_id == 900 and outcome.dispute.current_assignment is None
    assert outcome.dispute.assignments[-1].ended_why == "arbitrator on sick leave"
    with pytest.raises(InvalidTransition, match="no arbitrator is assigned"):
        outcome.dispute.reassign(EVIDENCE_END + DAY, "again", operator_id=900)
    with pytest.raises(InvalidInput, match="say why"):
        a_dispute("awaiting_ruling").reassign(EVIDENCE_END + DAY, " ")


def test_no_arbitrator_by_the_sla_alerts_the_operators():
    unassigned = a_dispute("awaiting_ruling").reassign(EVIDENCE_END, "conflict found", operator_id=900).dispute
    assert unassigned.ruling_due_at is None and unassigned.needs_arbitrator
    closed, _ = run_clock(a_dispute("evidence", evidence_from=()).reassign(TALKS_END + DAY, "conflict").dispute,
                          EVIDENCE_END)
    assert closed.stage is DisputeStage.AWAITING_RULING and closed.ruling_due_at == EVIDENCE_END + 5 * DAY
    _, steps = run_clock(closed, EVIDENCE_END + 5 * DAY)
    assert [s.kind for s in steps] == ["reminder", "reminder", "escalated"]
    assert steps[0].alerts[0].subject.startswith("No arbitrator yet")
    assert steps[-1].alerts[0].arbitrator_id is None and "No arbitrator was assigned" in steps[-1].summary


# ---- the appeal ------------------------------------------------------------------------
def test_either_side_may_appeal_once_within_three_days_paying_the_fee():
    outcome = a_dispute("ruled").lodge_appeal(SELLER, APPEALED_AT)
    appealed = outcome.dispute
    assert appealed.stage is DisputeStage.APPEALED and appealed.appeal.fee == (credits(5_00),)
    assert outcome.step.summary == "The seller appealed the ruling (fee 5.00 CRD)"
    assert outcome.step.alerts[0].arbitrator_id is None  # the operators find a senior arbitrator
    with pytest.raises(AlreadyDone, match="already appealed once"):
        appealed.lodge_appeal(BUYER, APPEALED_AT)
    assert a_dispute("ruled").lodge_appeal(BUYER, APPEALED_AT).dispute.appeal.by == BUYER


def test_an_appeal_out_of_time_or_by_a_stranger_is_refused():
    ruled = a_dispute("ruled")
    with pytest.raises(DeadlinePassed, match="the appeal window closed on 2026-11-18 10:00 UTC"):
        ruled.lodge_appeal(SELLER, APPEAL_END)  # the clock has not fired yet
    final, _ = run_clock(ruled, APPEAL_END)
    assert final.stage is DisputeStage.FINAL and final.final_ruling == FIRST_RULING
    with pytest.raises(DeadlinePassed, match="the ruling is final"):
        final.lodge_appeal(SELLER, APPEAL_END + HOUR)
    with pytest.raises(NotADealParty):
        ruled.lodge_appeal(STRANGER, APPEALED_AT)
    with pytest.raises(InvalidTransition, match="awaiting a ruling"):
        a_dispute("awaiting_ruling").lodge_appeal(SELLER, RULED_AT)


def test_the_appeal_goes_to_a_senior_arbitrator_who_had_no_part_in_the_first_round():
    appealed = a_dispute("appealed")
    assert appealed.needs_arbitrator and appealed.first_round_arbitrators == (ADA.arbitrator_id,)
    with pytest.raises(InvalidTransition, match="senior arbitrator"):
        appealed.assign_arbitrator(chosen(BO), APPEALED_AT)
    senior_ada = ArbitratorChoice(Arbitrator(ADA.arbitrator_id, ADA.name, is_senior=True), "promoted since")
    with pytest.raises(InvalidTransition, match="worked on the first ruling"):
        appealed.assign_arbitrator(senior_ada, APPEALED_AT)
    choice = choose_appeal_arbitrator((ADA, BO, DI, EVE), PARTIES, 7, appealed.first_round_arbitrators)
    assert choice.arbitrator == DI
    assigned = appealed.assign_arbitrator(choice, APPEALED_AT).dispute
    assert assigned.current_assignment.for_appeal and assigned.ruling_due_at == APPEALED_AT + 5 * DAY
    with pytest.raises(NotTheAssignedArbitrator, match=r"taken off this case .*\(ruled\)"):
        assigned.rule(ADA.arbitrator_id, RELEASE_ALL, APPEALED_AT + DAY)


def test_a_successful_appeal_is_final_and_the_appellant_gets_the_fee_back():
    appealed = a_dispute("appealed").assign_arbitrator(chosen(DI), APPEALED_AT).dispute
    outcome = appealed.rule(DI.arbitrator_id, RELEASE_ALL, APPEALED_AT + DAY)
    final = outcome.dispute
    assert final.stage is DisputeStage.FINAL and final.final_ruling == RELEASE_ALL
    assert final.appeal.succeeded is True
    assert outcome.step.summary == ("Appeal ruling by Di Okafor, final: 100.00 CRD to the seller; the seller's "
                                    "appeal succeeded, and the appeal fee of 5.00 CRD is refunded")
    assert final.fee_charges() == (FeeCharge(Role.BUYER, credits(5_00)),)  # the buyer lost in the end
    assert final.next_alarm_at() is None


def test_an_appeal_that_changes_nothing_keeps_the_fee_and_the_first_ruling_stands():
    appealed = a_dispute("appealed").assign_arbitrator(chosen(DI), APPEALED_AT).dispute
    final = appealed.rule(DI.arbitrator_id, FIRST_RULING, APPEALED_AT + DAY).dispute
    assert final.appeal.succeeded is False and final.final_ruling == FIRST_RULING
    # 30 % refunded: the buyer pays 70 % of the 5.00 fee (rounded half up), the seller the rest.
    assert final.fee_charges() == (FeeCharge(Role.BUYER, credits(3_50)), FeeCharge(Role.SELLER, credits(1_50)))
    with pytest.raises(InvalidTransition, match="decided for good"):
        final.assign_arbitrator(chosen(EVE), APPEALED_AT + 2 * DAY)


def test_a_senior_arbitrator_who_misses_the_appeal_sla_is_replaced_by_another_senior():
    appealed = a_dispute("appealed").assign_arbitrator(chosen(DI), APPEALED_AT).dispute
    dispute, steps = run_clock(appealed, APPEALED_AT + 5 * DAY)
    assert steps[-1].kind == "escalated" and dispute.not_again == (DI.arbitrator_id,)
    choice = choose_appeal_arbitrator((ADA, DI, EVE), PARTIES, 1, dispute.first_round_arbitrators, dispute.not_again)
    assert choice.arbitrator == EVE
    final = dispute.assign_arbitrator(choice, APPEALED_AT + 5 * DAY).dispute.rule(
        EVE.arbitrator_id, Ruling((refund_share("CRD", 3_000),), "Upheld."), APPEALED_AT + 6 * DAY).dispute
    assert final.stage is DisputeStage.FINAL


@settings(max_examples=60, deadline=None)
@given(st.integers(1_01, 10**9), st.integers(0, 10_000), st.integers(0, 10_000), st.booleans())
def test_whatever_the_path_the_final_ruling_and_the_fee_account_for_every_minor_unit(price, first, second, appeal):
    dispute = a_dispute("awaiting_ruling", deal=a_deal("inspection", price_minor=price))
    dispute = dispute.rule(ADA.arbitrator_id, Ruling((refund_share("CRD", first),), "First."), RULED_AT).dispute
    if appeal:
        dispute = dispute.lodge_appeal(BUYER, APPEALED_AT).dispute.assign_arbitrator(chosen(DI), APPEALED_AT).dispute
        dispute = dispute.rule(DI.arbitrator_id, Ruling((refund_share("CRD", second),), "On appeal."),
                               APPEALED_AT + DAY).dispute
    else:
        dispute, _ = run_clock(dispute, APPEAL_END)
    assert dispute.stage is DisputeStage.FINAL
    (to_seller, to_buyer), = dispute.final_ruling.allocations(dispute.held).values()
    assert to_seller + to_buyer == credits(price)
    fee = sum((c.amount for c in dispute.fee_charges()), credits(0))
    assert fee == dispute.policy.fee.fee_for(credits(price))
