"""The web's handle on disputes: open one on a deal (the deal's `open_dispute` Update) and send
any later action to the dispute's own workflow (its `act` Update).

It rides on the deal gateway's Temporal client and event-loop thread, like the plans service,
so a refusal comes back as the domain's error (409/422 with the rule's reason) and Temporal
away as TemporalUnavailable (503). Tests may install any object with the same two methods.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from flask import Flask, current_app

from integrations.temporal import CALL_TIMEOUT, TemporalGateway
from web.deal_service import deal_service
from workflows.dispute_messages import DisputeCommand, DisputeReply, OpenDispute
from workflows.messages import DealReply
from workflows.names import DEAL_OPEN_DISPUTE, DISPUTE_UPDATE, deal_workflow_id, dispute_workflow_id

EXTENSION = "tradepact.disputes"


class DisputeService(Protocol):
    def open_dispute(self, deal_id: str, request: OpenDispute) -> DealReply: ...

    def act(self, deal_id: str, command: DisputeCommand) -> DisputeReply: ...


class TemporalDisputes:
    def __init__(self, gateway: TemporalGateway) -> None:
        self._gateway = gateway

    def open_dispute(self, deal_id: str, request: OpenDispute) -> DealReply:
        return self._gateway.call(self._open(deal_id, request))

    def act(self, deal_id: str, command: DisputeCommand) -> DisputeReply:
        return self._gateway.call(self._act(deal_id, command))

    async def _open(self, deal_id: str, request: OpenDispute) -> DealReply:
        client = await self._gateway.connected()
        handle = client.get_workflow_handle(deal_workflow_id(deal_id))
        return await self._gateway._guarded(handle.execute_update(
            DEAL_OPEN_DISPUTE, request, result_type=DealReply, rpc_timeout=timedelta(seconds=CALL_TIMEOUT)))

    async def _act(self, deal_id: str, command: DisputeCommand) -> DisputeReply:
        client = await self._gateway.connected()
        handle = client.get_workflow_handle(dispute_workflow_id(deal_id))
        return await self._gateway._guarded(handle.execute_update(
            DISPUTE_UPDATE, command, result_type=DisputeReply, rpc_timeout=timedelta(seconds=CALL_TIMEOUT)))


def install_dispute_service(app: Flask, service: DisputeService) -> None:
    app.extensions[EXTENSION] = service


def disputes() -> DisputeService:
    service = current_app.extensions.get(EXTENSION)
    if service is None:
        service = current_app.extensions[EXTENSION] = TemporalDisputes(deal_service())  # type: ignore[arg-type]
    return service
