"""Verification (KYB) rules: who may do what when, what each step tells whom, reminders once
per wait, and the small-deal limit of unverified businesses."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.dispute_errors import EvidenceRefused
from domain.errors import InvalidInput, InvalidTransition, NotADealParty, RuleViolation
from domain.evidence import MB, EvidenceFile
from domain.money import credits, eur
from domain.verification import (
    Act,
    Status,
    Submission,
    Verification,
    VerificationPolicy,
    VerificationRequired,
    check_deal_size,
)

NOW = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
PDF = EvidenceFile("extract.pdf", "application/pdf", 20_000, "a" * 64)


def a_submission(**changes) -> Submission:
    values = dict(registration_number="RCS 123 456 789", address="1 rue de la Paix, Lyon",
                  representative="Ada Lovelace, manager", documents=(PDF,))
    return Submission(**{**values, **changes})


def submitted() -> Verification:
    return Verification(7).submit(a_submission(), NOW).verification


def test_a_submission_waits_for_an_admin_and_alerts_the_admins():
    step = Verification(7).submit(a_submission(), NOW)
    assert step.verification.status is Status.SUBMITTED and step.verification.waiting_since == NOW
    assert [(n.to, n.kind) for n in step.notices] == [("admins", "verification_waiting")]
    assert step.key == "verification:7:v1"


@pytest.mark.parametrize("field", ["registration_number", "address", "representative"])
def test_each_identity_field_is_required(field):
    with pytest.raises(InvalidInput) as refused:
        Verification(7).submit(a_submission(**{field: "  "}), NOW)
    assert refused.value.field == field


@pytest.mark.parametrize("document, why", [
    (EvidenceFile("a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  1000, "b" * 64), "not accepted"),
    (EvidenceFile("big.pdf", "application/pdf", 11 * MB, "c" * 64), "limited to 10 MB"),
    (EvidenceFile("x.txt", "text/plain", 10, "d" * 64), "not accepted"),
])
def test_documents_of_a_refused_type_or_size_are_refused_with_the_reason(document, why):
    with pytest.raises(EvidenceRefused, match=why):
        Verification(7).submit(a_submission(documents=(document,)), NOW)


def test_a_submission_needs_a_document():
    with pytest.raises(EvidenceRefused, match="at least one document"):
        Verification(7).submit(a_submission(documents=()), NOW)


def test_approval_tells_the_business_and_ends_the_case():
    step = submitted().approve(admin_id=99, now=NOW)
    assert step.verification.verified and step.verification.finished and step.verification.decided_by == 99
    assert [(n.to, n.kind) for n in step.notices] == [("business", "verification_approved")]
    assert "500.00 CRD" in step.notices[0].body


def test_rejection_needs_a_reason_and_allows_a_new_submission():
    with pytest.raises(InvalidInput) as missing:
        submitted().reject(99, " ", NOW)
    assert missing.value.field == "reason"
    rejected = submitted().reject(99, "the register shows another name", NOW).verification
    assert rejected.status is Status.REJECTED and rejected.reason == "the register shows another name"
    assert rejected.submit(a_submission(), NOW).verification.status is Status.SUBMITTED


def test_asking_for_more_waits_on_the_business_and_its_answer_goes_back_to_review():
    asked = submitted().request_info(99, "a clearer scan of the ID", NOW)
    assert asked.verification.status is Status.INFO_REQUESTED
    assert asked.notices[0].to == "business" and "a clearer scan" in asked.notices[0].body
    answered = asked.verification.submit(a_submission(note="here it is"), NOW + dt.timedelta(hours=2))
    assert answered.event == "resubmitted" and answered.verification.status is Status.SUBMITTED
    assert answered.verification.reason == ""


def test_only_admins_decide_and_only_the_business_submits():
    with pytest.raises(NotADealParty):
        submitted().check(Act.APPROVE, is_admin=False)
    with pytest.raises(NotADealParty):
        Verification(7).check(Act.SUBMIT, is_admin=True)


@pytest.mark.parametrize("action", ["approve", "reject", "request_info"])
def test_nothing_is_decided_before_a_submission_or_after_approval(action):
    approved = submitted().approve(99, NOW).verification
    for case in (Verification(7), approved):
        with pytest.raises(InvalidTransition, match="waits for review"):
            if action == "approve":
                case.approve(99, NOW)
            elif action == "reject":
                case.reject(99, "no", NOW)
            else:
                case.request_info(99, "more", NOW)
    with pytest.raises(InvalidTransition):
        approved.submit(a_submission(), NOW)


def test_a_waiting_case_reminds_the_admins_once_per_wait():
    policy = VerificationPolicy(review_reminder_after_s=2 * 86_400)
    case = Verification(7, policy=policy).submit(a_submission(), NOW).verification
    assert case.reminder_due_at() == NOW + dt.timedelta(days=2)
    with pytest.raises(InvalidTransition):
        case.remind(NOW + dt.timedelta(days=1))
    reminded = case.remind(NOW + dt.timedelta(days=2))
    assert [(n.to, n.kind) for n in reminded.notices] == [("admins", "verification_waiting")]
    assert reminded.verification.reminder_due_at() is None  # once per wait


def test_a_question_left_unanswered_reminds_the_business():
    asked = submitted().request_info(99, "the ID, please", NOW).verification
    assert asked.reminder_due_at() == NOW + dt.timedelta(days=3)
    reminded = asked.remind(NOW + dt.timedelta(days=3))
    assert reminded.notices[0].to == "business" and "the ID, please" in reminded.notices[0].body
    # Answering starts a new wait, with its own reminder.
    again = reminded.verification.submit(a_submission(), NOW + dt.timedelta(days=4)).verification
    assert again.reminder_due_at() == NOW + dt.timedelta(days=6)


def test_unverified_parties_trade_only_small_deals():
    policy = VerificationPolicy(unverified_deal_limit_minor=250_00)
    check_deal_size((credits(250_00), eur(250_00)), ("your business",), policy)  # at the limit
    check_deal_size((credits(900_00),), (), policy)  # both verified
    with pytest.raises(VerificationRequired, match="250.00 CRD.*your business is not verified") as refused:
        check_deal_size((credits(250_01),), ("your business",), policy)
    assert isinstance(refused.value, RuleViolation)  # a 409
    with pytest.raises(VerificationRequired, match="Ada and Ben are not verified"):
        check_deal_size((eur(300_00),), ("Ada", "Ben"), policy)
