"""The web's door to deal workflows: start a deal, send a party's action.

Flask is synchronous and the Temporal client is asyncio, so one client per process lives on
one background event-loop thread and views submit coroutines to it. Every call has a
deadline: with no worker running an Update would otherwise wait forever, and the user must
get "try again" within seconds instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import Coroutine
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta
from typing import Any, TypeVar

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.deal import Deal
from domain.errors import ERRORS_BY_CODE, InvalidInput, TradepactError
from domain.stages import Stage
from integrations.payload_converter import DATA_CONVERTER
from integrations.workflow_history import HistoryLine, history_lines
from workflows.dispute_messages import DisputeCommand, DisputeReply, OpenDispute
from workflows.messages import (
    DealCommand,
    DealInput,
    DealReply,
    PayoutRetried,
    PayoutRetry,
    ReconciliationRequest,
    StripeEventSignal,
)
from workflows.names import (
    DEAL_OPEN_DISPUTE,
    DEAL_OPENED,
    DEAL_QUERY,
    DEAL_STAGE,
    DEAL_STRIPE_SIGNAL,
    DEAL_UPDATE,
    DEAL_WORKFLOW,
    DISPUTE_UPDATE,
    PAYOUT_RETRY_WORKFLOW,
    RECONCILIATION_WORKFLOW,
    deal_workflow_id,
    dispute_workflow_id,
    payout_retry_workflow_id,
)

T = TypeVar("T")
CALL_TIMEOUT = 5.0
PAYOUT_RETRY_TIMEOUT = 20.0  # a Stripe transfer, with a retry or two if Stripe is slow
OPENING_STAGE = TypedSearchAttributes([SearchAttributePair(DEAL_STAGE, Stage.PROPOSED.value)])  # every deal opens proposed


class TemporalUnavailable(Exception):
    """The workflow service or its workers did not answer in time: the user should retry."""


class TemporalGateway:
    def __init__(self, address: str, namespace: str, task_queue: str) -> None:
        self._address = address
        self._namespace = namespace
        self.task_queue = task_queue
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Client | None = None
        self._guard = threading.Lock()

    # ---- plumbing ---------------------------------------------------------------------
    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._guard:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="temporal-client", daemon=True)
                thread.start()
                self._loop = loop
            return self._loop

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = CALL_TIMEOUT) -> T:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._ensure_loop())
        try:
            return future.result(timeout=timeout + 1)
        except FutureTimeout as error:
            future.cancel()
            raise TemporalUnavailable("the deal service did not answer in time") from error

    async def connected(self) -> Client:
        if self._client is None:
            try:
                self._client = await asyncio.wait_for(
                    Client.connect(self._address, namespace=self._namespace, data_converter=DATA_CONVERTER),
                    CALL_TIMEOUT,
                )
            except (TimeoutError, RuntimeError, OSError) as error:
                raise TemporalUnavailable("the deal service is not reachable") from error
        return self._client

    # ---- what the web asks ------------------------------------------------------------
    def open_deal(self, start: DealInput) -> DealReply:
        """Start the deal's workflow and wait until its offer is recorded.

        Idempotent: the workflow id is derived from the deal id, so a repeated request
        reaches the same deal instead of opening a second one.
        """
        return self.call(self._open_deal(start))

    async def _open_deal(self, start: DealInput) -> DealReply:
        client = await self.connected()
        operation = WithStartWorkflowOperation(
            DEAL_WORKFLOW, start, id=deal_workflow_id(start.deal_id), task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            # Set with the start, DealStage costs the workflow no upsert (a visibility write) for it.
            search_attributes=OPENING_STAGE,
        )
        try:
            return await self._guarded(client.execute_update_with_start_workflow(
                DEAL_OPENED, start_workflow_operation=operation, result_type=DealReply,
                rpc_timeout=timedelta(seconds=CALL_TIMEOUT),
            ))
        except WorkflowAlreadyStartedError:
            # The same request came back after its deal already finished: answer with that deal.
            handle = client.get_workflow_handle(deal_workflow_id(start.deal_id))
            deal = await self._guarded(handle.query(
                DEAL_QUERY, result_type=Deal, rpc_timeout=timedelta(seconds=CALL_TIMEOUT)))
            return DealReply(deal.deal_id, deal.stage, deal.version, "Offer made")
        finally:
            await _settle_start_operation(operation)

    def act(self, deal_id: str, command: DealCommand) -> DealReply:
        """Send a party's action; raises the domain's refusal, or TemporalUnavailable."""
        return self.call(self._act(deal_id, command))

    async def _act(self, deal_id: str, command: DealCommand) -> DealReply:
        client = await self.connected()
        handle = client.get_workflow_handle(deal_workflow_id(deal_id))
        return await self._guarded(handle.execute_update(
            DEAL_UPDATE, command, result_type=DealReply, rpc_timeout=timedelta(seconds=CALL_TIMEOUT)
        ))

    def open_dispute(self, deal_id: str, request: OpenDispute) -> DealReply:
        """A party opens a dispute: the deal's Update, which starts the dispute's child workflow."""
        return self.call(self._open_dispute(deal_id, request))

    async def _open_dispute(self, deal_id: str, request: OpenDispute) -> DealReply:
        client = await self.connected()
        handle = client.get_workflow_handle(deal_workflow_id(deal_id))
        return await self._guarded(handle.execute_update(
            DEAL_OPEN_DISPUTE, request, result_type=DealReply, rpc_timeout=timedelta(seconds=CALL_TIMEOUT)))

    def dispute_act(self, deal_id: str, command: DisputeCommand) -> DisputeReply:
        """An action on the deal's dispute; raises the domain's refusal, or TemporalUnavailable."""
        return self.call(self._dispute_act(deal_id, command))

    async def _dispute_act(self, deal_id: str, command: DisputeCommand) -> DisputeReply:
        client = await self.connected()
        handle = client.get_workflow_handle(dispute_workflow_id(deal_id))
        return await self._guarded(handle.execute_update(
            DISPUTE_UPDATE, command, result_type=DisputeReply, rpc_timeout=timedelta(seconds=CALL_TIMEOUT)))

    def workflow_history(self, workflow_id: str) -> list[HistoryLine]:
        """The workflow's history as Temporal recorded it (empty if there is no such workflow)."""
        return self.call(self._workflow_history(workflow_id))

    async def _workflow_history(self, workflow_id: str) -> list[HistoryLine]:
        client = await self.connected()
        try:
            history = await client.get_workflow_handle(workflow_id).fetch_history(
                rpc_timeout=timedelta(seconds=CALL_TIMEOUT))
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return []
            raise TemporalUnavailable("the deal service did not answer; try again") from error
        return history_lines(history)

    def stripe_event(self, deal_id: str, event: StripeEventSignal) -> bool:
        """Signal a verified Stripe event to its deal; False if the deal's workflow has ended."""
        return self.call(self._stripe_event(deal_id, event))

    async def _stripe_event(self, deal_id: str, event: StripeEventSignal) -> bool:
        client = await self.connected()
        handle = client.get_workflow_handle(deal_workflow_id(deal_id))
        try:
            await handle.signal(DEAL_STRIPE_SIGNAL, event, rpc_timeout=timedelta(seconds=CALL_TIMEOUT))
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                return False  # a closed deal: the event is still stored for finance
            raise TemporalUnavailable("the deal service did not answer; try again") from error
        return True

    def retry_payout(self, retry: PayoutRetry) -> PayoutRetried:
        """Run finance's retry of a refused payout and wait for Stripe's answer."""
        return self.call(self._retry_payout(retry), timeout=PAYOUT_RETRY_TIMEOUT)

    async def _retry_payout(self, retry: PayoutRetry) -> PayoutRetried:
        client = await self.connected()
        try:
            return await client.execute_workflow(
                PAYOUT_RETRY_WORKFLOW, retry, id=payout_retry_workflow_id(retry.movement_key),
                task_queue=self.task_queue, result_type=PayoutRetried,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                execution_timeout=timedelta(minutes=10), rpc_timeout=timedelta(seconds=CALL_TIMEOUT))
        except RPCError as error:
            raise TemporalUnavailable("the workflow service did not answer; try again") from error

    def start_reconciliation(self, request: ReconciliationRequest) -> str:
        """Start a reconciliation run (it reports its progress in its table); its workflow id."""
        return self.call(self._start_reconciliation(request))

    async def _start_reconciliation(self, request: ReconciliationRequest) -> str:
        client = await self.connected()
        workflow_id = f"reconciliation-{uuid.uuid4().hex}"
        try:
            await client.start_workflow(RECONCILIATION_WORKFLOW, request, id=workflow_id, task_queue=self.task_queue,
                                        rpc_timeout=timedelta(seconds=CALL_TIMEOUT))
        except RPCError as error:
            raise TemporalUnavailable("the workflow service did not answer; try again") from error
        return workflow_id

    async def _guarded(self, call: Coroutine[Any, Any, T]) -> T:
        try:
            return await call
        except WorkflowUpdateFailedError as failure:
            raise refusal_from(failure.cause) from failure
        except RPCError as error:
            raise TemporalUnavailable("the deal service did not answer; try again") from error
        except TimeoutError as error:
            raise TemporalUnavailable("the deal service did not answer; try again") from error


async def _settle_start_operation(operation: WithStartWorkflowOperation) -> None:
    """Read the start operation's outcome so a failed start is not reported as never retrieved."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(operation.workflow_handle(), timeout=0.01)


def refusal_from(cause: BaseException | None) -> Exception:
    """The domain error a validator or handler refused with, rebuilt for the web."""
    if isinstance(cause, ApplicationError) and cause.type in ERRORS_BY_CODE:
        error_class = ERRORS_BY_CODE[cause.type]
        field = cause.details[0] if cause.details else None
        if issubclass(error_class, InvalidInput):
            return error_class(cause.message, field=field)
        return error_class(cause.message)
    if isinstance(cause, ApplicationError) and cause.type == "invalid_input":
        return InvalidInput(cause.message, field=cause.details[0] if cause.details else None)
    if isinstance(cause, ApplicationError) and cause.type == "not_ready":
        return TemporalUnavailable(cause.message)
    return TradepactError(str(cause) if cause else "the action was refused")
