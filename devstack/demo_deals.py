"""Demo deals for `make run`: a few deals between the demo members, driven through the running
web app's JSON API (so the real workflows, ledger and local Stripe server move the money), so
finance's dashboard and charts show something on a fresh stack.

Idempotent and resumable: each demo deal's proposal carries a fixed request id, which fixes its
deal id; a deal that exists already is only walked through the steps it has not taken yet, so a
second run (or a run after an interrupted one) moves no money twice.
"""

from __future__ import annotations

import datetime as dt
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from sqlalchemy import select

from devstack.api_client import ApiClient
from devstack.seed import DEMO_PASSWORD
from integrations.db.app_models import Listing
from integrations.db.members import user_by_email
from integrations.db.session import unit_of_work
from web.deals.ids import deal_id_for

ADA, BEN, CLEO = "ada@studio-ada.example", "ben@bens-books.example", "cleo@cleo-print.example"
REVIEW = {"quality": 5, "timeliness": 4, "communication": 5, "comment": "Smooth from start to finish"}
# Walking a deal to its end: who acts is the seller ("s") or the buyer ("b").
TO_CLOSED = (("s", "accept"), ("b", "fund"), ("s", "deliver"), ("b", "confirm"), ("b", "review"), ("s", "review"))
TO_DELIVERY = TO_CLOSED[:2]


@dataclass(frozen=True)
class DemoDeal:
    request_id: str
    buyer: str
    seller: str
    listing_title: str
    price: tuple[tuple[int, str], ...]  # (amount in minor units, currency) per leg
    steps: tuple[tuple[str, str], ...]


DEMO_DEALS = (
    DemoDeal("demo-credit-bookkeeping", ADA, BEN, "Quarterly bookkeeping", ((300_00, "CRD"),), TO_CLOSED),
    DemoDeal("demo-cash-posters", ADA, CLEO, "A1 posters, 50 copies", ((220_00, "EUR"),), TO_CLOSED),
    DemoDeal("demo-hybrid-website", BEN, ADA, "Five-page website", ((700_00, "EUR"), (500_00, "CRD")), TO_CLOSED),
    # Left with its credits in escrow, so the escrow dashboard has something held.
    DemoDeal("demo-credit-brand-kit", CLEO, ADA, "Logo and brand kit", ((450_00, "CRD"),), TO_DELIVERY),
)


def seed_demo_deals(base_url: str, database_url: str) -> list[tuple[str, str]]:
    """Create or finish every demo deal; return (deal id, stage) of each."""
    api = ApiClient(base_url)
    members = {email: api.log_in(email, DEMO_PASSWORD) for email in (ADA, BEN, CLEO)}
    results = []
    for demo in DEMO_DEALS:
        buyer, seller = members[demo.buyer], members[demo.seller]
        if any(currency != "CRD" for _amount, currency in demo.price):
            ensure_payouts(seller)
        deal_id = _open(buyer, database_url, demo)
        stage = _walk(deal_id, {"b": buyer, "s": seller}, demo.steps)
        results.append((deal_id, stage))
    return results


def ensure_payouts(member: ApiClient) -> None:
    """The seller's Stripe payout account, onboarded the way a browser would follow the link."""
    if ok(member.get("/api/v1/payouts"))["ready"]:
        return
    link = ok(member.post("/api/v1/payouts"))["onboarding_url"]
    _visit_without_redirect(link)
    if not ok(member.get("/api/v1/payouts"))["ready"]:
        raise RuntimeError("the local Stripe server did not finish the demo payout onboarding")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None  # the hosted page sends the browser back to the app; only the visit matters


def _visit_without_redirect(url: str) -> None:
    try:
        urllib.request.build_opener(_NoRedirect).open(url, timeout=10).close()
    except urllib.error.HTTPError as answer:
        if answer.code >= 400:
            raise RuntimeError(f"the onboarding page answered {answer.code}") from None


def _open(buyer: ApiClient, database_url: str, demo: DemoDeal) -> str:
    business_id, listing_id = _ids(database_url, demo)
    deal_id = deal_id_for(business_id, demo.request_id)
    if buyer.get(f"/api/v1/deals/{deal_id}").status == 200:
        return deal_id
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=14)).date().isoformat()
    proposal = {
        "listing_id": listing_id, "request_id": demo.request_id, "delivery_due_at": due, "inspection_days": 7,
        "price": [{"amount_minor": amount, "currency": currency} for amount, currency in demo.price],
        "acceptance_criteria": f"{demo.listing_title}, as listed",
    }
    # The same request id reaches the same deal, so a proposal that timed out is simply sent again.
    return ok(patiently(lambda: buyer.post("/api/v1/deals", proposal)), 201)["deal_id"]


def _ids(database_url: str, demo: DemoDeal) -> tuple[int, int]:
    with unit_of_work(database_url) as session:
        buyer = user_by_email(session, demo.buyer)
        seller = user_by_email(session, demo.seller)
        listing_id = session.scalar(select(Listing.id).where(
            Listing.business_id == seller.business_id, Listing.title == demo.listing_title))
        return buyer.business_id, listing_id


def _walk(deal_id: str, parties: dict[str, ApiClient], steps: tuple[tuple[str, str], ...]) -> str:
    """Take each step its party may still take; a step already taken is no longer allowed."""
    path = f"/api/v1/deals/{deal_id}"
    stage = ok(parties["b"].get(path))["stage"]
    for who, action in steps:
        party = parties[who]
        body = REVIEW if action == "review" else {"payment_method": "pm_card_visa"} if action == "fund" else {}

        def take(party=party, action=action, body=body):
            # Asked again before every attempt: an attempt that timed out may still have landed.
            if action not in ok(party.get(path))["allowed_actions"]:
                return None
            return party.post(f"{path}/actions/{action}", body)

        answer = patiently(take)
        if answer is not None:
            stage = ok(answer)["stage"]
    return stage


def patiently(send, attempts: int = 12):
    """Send until the answer is not 503: right after `make run` starts them, the web app may
    answer before the worker polls its task queue, and an update then times out."""
    for _attempt in range(attempts - 1):
        answer = send()
        if answer is None or answer.status != 503:
            return answer
        time.sleep(2)
    return send()


def ok(answer, status: int = 200):
    if answer.status != status:
        raise RuntimeError(f"demo data: the API answered {answer.status}: {answer.body}")
    return answer.body
