"""DisputeWorkflow: one durable child workflow per disputed deal (id `dispute-{deal_id}`).

Like the deal, it holds the domain `Dispute` and nothing else, and its run loop reads as the
case's story: record the opening, then — until the case is closed — give it an arbitrator when
it needs one, sleep until the next deadline or action, and let the domain fire what is due.
Every user action is the `act` Update, whose validator runs the domain rule, so a refused
action writes nothing. It returns the final (or agreed) ruling to the deal, which moves the
money; this workflow never touches money.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.deal import STEP_RETRY, domain_refusal, refusal

with workflow.unsafe.imports_passed_through():
    from domain.arbitration import choose_appeal_arbitrator, choose_arbitrator
    from domain.dispute_decisions import no_arbitrator_available
    from domain.dispute_errors import NoArbitratorAvailable
    from domain.dispute_fees import FeeCharge
    from domain.dispute_stages import DisputeAction, DisputeStage
    from domain.disputes import Dispute, DisputeOutcome
    from domain.errors import TradepactError
    from workflows.dispute_messages import (
        ArbitratorPool,
        ArbitratorPoolRequest,
        DisputeCommand,
        DisputeInput,
        DisputeReply,
        DisputeResult,
        DisputeStepRecord,
    )
    from workflows.names import (
        DISPUTE_QUERY,
        DISPUTE_UPDATE,
        DISPUTE_WORKFLOW,
        LOAD_ARBITRATORS_ACTIVITY,
        RECORD_DISPUTE_STEP_ACTIVITY,
    )

A = DisputeAction
# When no arbitrator is free of a conflict, look again this often (an operator may add one).
POOL_RETRY = timedelta(hours=1)


@workflow.defn(name=DISPUTE_WORKFLOW)
class DisputeWorkflow:
    def __init__(self) -> None:
        self._dispute: Dispute | None = None
        self._lock = asyncio.Lock()
        self._changes = 0
        self._retry_pool_at: datetime | None = None  # no arbitrator was free: look again then
        self._alerted_round: tuple[str, int] | None = None

    @workflow.run
    async def run(self, start: DisputeInput) -> DisputeResult:
        async with self._lock:
            await self._record(DisputeOutcome(start.dispute, start.opened))
        while not self.dispute.is_closed:
            async with self._lock:
                await self._assign_if_needed()
            await self._sleep_until_next_alarm()
            async with self._lock:
                while (outcome := self.dispute.on_clock(workflow.now())) is not None:
                    await self._record(outcome)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._result()

    @property
    def dispute(self) -> Dispute:
        assert self._dispute is not None, "the dispute is recorded before any handler runs"
        return self._dispute

    # ---- arbitrators ------------------------------------------------------------------------
    async def _assign_if_needed(self) -> None:
        dispute, now = self.dispute, workflow.now()
        if not dispute.needs_arbitrator or (self._retry_pool_at is not None and now < self._retry_pool_at):
            return
        pool: ArbitratorPool = await workflow.execute_local_activity(
            LOAD_ARBITRATORS_ACTIVITY, ArbitratorPoolRequest(dispute.deal_id, dispute.buyer_id, dispute.seller_id),
            result_type=ArbitratorPool, start_to_close_timeout=timedelta(seconds=30), retry_policy=STEP_RETRY)
        try:
            if dispute.stage is DisputeStage.APPEALED:
                choice = choose_appeal_arbitrator(pool.arbitrators, pool.parties, workflow.random(),
                                                  dispute.first_round_arbitrators, dispute.not_again)
            else:
                choice = choose_arbitrator(pool.arbitrators, pool.parties, workflow.random(), dispute.not_again)
        except NoArbitratorAvailable as none:
            # Look again later (an operator may add an arbitrator); tell the operators once per round.
            self._retry_pool_at = now + POOL_RETRY
            round_ = (dispute.stage.value, len(dispute.assignments))
            if self._alerted_round != round_:
                self._alerted_round = round_
                await self._record(no_arbitrator_available(dispute, none.message, now))
            return
        self._retry_pool_at = None
        await self._record(dispute.assign_arbitrator(choice, now))

    async def _sleep_until_next_alarm(self) -> None:
        seen, now = self._changes, workflow.now()
        wake = [at for at in (self.dispute.next_alarm_at(), self._retry_pool_at) if at is not None]
        timeout = max((min(wake) - now).total_seconds(), 0.001) if wake else None
        try:
            await workflow.wait_condition(lambda: self._changes != seen, timeout=timeout)
        except TimeoutError:
            pass

    # ---- recording --------------------------------------------------------------------------
    async def _record(self, outcome: DisputeOutcome) -> None:
        """Persist the step (read model, notices, staff alerts in one transaction), then adopt it."""
        try:
            await workflow.execute_local_activity(
                RECORD_DISPUTE_STEP_ACTIVITY, DisputeStepRecord(outcome.dispute, outcome.step),
                start_to_close_timeout=timedelta(seconds=30), retry_policy=STEP_RETRY)
        except ActivityError as failure:
            if (refused := domain_refusal(failure)) is not None:
                raise refused from failure
            raise
        self._dispute = outcome.dispute
        self._changes += 1

    def _result(self) -> DisputeResult:
        dispute = self.dispute
        kept: tuple[FeeCharge, ...] = ()
        appeal = dispute.appeal
        if appeal is not None and appeal.succeeded is False and (side := dispute.role_of(appeal.by)) is not None:
            kept = tuple(FeeCharge(side, fee) for fee in appeal.fee)
        how = {DisputeStage.SETTLED: "Dispute settled by agreement",
               DisputeStage.FINAL: "Final ruling executed",
               DisputeStage.WITHDRAWN: "The dispute was withdrawn"}[dispute.stage]
        return DisputeResult(dispute.deal_id, dispute.stage, dispute.final_ruling, dispute.fee_charges(), kept, how)

    # ---- the one Update every action goes through -------------------------------------------
    @workflow.update(name=DISPUTE_UPDATE)
    async def act(self, command: DisputeCommand) -> DisputeReply:
        async with self._lock:
            outcome = self._decide(command)  # again under the lock: another action may have landed
            await self._record(outcome)
        return DisputeReply(self.dispute.deal_id, self.dispute.stage, self.dispute.version, outcome.step.summary)

    @act.validator
    def validate_act(self, command: DisputeCommand) -> None:
        self._decide(command)

    def _decide(self, command: DisputeCommand) -> DisputeOutcome:
        if self._dispute is None:
            raise ApplicationError("the dispute is still being set up; try again", type="not_ready")
        try:
            return self._transition(command)
        except TradepactError as error:
            raise refusal(error) from error

    def _transition(self, command: DisputeCommand) -> DisputeOutcome:
        dispute, actor, now = self.dispute, command.actor_id, workflow.now()
        match command.action:
            case A.OFFER_SETTLEMENT | A.RULE if command.ruling is None:
                raise ApplicationError("the ruling is missing", "ruling", type="invalid_input")
            case A.OFFER_SETTLEMENT:
                return dispute.offer_settlement(actor, command.ruling, now)
            case A.ACCEPT_SETTLEMENT:
                return dispute.accept_settlement(actor, command.offer_number, now)
            case A.SUBMIT_EVIDENCE:
                return dispute.submit_evidence(actor, command.statement, command.files, now)
            case A.WITHDRAW:
                return dispute.withdraw(actor, now, command.note)
            case A.RULE:
                return dispute.rule(actor, command.ruling, now)
            case A.APPEAL:
                return dispute.lodge_appeal(actor, now)
            case A.REASSIGN:
                return dispute.reassign(now, command.note or "reassigned by an operator", operator_id=actor)
        raise ApplicationError(f"{command.action} is the platform's to take", type="invalid_input")

    @workflow.query(name=DISPUTE_QUERY)
    def current(self) -> Dispute:
        return self.dispute
