"""The worker process: runs deal workflows and their activities, the mail outbox (with the daily
digests) and the saved-search alerts.

    python -m workflows.worker
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxRestrictions

from activities.cash import CashSteps
from activities.deal_steps import DealSteps
from activities.dispute_steps import DisputeSteps
from activities.matching_steps import MatchingSteps
from activities.payouts import PayoutRetries
from activities.reconciliation import Reconciliation
from activities.ring_steps import RingSteps
from activities.subscriptions import SubscriptionSteps
from activities.verification_steps import VerificationSteps
from integrations.long_lived_process import freeze_startup_objects
from integrations.payload_converter import DATA_CONVERTER
from integrations.settings import Settings
from integrations.stripe import StripeGateway
from workflows.deal import DealWorkflow
from workflows.dispute import DisputeWorkflow
from workflows.matching import MatchingWorkflow
from workflows.messages import ReconciliationRequest
from workflows.names import (
    MATCHING_SCHEDULE,
    MATCHING_WORKFLOW,
    NIGHTLY_RECONCILIATION,
    RECONCILIATION_WORKFLOW,
)
from workflows.payout_retry import PayoutRetryWorkflow
from workflows.reconciliation import ReconciliationWorkflow
from workflows.ring import RingWorkflow
from workflows.ring_messages import MatchRun
from workflows.sandbox import LeanSandboxedWorkflowRunner
from workflows.subscription import SubscriptionWorkflow
from workflows.verification import VerificationWorkflow

# The pure domain is deterministic by construction; passing it through keeps one copy of its
# classes, so dataclasses decoded from history resolve their type hints.
WORKFLOW_RUNNER = LeanSandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(
        "domain", "workflows.messages", "workflows.subscription_messages", "workflows.dispute_messages",
        "workflows.verification_messages", "workflows.ring_messages")
)


def build_worker(client: Client, settings: Settings, executor: ThreadPoolExecutor) -> Worker:
    steps = DealSteps(settings.database_url)
    stripe = StripeGateway.from_settings(settings)
    cash = CashSteps(settings.database_url, stripe)
    payouts = PayoutRetries(settings.database_url, stripe)
    reconciliation = Reconciliation(settings.database_url, stripe)
    subscriptions = SubscriptionSteps(settings.database_url, stripe)
    disputes = DisputeSteps(settings.database_url)
    verifications = VerificationSteps(settings.database_url)
    matching = MatchingSteps(settings.database_url)
    rings = RingSteps(settings.database_url, client)
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[DealWorkflow, DisputeWorkflow, PayoutRetryWorkflow, ReconciliationWorkflow, SubscriptionWorkflow,
                   VerificationWorkflow, MatchingWorkflow, RingWorkflow],
        workflow_runner=WORKFLOW_RUNNER,
        activities=[steps.record_step, cash.move_cash, payouts.retry_payout, reconciliation.reconcile_cash,
                    subscriptions.load_plan, subscriptions.charge, subscriptions.record,
                    disputes.record_step, disputes.load_arbitrators, verifications.record_step,
                    matching.recompute, matching.match_listing, matching.propose_rings, rings.record, rings.leg_step,
                    rings.remind],
        activity_executor=executor,
        max_concurrent_activities=16,
    )


async def ensure_nightly_reconciliation(client: Client, task_queue: str) -> None:
    """The nightly reconciliation's Schedule (02:00 UTC), created once; a running one is kept."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(RECONCILIATION_WORKFLOW, ReconciliationRequest(),
                                           id=NIGHTLY_RECONCILIATION, task_queue=task_queue),
        spec=ScheduleSpec(cron_expressions=["0 2 * * *"]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    with contextlib.suppress(ScheduleAlreadyRunningError):
        await client.create_schedule(NIGHTLY_RECONCILIATION, schedule)


async def ensure_matching_schedule(client: Client, task_queue: str) -> None:
    """The hourly full recompute of matches and rings, created once; a running one is kept."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(MATCHING_WORKFLOW, MatchRun(), id=MATCHING_SCHEDULE, task_queue=task_queue),
        spec=ScheduleSpec(cron_expressions=["17 * * * *"]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    with contextlib.suppress(ScheduleAlreadyRunningError):
        # First run at once: a new deployment (or `make run`'s seeded demo) shows matches right away.
        await client.create_schedule(MATCHING_SCHEDULE, schedule, trigger_immediately=True)


async def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    from activities.notifications import MailOutbox
    from activities.saved_search_alerts import SavedSearchAlerts
    from integrations.email.smtp import SmtpMailer

    settings = Settings.from_env()
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace,
                                  data_converter=DATA_CONVERTER)
    await ensure_nightly_reconciliation(client, settings.task_queue)
    await ensure_matching_schedule(client, settings.task_queue)
    stop = threading.Event()
    outbox = MailOutbox(settings.database_url, SmtpMailer.from_env(), f"http://127.0.0.1:{settings.port}")
    mailer = threading.Thread(target=outbox.run_forever, args=(stop,), name="mail-outbox", daemon=True)
    mailer.start()
    alerts = SavedSearchAlerts(settings.database_url)
    threading.Thread(target=alerts.run_forever, args=(stop,), name="saved-search-alerts", daemon=True).start()
    with ThreadPoolExecutor(max_workers=16) as executor:
        worker = build_worker(client, settings, executor)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(worker.shutdown()))
        logging.info("worker polling task queue %r at %s", settings.task_queue, settings.temporal_address)
        freeze_startup_objects()
        await worker.run()
    stop.set()


if __name__ == "__main__":
    # The sandbox imports the workflow modules afresh for every workflow run; without cached
    # bytecode (PYTHONDONTWRITEBYTECODE is common in containers) each run compiles them from
    # source again, ~10 ms of a deal's CPU.
    sys.dont_write_bytecode = False
    asyncio.run(main())
