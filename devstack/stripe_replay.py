"""Idempotency-Key replay and fault injection for the local Stripe server.

Stripe keeps the first response to a POST carrying an Idempotency-Key for 24 hours, scoped to
the API key, and answers every repeat with exactly that response; reusing a key with other
parameters is an `idempotency_error`. localstripe does neither, yet Tradepact's guarantee that a
retried activity never pays twice rests on it, so this module adds it as aiohttp middleware.

Fault injection lets tests break the next matching requests: mode "before" answers an error
without doing the work; mode "after" does the work (and records it under the idempotency key)
but answers an error, as when a response is lost on the way back.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from aiohttp import web

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
# Stripe saves a result once the endpoint started working on it: successes and card declines.
# Validation errors (400/404) are not saved, so a corrected retry is not stuck behind them.
STORED_STATUSES = frozenset(range(200, 300)) | {402}


@dataclass(frozen=True)
class Record:
    method: str
    path: str
    fingerprint: str
    status: int
    body: bytes
    content_type: str
    created: float


@dataclass
class Fault:
    path_prefix: str
    status: int = 500
    count: int = 1
    mode: str = "before"
    method: str | None = None

    def matches(self, request: web.Request) -> bool:
        return (request.path.startswith(self.path_prefix)
                and self.method in (None, request.method))


def stripe_error(status: int, error_type: str, message: str, **extra: str) -> web.Response:
    return web.json_response({"error": {"type": error_type, "message": message, **extra}},
                             status=status)


class Replay:
    """Idempotency records (persisted with the server's state) and pending faults (not)."""

    def __init__(self, api_key_of: Callable[[web.Request], str | None],
                 on_change: Callable[[], None]) -> None:
        self.records: dict[tuple[str, str], Record] = {}
        self.faults: list[Fault] = []
        self._in_flight: set[tuple[str, str]] = set()
        self._api_key_of = api_key_of
        self._on_change = on_change

    def clear(self) -> None:
        self.records.clear()
        self._on_change()

    def _expire(self, now: float) -> None:
        # Records are kept in insertion order, so the oldest come first.
        for scope, record in list(self.records.items()):
            if now - record.created < IDEMPOTENCY_TTL_SECONDS:
                break
            del self.records[scope]

    def middlewares(self) -> list:
        return [self._fault_middleware(), self._idempotency_middleware()]

    def _idempotency_middleware(self):
        @web.middleware
        async def idempotency(request: web.Request, handler) -> web.StreamResponse:
            key = request.headers.get("Idempotency-Key")
            api_key = self._api_key_of(request)
            if request.method != "POST" or not key or api_key is None or is_config(request):
                return await handler(request)
            scope = (api_key, key)
            body = await request.read()  # aiohttp caches it, so the handler can still read it
            fingerprint = hashlib.sha256(body).hexdigest()
            record = self.records.get(scope)
            if record is not None:
                return self._replay(record, request, key, fingerprint)
            if scope in self._in_flight:
                return stripe_error(409, "idempotency_error",
                                    "There is currently another in-progress request using this "
                                    f"Idempotent Key: {key}. Please try again later.")
            self._in_flight.add(scope)
            try:
                response = await handler(request)
            finally:
                self._in_flight.discard(scope)
            if response.status in STORED_STATUSES and isinstance(response, web.Response):
                now = time.time()
                self._expire(now)
                self.records[scope] = Record(
                    request.method, request.path, fingerprint, response.status,
                    bytes(response.body or b""), response.headers.get("Content-Type", ""), now)
                self._on_change()
            return response
        return idempotency

    @staticmethod
    def _replay(record: Record, request: web.Request, key: str, fingerprint: str) -> web.Response:
        if (record.method, record.path) != (request.method, request.path):
            return stripe_error(400, "idempotency_error",
                                "Keys for idempotent requests can only be used for the same "
                                f"endpoint they were first used for ('{record.path}' vs "
                                f"'{request.path}'). Try using a key other than '{key}' if you "
                                "meant to execute a different request.")
        if record.fingerprint != fingerprint:
            return stripe_error(400, "idempotency_error",
                                "Keys for idempotent requests can only be used with the same "
                                "parameters they were first used with. Try using a key other "
                                f"than '{key}' if you meant to execute a different request.")
        return web.Response(status=record.status, body=record.body, headers={
            "Content-Type": record.content_type, "Idempotent-Replayed": "true",
            "Idempotency-Key": key})

    def _fault_middleware(self):
        @web.middleware
        async def faults(request: web.Request, handler) -> web.StreamResponse:
            fault = None if is_config(request) else self._take_fault(request)
            if fault is None:
                return await handler(request)
            if fault.mode == "after":
                # The work happens and is recorded; only the answer is lost.
                await handler(request)
            return stripe_error(fault.status, "api_error",
                                f"Injected fault ({fault.mode}) on {request.path}")
        return faults

    def _take_fault(self, request: web.Request) -> Fault | None:
        for fault in self.faults:
            if fault.matches(request):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    async def configure_faults(self, request: web.Request) -> web.Response:
        """POST /_config/faults: {"path_prefix", "status"=500, "count"=1, "mode"="before", "method"}."""
        try:
            data = await request.json()
            fault = Fault(**data)
            valid = (isinstance(fault.path_prefix, str) and fault.path_prefix.startswith("/")
                     and isinstance(fault.status, int) and 400 <= fault.status <= 599
                     and isinstance(fault.count, int) and fault.count >= 1
                     and fault.mode in ("before", "after")
                     and fault.method in (None, "GET", "POST", "DELETE"))
        except (json.JSONDecodeError, TypeError):
            valid = False
        if not valid:
            return stripe_error(400, "invalid_request_error",
                                "Expected JSON {path_prefix: '/v1/...', status: 400-599, "
                                "count: >=1, mode: 'before'|'after', method: optional}")
        self.faults.append(fault)
        return await self.list_faults(request)

    async def list_faults(self, request: web.Request) -> web.Response:
        return web.json_response({"faults": [asdict(f) for f in self.faults]})

    async def clear_faults(self, request: web.Request) -> web.Response:
        self.faults.clear()
        return await self.list_faults(request)

    def install(self, app: web.Application) -> None:
        app.router.add_post("/_config/faults", self.configure_faults)
        app.router.add_get("/_config/faults", self.list_faults)
        app.router.add_delete("/_config/faults", self.clear_faults)


def is_config(request: web.Request) -> bool:
    return request.path.startswith("/_config/")
