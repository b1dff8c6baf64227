"""The worker process: runs deal workflows and their activities, and the mail outbox.

    python -m workflows.worker
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.cash import CashSteps
from activities.deal_steps import DealSteps
from integrations.settings import Settings
from integrations.stripe import StripeGateway
from workflows.deal import DealWorkflow
from workflows.payout_retry import PayoutRetryWorkflow

# The pure domain is deterministic by construction; passing it through keeps one copy of its
# classes, so dataclasses decoded from history resolve their type hints.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("domain", "workflows.messages")
)


def build_worker(client: Client, settings: Settings, executor: ThreadPoolExecutor) -> Worker:
    steps = DealSteps(settings.database_url)
    cash = CashSteps(settings.database_url, StripeGateway.from_settings(settings))
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[DealWorkflow, PayoutRetryWorkflow],
        workflow_runner=WORKFLOW_RUNNER,
        activities=[steps.record_step, cash.move_cash, cash.retry_payout],
        activity_executor=executor,
        max_concurrent_activities=16,
    )


async def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    from activities.notifications import MailOutbox
    from integrations.email.smtp import SmtpMailer

    settings = Settings.from_env()
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    stop = threading.Event()
    outbox = MailOutbox(settings.database_url, SmtpMailer.from_env(), f"http://127.0.0.1:{settings.port}")
    mailer = threading.Thread(target=outbox.run_forever, args=(stop,), name="mail-outbox", daemon=True)
    mailer.start()
    with ThreadPoolExecutor(max_workers=16) as executor:
        worker = build_worker(client, settings, executor)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(worker.shutdown()))
        logging.info("worker polling task queue %r at %s", settings.task_queue, settings.temporal_address)
        await worker.run()
    stop.set()


if __name__ == "__main__":
    asyncio.run(main())
