"""VerificationWorkflow on the real dev server with the real worker and PostgreSQL.

Reminders come after a second or two here (the policy is part of the workflow's input), so a
test sees the admins and then the business reminded in real time.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from temporalio.client import WithStartWorkflowOperation, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.worker import Replayer

from domain.evidence import EvidenceFile
from domain.ledger import member_account
from domain.verification import Act, Submission, VerificationPolicy
from integrations.db.app_models import Notification
from integrations.db.dispute_models import StaffAlertRow
from integrations.db.ledger import Ledger
from integrations.db.session import unit_of_work
from integrations.db.verification_models import VerificationEvent, VerificationRow
from tests.builders import a_business, a_staff_user
from workflows.names import VERIFICATION_UPDATE, VERIFICATION_WORKFLOW, verification_workflow_id
from workflows.verification import VerificationWorkflow
from workflows.verification_messages import (
    VerificationCommand,
    VerificationInput,
    VerificationReply,
    VerificationResult,
)
from workflows.worker import WORKFLOW_RUNNER

pytestmark = pytest.mark.usefixtures("deal_worker")
QUICK = VerificationPolicy(credit_line_minor=750_00, info_reminder_after_s=1, review_reminder_after_s=1)
SLOW = VerificationPolicy(info_reminder_after_s=3600, review_reminder_after_s=3600)
SUBMISSION = Submission("RCS 123 456 789", "1 rue de la Paix, Lyon", "Ada, manager",
                        (EvidenceFile("extract.pdf", "application/pdf", 1000, "e" * 64),))


@pytest.fixture(scope="module")
def admin(database_url: str) -> int:
    return a_staff_user(database_url, "admin").user_id


def unverified(database_url: str) -> tuple[int, int]:
    login = a_business(database_url, credit_line_minor=0, verified=False)
    return login.business_id, login.user_id


async def submit(client, business_id: int, user_id: int,
                 policy: VerificationPolicy) -> tuple[VerificationReply, WorkflowHandle]:
    """As the web does: start the case with the business's submission and wait for its answer."""
    start = WithStartWorkflowOperation(
        VERIFICATION_WORKFLOW, VerificationInput(business_id, policy), id=verification_workflow_id(business_id),
        task_queue="tradepact", id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE)
    reply = await client.execute_update_with_start_workflow(
        VERIFICATION_UPDATE, VerificationCommand(Act.SUBMIT, user_id, submission=SUBMISSION),
        start_workflow_operation=start, result_type=VerificationReply)
    return reply, await start.workflow_handle()


async def decide(handle: WorkflowHandle, user_id: int, act: Act, reason: str = "",
                 is_admin: bool = True) -> VerificationReply:
    return await handle.execute_update(VERIFICATION_UPDATE, VerificationCommand(act, user_id, is_admin, reason=reason),
                                       result_type=VerificationReply)


async def result(client, business_id: int) -> VerificationResult:
    return await client.get_workflow_handle(verification_workflow_id(business_id),
                                            result_type=VerificationResult).result()


async def eventually(read, timeout: float = 20.0):
    for _ in range(int(timeout * 10)):
        if found := read():
            return found
        await asyncio.sleep(0.1)
    raise AssertionError("not seen in time")


def kinds(database_url: str, business_id: int) -> list[str]:
    with unit_of_work(database_url) as session:
        return list(session.scalars(select(VerificationEvent.kind).where(VerificationEvent.business_id == business_id)
                                    .order_by(VerificationEvent.version)))


def alerts(database_url: str, business_id: int) -> list[str]:
    with unit_of_work(database_url) as session:
        return list(session.scalars(select(StaffAlertRow.subject).where(
            StaffAlertRow.dedupe_key.like(f"verification:{business_id}:%")).order_by(StaffAlertRow.id)))


def notices(database_url: str, business_id: int) -> list[str]:
    with unit_of_work(database_url) as session:
        return list(session.scalars(select(Notification.kind).where(Notification.business_id == business_id)
                                    .order_by(Notification.id)))


def credit_line(database_url: str, business_id: int) -> int | None:
    with unit_of_work(database_url) as session:
        return Ledger(session).balance(member_account(business_id, "CRD")).credit_limit


async def test_a_case_reminds_whoever_it_waits_on_and_approval_grants_the_credit_line(client, database_url, admin):
    business, owner = unverified(database_url)
    reply, handle = await submit(client, business, owner, QUICK)
    assert reply.status == "submitted"
    await eventually(lambda: "A verification has waited too long" in alerts(database_url, business))

    asked = await decide(handle, admin, Act.REQUEST_INFO, "a clearer scan of the ID")
    assert asked.status == "info_requested"
    await eventually(lambda: "verification_reminder" in notices(database_url, business))

    answered, _ = await submit(client, business, owner, QUICK)  # the running case takes the answer
    assert answered.status == "submitted"
    approved = await decide(handle, admin, Act.APPROVE)
    assert approved.status == "approved"
    assert await result(client, business) == VerificationResult(business, "approved")

    assert kinds(database_url, business) == ["submitted", "reminded", "info_requested", "reminded",
                                             "resubmitted", "approved"]
    assert notices(database_url, business) == ["verification_info", "verification_reminder",
                                               "verification_approved"]
    assert credit_line(database_url, business) == 750_00
    with unit_of_work(database_url) as session:
        row = session.get(VerificationRow, business)
        assert (row.status, row.registration_number, row.decided_by) == ("approved", "RCS 123 456 789", admin)
    await Replayer(workflows=[VerificationWorkflow], workflow_runner=WORKFLOW_RUNNER).replay_workflow(
        await handle.fetch_history())


async def test_a_refused_action_changes_nothing(client, database_url, admin):
    business, owner = unverified(database_url)
    _reply, handle = await submit(client, business, owner, SLOW)
    with pytest.raises(WorkflowUpdateFailedError) as by_member:
        await decide(handle, admin, Act.APPROVE, is_admin=False)
    assert "only an admin" in str(by_member.value.cause)
    with pytest.raises(WorkflowUpdateFailedError) as no_reason:
        await decide(handle, admin, Act.REJECT, reason="")
    assert "give the reason" in str(no_reason.value.cause)
    with pytest.raises(WorkflowUpdateFailedError) as twice:
        await submit(client, business, owner, SLOW)
    assert "nothing to submit" in str(twice.value.cause)
    assert kinds(database_url, business) == ["submitted"]
    assert credit_line(database_url, business) == 0


async def test_a_rejected_business_submits_again_into_a_fresh_case(client, database_url, admin):
    business, owner = unverified(database_url)
    _reply, handle = await submit(client, business, owner, SLOW)
    rejected = await decide(handle, admin, Act.REJECT, "the register shows another name")
    assert rejected.status == "rejected"
    assert await result(client, business) == VerificationResult(business, "rejected")
    again, fresh = await submit(client, business, owner, SLOW)
    assert again.status == "submitted" and fresh.result_run_id != handle.result_run_id
    assert credit_line(database_url, business) == 0
