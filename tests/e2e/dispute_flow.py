"""Builders for disputes driven through the JSON API of the stack `make run` starts: delivered deals
(credit or hybrid), the dispute opened on them, evidence, the arbitrators who may rule, and extra
web apps on the same stack whose deals carry other dispute windows.

A deal's dispute windows are fixed when it is proposed, from the web app's
TRADEPACT_DISPUTE_WINDOWS. The shared stack's windows suit most paths (and the other e2e and browser
tests rely on them); a path that needs other windows proposes its deal through an extra web process
on the same database, Temporal and worker, started with its own windows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import update

from devstack.api_client import ApiClient
from devstack.ports import free_port
from devstack.run import LocalStack
from devstack.seed import DEMO_PASSWORD
from devstack.temporal_server import wait_for_port
from integrations.db.dispute_models import Arbitrator
from integrations.db.session import unit_of_work
from tests.builders import a_staff_user
from tests.e2e.test_credit_deal_through_the_api import a_member

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 128
HYBRID = [{"amount_minor": 60_00, "currency": "EUR"}, {"amount_minor": 40_00, "currency": "CRD"}]
CREDITS = [{"amount_minor": 100_00, "currency": "CRD"}]
DEMO_ARBITRATORS = ("arbitrator@tradepact.example", "arbitrator2@tradepact.example")


def until(read, done, seconds: float = 60):
    """`read()` once `done` holds for it, or its last value when `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while not done(value := read()) and time.monotonic() < deadline:
        time.sleep(0.3)
    return value


@dataclass(frozen=True)
class Case:
    deal_id: str
    buyer: ApiClient
    seller: ApiClient

    @property
    def url(self) -> str:
        return f"/api/v1/deals/{self.deal_id}"

    def dispute(self) -> dict:
        answer = self.buyer.get(f"{self.url}/dispute")
        assert answer.status == 200, answer.body
        return answer.body

    def dispute_stage(self, wanted: str, seconds: float = 60) -> dict:
        return until(self.dispute, lambda case: case["stage"] == wanted, seconds)

    def deal_stage(self, wanted: str, seconds: float = 60) -> str:
        return until(lambda: self.buyer.get(self.url).body["stage"], lambda stage: stage == wanted, seconds)

    def evidence(self, side: ApiClient, statement: str, files=()) -> requests.Response:
        return requests.post(f"{side.base_url}{self.url}/dispute/evidence", data={"statement": statement},
                             files=[("files", f) for f in files], timeout=30,
                             headers={"Authorization": f"Bearer {side.token}"})

    def balances(self) -> tuple[int, int]:
        """The buyer's and the seller's posted credit balances."""
        return tuple(side.get("/api/v1/balance").body["balance"]["posted"] for side in (self.buyer, self.seller))

    def assert_balances(self, expected: tuple[int, int], seconds: float = 30) -> None:
        """The balances become `expected` within `seconds`: a ruling's dispute fees are collected by the
        step after the one that moves the deal to rating, so they may land a moment after the stage."""
        assert until(self.balances, lambda found: found == expected, seconds) == expected


def delivered_deal(api: ApiClient, price: list[dict], title: str) -> Case:
    """Two fresh members; the seller's listing; a deal proposed, accepted, funded and delivered.
    `api` decides which web app (and so which dispute windows) the deal is proposed through."""
    seller, buyer = a_member(api, "Seller"), a_member(api, "Buyer")
    if any(leg["currency"] != "CRD" for leg in price):
        link = seller.post("/api/v1/payouts")
        assert link.status == 200, link.body
        requests.get(link.body["onboarding_url"], allow_redirects=False, timeout=10).raise_for_status()
        # Stripe tells the platform by a webhook that the account may now be paid.
        assert until(lambda: seller.get("/api/v1/payouts").body["ready"], bool, 30) is True
    listing = seller.post("/api/v1/listings", {"kind": "offer", "title": title, "category": "design",
                                               "description": "Three drafts, then the final files", "price": price})
    assert listing.status == 201, listing.body
    due = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    proposed = buyer.post("/api/v1/deals", {"listing_id": listing.body["id"], "price": price, "delivery_due_at": due,
                                            "acceptance_criteria": "Three drafts; sharp at 16 px"})
    assert proposed.status == 201, proposed.body
    case = Case(proposed.body["deal_id"], buyer, seller)
    for side, action in ((seller, "accept"), (buyer, "fund"), (seller, "deliver")):
        answer = side.post(f"{case.url}/actions/{action}")
        assert answer.status == 200, (action, answer.body)
    return case


def disputed(case: Case) -> Case:
    opened = case.buyer.post(f"{case.url}/dispute", {"reason": "not_as_described", "details": "Blurry at 16 px",
                                                     "asked_for": "The price back"})
    assert opened.status == 201, opened.body
    return case


def with_evidence(case: Case, sides: str = "both") -> Case:
    """Once evidence opens, the buyer (with a photo) and the seller (unless `sides` is "seller"
    or "buyer") submit theirs."""
    assert case.dispute_stage("evidence")["stage"] == "evidence"
    if sides in ("both", "buyer"):
        sent = case.evidence(case.buyer, "Photo of the logo at 16 px", [("logo.png", PNG, "image/png")])
        assert sent.status_code == 200, sent.text
    if sides in ("both", "seller"):
        sent = case.evidence(case.seller, "All three drafts were sent on time")
        assert sent.status_code == 200, sent.text
    return case


def judges(api: ApiClient, extra: list[tuple[str, str]]) -> dict[int, ApiClient]:
    """Every arbitrator who may be assigned, logged in, by user id."""
    logins = [api.log_in(email, DEMO_PASSWORD) for email in DEMO_ARBITRATORS]
    logins += [api.log_in(email, password) for email, password in extra]
    return {login.get("/api/v1/me").body["user_id"]: login for login in logins}


@contextmanager
def extra_arbitrators(stack: LocalStack, seniors: int = 1, juniors: int = 1) -> Iterator[list[tuple[str, str]]]:
    """More arbitrators on the stack for the block (an appeal needs a senior who had no part in the
    first round, whoever that was); taken off the roster afterwards so later tests see the seeded pool."""
    database_url = stack.env["DATABASE_URL"]
    added = []
    for senior in [True] * seniors + [False] * juniors:
        login = a_staff_user(database_url, "arbitrator")
        with unit_of_work(database_url) as session:
            session.add(Arbitrator(user_id=login.user_id, is_senior=senior))
        added.append(login)
    try:
        yield [(login.email, login.password) for login in added]
    finally:
        with unit_of_work(database_url) as session:
            session.execute(update(Arbitrator).where(Arbitrator.user_id.in_([a.user_id for a in added]))
                            .values(active=False))


@contextmanager
def web_apps_with_windows(stack: LocalStack, *windows: str) -> Iterator[list[ApiClient]]:
    """One more web process on the stack per windows spec; deals proposed through it keep those windows."""
    started = []
    for spec in windows:
        port = free_port()
        env = {**stack.env, "PORT": str(port), "TRADEPACT_DISPUTE_WINDOWS": spec}
        log = Path(stack.env["TRADEPACT_DEV_DIR"]) / "logs" / f"web-{port}.log"
        with log.open("ab") as out:
            process = subprocess.Popen([sys.executable, "-m", "web"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                       cwd=os.getcwd())
        started.append((port, process))
    try:
        for port, process in started:
            wait_for_port("127.0.0.1", port, timeout=60, proc=process)
        yield [ApiClient(f"http://127.0.0.1:{port}") for port, _ in started]
    finally:
        for _, process in started:
            process.terminate()
        for _, process in started:
            process.wait(timeout=20)
