"""Manual adjustments: two different people, one balanced transfer, decided once."""

from __future__ import annotations

import pytest

from domain.adjustments import Adjustment, AdjustmentStatus, SelfApproval, check_proposal
from domain.errors import InvalidInput, InvalidTransition, RuleViolation
from domain.ledger import Posting
from domain.money import credits, eur

ALICE, BOB = 7, 8


def a_proposal(**changes) -> Adjustment:
    values = dict(id=41, from_account="platform:fees:EUR", to_account="member:3:EUR", amount=eur(12_50),
                  reason="Fee charged twice on deal 9f2", proposed_by=ALICE)
    return Adjustment(**{**values, **changes})


def test_a_second_finance_user_approves_and_the_transfer_moves_the_amount_between_the_accounts():
    approved = a_proposal().approve(BOB)
    assert approved.status is AdjustmentStatus.APPROVED and approved.decided_by == BOB
    transfer = approved.transfer()
    assert transfer.transfer_id == "adjustment:41"
    assert transfer.postings == (Posting("platform:fees:EUR", eur(-12_50)), Posting("member:3:EUR", eur(12_50)))
    assert "Fee charged twice" in transfer.memo


def test_the_proposer_cannot_approve_their_own_adjustment():
    with pytest.raises(SelfApproval, match="second finance user") as refused:
        a_proposal().approve(ALICE)
    assert isinstance(refused.value, RuleViolation) and refused.value.code == "self_approval"


def test_the_proposer_may_withdraw_by_rejecting_and_a_decided_adjustment_stays_decided():
    rejected = a_proposal().reject(ALICE)
    assert rejected.status is AdjustmentStatus.REJECTED and rejected.decided_by == ALICE
    with pytest.raises(InvalidTransition, match="already rejected"):
        rejected.approve(BOB)
    with pytest.raises(InvalidTransition, match="already approved"):
        a_proposal().approve(BOB).reject(BOB)


@pytest.mark.parametrize(("changes", "field"), [
    (dict(from_account="member:3:credits"), "to_account"),
    (dict(amount=credits(0)), "amount"),
    (dict(amount=credits(-5)), "amount"),
    (dict(reason="   "), "reason"),
    (dict(reason="x" * 1001), "reason"),
    (dict(from_account="not an address"), "from_account"),
    (dict(to_account="member:"), "to_account"),
])
def test_proposals_no_one_could_approve_are_refused_with_the_field_at_fault(changes, field):
    proposal = {**dict(from_account="platform:fees:CRD", to_account="member:3:credits", amount=credits(5_00),
                       reason="Goodwill credit after outage"), **changes}
    with pytest.raises(InvalidInput) as refused:
        check_proposal(**proposal)
    assert refused.value.field == field


def test_a_well_formed_proposal_passes():
    check_proposal("deal:ab12cd:escrow:CRD", "member:3:credits", credits(1), "Release stuck escrow")
