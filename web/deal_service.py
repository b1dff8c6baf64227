"""The web's handle on deal workflows: start a deal, send a party's action, pass on Stripe's word.

In production this is `integrations.temporal.TemporalGateway`; tests may install any object
with the same two methods.
"""

from __future__ import annotations

from typing import Protocol

from flask import Flask, current_app

from integrations.workflow_history import HistoryLine
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

EXTENSION = "tradepact.deals"


class DealService(Protocol):
    def open_deal(self, start: DealInput) -> DealReply: ...

    def act(self, deal_id: str, command: DealCommand) -> DealReply: ...

    def stripe_event(self, deal_id: str, event: StripeEventSignal) -> bool: ...

    def open_dispute(self, deal_id: str, request: OpenDispute) -> DealReply: ...

    def dispute_act(self, deal_id: str, command: DisputeCommand) -> DisputeReply: ...

    def retry_payout(self, retry: PayoutRetry) -> PayoutRetried: ...

    def start_reconciliation(self, request: ReconciliationRequest) -> str: ...

    def workflow_history(self, workflow_id: str) -> list[HistoryLine]: ...


def install_deal_service(app: Flask, service: DealService) -> None:
    app.extensions[EXTENSION] = service


def deal_service() -> DealService:
    return current_app.extensions[EXTENSION]
