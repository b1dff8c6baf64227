"""The demo marketplace for `make run`: wants that give each demo member "matches for you", and
the one that closes a three-business barter ring among them, put to Ada, Ben and Cleo to accept
in the browser.

The seeded listings (devstack/seed.py) already hold two barter edges — Ada wants Ben's
bookkeeping, Cleo wants Ada's brand kit — and Ben's business cards want is printed in Lyon
while Cleo prints in Villeurbanne, so it matches nothing. Ben's barter want for cards picked up
in Villeurbanne closes the ring: Ada ▶ Ben ▶ Cleo ▶ Ada. Ada's cash want for year-end accounts
adds a match that is not barter (Ben's annual accounts), so "matches for you" shows both kinds.

Published through the running web app's JSON API, as a member would, so the real matching
workflow scores them and proposes the ring. Idempotent: a listing a member already has (same
kind and title) is not published again, and a ring is proposed once per set of listings
(its key), whatever became of it since.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select

from devstack.api_client import ApiClient
from devstack.demo_deals import ADA, BEN, CLEO, ok, patiently
from devstack.seed import DEMO_PASSWORD
from domain.rings import Ring
from integrations.db.app_models import Listing
from integrations.db.members import user_by_email
from integrations.db.ring_read_model import rings_of
from integrations.db.session import unit_of_work

ADMIN = "admin@tradepact.example"


@dataclass(frozen=True)
class DemoListing:
    member: str
    body: dict

    @property
    def title(self) -> str:
        return self.body["title"]


DEMO_LISTINGS = (
    DemoListing(BEN, {"kind": "want", "title": "Business cards for the new office", "category": "business-cards",
                      "description": "500 cards for the team, picked up at the printer's in Villeurbanne.",
                      "price": [{"amount_minor": 80_00, "currency": "CRD"}], "open_to_barter": True,
                      "delivery_mode": "on_site", "city": "Villeurbanne", "lead_time_days": 7}),
    DemoListing(ADA, {"kind": "want", "title": "Year-end accounts for the studio", "category": "tax-returns",
                      "description": "Annual accounts and the corporate tax return, done remotely.",
                      "price": [{"amount_minor": 950_00, "currency": "EUR"}], "open_to_barter": False,
                      "delivery_mode": "remote", "lead_time_days": 30}),
)


@dataclass(frozen=True)
class DemoMarket:
    listing_ids: tuple[int, ...]  # in DEMO_LISTINGS' order
    ring_key: str
    ring_status: str


def seed_demo_market(base_url: str, database_url: str, wait_s: float = 60.0) -> DemoMarket:
    """Publish the demo listings that are missing; return them and the demo members' ring once
    the matching workflow has proposed it. Only a member with a listing to publish logs in
    (logins are rate-limited per address and email)."""
    api = ApiClient(base_url)
    businesses = _business_ids(database_url)
    listing_ids = tuple(_published(api, database_url, businesses[demo.member], demo) for demo in DEMO_LISTINGS)
    ring = _demo_ring(database_url, set(businesses.values()), wait_s / 4)
    if ring is None:
        # The seeded listings were never matched (the hourly recompute has not run on this
        # stack yet): recompute now, as an admin would from Staff → Matching.
        admin = api.log_in(ADMIN, DEMO_PASSWORD)
        ok(patiently(lambda: admin.post("/api/v1/matches/recompute")), 202)
        ring = _demo_ring(database_url, set(businesses.values()), wait_s)
    if ring is None:
        raise RuntimeError(f"the demo barter ring was not proposed within {wait_s:.0f} s")
    return DemoMarket(listing_ids, ring.key, ring.status.value)


def _business_ids(database_url: str) -> dict[str, int]:
    with unit_of_work(database_url) as session:
        return {email: user_by_email(session, email).business_id for email in (ADA, BEN, CLEO)}


def _published(api: ApiClient, database_url: str, business_id: int, demo: DemoListing) -> int:
    with unit_of_work(database_url) as session:
        found = session.scalar(select(Listing.id).where(
            Listing.business_id == business_id, Listing.kind == demo.body["kind"], Listing.title == demo.title))
    if found is not None:
        return found
    member = api.log_in(demo.member, DEMO_PASSWORD)
    return ok(patiently(lambda: member.post("/api/v1/listings", demo.body)), 201)["id"]


def _demo_ring(database_url: str, businesses: set[int], wait_s: float) -> Ring | None:
    """The newest ring of exactly the three demo members, any status, once it is proposed."""
    deadline = time.monotonic() + wait_s
    while True:
        with unit_of_work(database_url) as session:
            found = [view.ring for view in rings_of(session, min(businesses))
                     if set(view.ring.business_ids) == businesses]
        if found:
            return found[0]
        if time.monotonic() >= deadline:
            return None
        time.sleep(1)
