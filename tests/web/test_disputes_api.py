"""Disputes through the JSON API, against the real Temporal dev server, worker and PostgreSQL:
parties, arbitrators and operators each see and do exactly their part; refusals say why."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import time

import pytest

from devstack.ports import free_port
from domain.dispute_policy import DisputePolicy
from tests.builders import a_staff_user, a_token
from tests.web.conftest import Api, proposal
from tests.web.deal_checks import balance, timeline_kinds
from tests.web.test_deals_api import act
from tests.workflows.dispute_driver import an_arbitrator
from web import create_app

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n% the seller's delivery note\n"
QUICK = DisputePolicy(settlement_talks_s=2, evidence_s=12, ruling_sla_s=3_600, appeal_window_s=2)


@pytest.fixture(scope="module")
def quick_app(settings):
    """The web app with dispute windows of seconds, so a case reaches its ruling in a test."""
    return create_app(settings, config={"TESTING": True, "ARGON2_FAST": True, "DISPUTE_POLICY": QUICK})


@pytest.fixture(scope="module")
def arbitrators(database_url):
    return [an_arbitrator(database_url), an_arbitrator(database_url)]


def as_user(app, database_url: str, user_id: int) -> Api:
    return Api(app.test_client(), a_token(database_url, user_id))


def delivered_deal(app, database_url, member, listing):
    """A 100.00 CRD deal the seller has delivered; the parties' API clients."""
    seller, buyer = member(), member()
    listing_id = listing(seller, price_minor=100_00)
    seller_api, buyer_api = as_user(app, database_url, seller.user_id), as_user(app, database_url, buyer.user_id)
    answer = buyer_api.post("/api/v1/deals", proposal(listing_id, price_minor=100_00))
    assert answer.status_code == 201, answer.json
    deal_id = answer.json["deal_id"]
    for caller, action in ((seller_api, "accept"), (buyer_api, "fund"), (seller_api, "deliver")):
        assert act(caller, deal_id, action).status_code == 200
    return deal_id, buyer_api, seller_api, buyer, seller


OPEN = {"reason": "not_as_described", "details": "Two of the three drafts are missing",
        "asked_for": "A refund of half the price"}


def case_stage(caller: Api, deal_id: str, wanted: str, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        case = caller.get(f"/api/v1/deals/{deal_id}/dispute").json
        if case["stage"] == wanted or time.monotonic() > deadline:
            return case
        time.sleep(0.2)


def deal_stage(caller: Api, deal_id: str, wanted: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while (stage := caller.get(f"/api/v1/deals/{deal_id}").json["stage"]) != wanted and time.monotonic() < deadline:
        time.sleep(0.2)
    return stage


def upload(caller: Api, deal_id: str, statement: str, *files: tuple[str, bytes, str]):
    data = {"statement": statement, "files": [(io.BytesIO(body), name, kind) for name, body, kind in files]}
    return caller.client.post(f"/api/v1/deals/{deal_id}/dispute/evidence", data=data, headers=caller.headers,
                              content_type="multipart/form-data")


def test_a_dispute_settled_by_an_accepted_offer(app, database_url, member, listing, arbitrators, visitor):
    deal_id, buyer_api, seller_api, buyer, seller = delivered_deal(app, database_url, member, listing)

    opened = buyer_api.post(f"/api/v1/deals/{deal_id}/dispute", OPEN)
    assert opened.status_code == 201, opened.json
    assert opened.json["stage"] == "settlement_talks" and opened.json["role"] == "buyer"
    assert set(opened.json["allowed_actions"]) == {"offer_settlement", "withdraw"}
    assert opened.json["checklist"][0]["acceptance_criteria"] == "Three drafts, vector files"
    assert buyer_api.get(f"/api/v1/deals/{deal_id}").json["stage"] == "disputed"
    page = visitor(buyer).get(f"/deals/{deal_id}")
    assert page.status_code == 200 and 'data-stage="disputed"' in page.get_data(as_text=True)

    offer = {"legs": [{"currency": "CRD", "decision": "split_by_percent", "refund_bps": 3_000}],
             "reasons": "30 % back for the missing drafts"}
    answer = seller_api.post(f"/api/v1/deals/{deal_id}/dispute/offers", offer)
    assert answer.status_code == 200, answer.json
    assert answer.json["dispute"]["offers"][0]["description"] == "70.00 CRD to the seller, 30.00 CRD back to the buyer"
    assert buyer_api.post(f"/api/v1/deals/{deal_id}/dispute/offers/2/accept").status_code == 409
    accepted = buyer_api.post(f"/api/v1/deals/{deal_id}/dispute/offers/1/accept")
    assert accepted.status_code == 200 and accepted.json["stage"] == "settled"

    assert deal_stage(buyer_api, deal_id, "rating") == "rating"
    assert balance(database_url, buyer.business_id).posted == -70_00
    assert balance(database_url, seller.business_id).posted == 66_50  # 70.00 less the 5 % commission
    assert timeline_kinds(database_url, deal_id)[-2:] == ["dispute_opened", "ruling_executed"]


def test_refusals_say_why_and_strangers_get_404(app, database_url, member, listing, arbitrators):
    deal_id, buyer_api, seller_api, _buyer, _seller = delivered_deal(app, database_url, member, listing)
    stranger = as_user(app, database_url, member().user_id)
    arbitrator = as_user(app, database_url, arbitrators[0])

    bad = buyer_api.post(f"/api/v1/deals/{deal_id}/dispute", {**OPEN, "reason": "bored"})
    assert bad.status_code == 422 and "reason" in bad.json["errors"]
    assert stranger.post(f"/api/v1/deals/{deal_id}/dispute", OPEN).status_code == 404
    assert seller_api.post(f"/api/v1/deals/{deal_id}/dispute", OPEN).status_code == 201
    twice = buyer_api.post(f"/api/v1/deals/{deal_id}/dispute", OPEN)
    assert twice.status_code == 409 and "already disputed" in twice.json["message"]

    assert stranger.get(f"/api/v1/deals/{deal_id}/dispute").status_code == 404
    assert stranger.get(f"/api/v1/deals/{deal_id}/dispute/pack").status_code == 404
    assert arbitrator.get(f"/api/v1/deals/{deal_id}/dispute").status_code == 404  # not their case
    early = upload(buyer_api, deal_id, "Here is my side")
    assert early.status_code == 409 and "evidence opens when settlement talks end" in early.json["message"]
    assert seller_api.post(f"/api/v1/deals/{deal_id}/dispute/withdraw").status_code == 200
    assert deal_stage(buyer_api, deal_id, "inspection") == "inspection"  # the deal goes on
    ruling = {"legs": [{"currency": "CRD", "decision": "refund"}], "reasons": "Refund"}
    assert buyer_api.post(f"/api/v1/deals/{deal_id}/dispute/ruling", ruling).status_code == 404
    assert buyer_api.get("/api/v1/operator/disputes").status_code == 404
    assert buyer_api.get("/api/v1/arbitration/cases").status_code == 404


def test_with_temporal_away_opening_a_dispute_answers_503(app, settings, database_url, member, listing):
    deal_id, _buyer_api, _seller_api, buyer, _seller = delivered_deal(app, database_url, member, listing)
    closed = create_app(dataclasses.replace(settings, temporal_address=f"127.0.0.1:{free_port()}"),
                        config={"TESTING": True, "ARGON2_FAST": True})
    answer = as_user(closed, database_url, buyer.user_id).post(f"/api/v1/deals/{deal_id}/dispute", OPEN)
    assert answer.status_code == 503 and answer.json["code"] == "temporal_unavailable"


def test_evidence_reassignment_ruling_and_the_evidence_pack(quick_app, database_url, member, listing, arbitrators):
    deal_id, buyer_api, seller_api, buyer, seller = delivered_deal(quick_app, database_url, member, listing)
    assert buyer_api.post(f"/api/v1/deals/{deal_id}/dispute", OPEN).status_code == 201
    case = case_stage(buyer_api, deal_id, "evidence")
    assert case["stage"] == "evidence" and "submit_evidence" in case["allowed_actions"]

    too_big = upload(buyer_api, deal_id, "Photos", ("huge.png", PNG + b"\x00" * (25 * 1024 * 1024), "image/png"))
    assert too_big.status_code == 422 and "files are limited to 25 MB" in too_big.json["message"]
    refused_type = upload(buyer_api, deal_id, "A tool", ("tool.exe", b"MZ\x90\x00", "application/x-msdownload"))
    assert refused_type.status_code == 422 and "are not accepted" in refused_type.json["message"]
    disguised = upload(buyer_api, deal_id, "Photo", ("photo.png", b"not an image at all", "image/png"))
    assert disguised.status_code == 422 and "content does not match" in disguised.json["message"]
    assert buyer_api.get(f"/api/v1/deals/{deal_id}/dispute").json["evidence"] == []  # nothing stored

    assert upload(buyer_api, deal_id, "Only one draft arrived", ("draft.png", PNG, "image/png")).status_code == 200
    assert upload(seller_api, deal_id, "All three were sent", ("note.pdf", PDF, "application/pdf")).status_code == 200

    case = case_stage(buyer_api, deal_id, "awaiting_ruling")
    first = case["arbitrator"]["id"]
    operator = as_user(quick_app, database_url, a_staff_user(database_url, "admin").user_id)
    assert deal_id in [c["deal_id"] for c in operator.get("/api/v1/operator/disputes").json["items"]]
    moved = operator.post(f"/api/v1/operator/disputes/{deal_id}/reassign", {"why": "Arbitrator on leave"})
    assert moved.status_code == 200, moved.json
    second = case_stage(buyer_api, deal_id, "awaiting_ruling")["arbitrator"]
    assert second is not None and second["id"] != first

    half = {"legs": [{"currency": "CRD", "decision": "split_by_percent", "refund_bps": 5_000}],
            "reasons": "One draft of three was delivered late; the rest was usable."}
    too_late = as_user(quick_app, database_url, first).post(f"/api/v1/deals/{deal_id}/dispute/ruling", half)
    assert too_late.status_code == 409 and "taken off" in too_late.json["message"]
    judge = as_user(quick_app, database_url, second["id"])
    desk = judge.get(f"/api/v1/deals/{deal_id}/dispute").json
    assert desk["allowed_actions"] == ["rule"] and desk["party_records"]["buyer"]["disputes"] >= 1
    assert deal_id in [c["deal_id"] for c in judge.get("/api/v1/arbitration/cases").json["items"]]
    wrong = {"legs": [{"currency": "CRD", "decision": "split_by_amount", "to_payee_minor": 60_00,
                       "to_payer_minor": 30_00}], "reasons": "Split"}
    mismatch = judge.post(f"/api/v1/deals/{deal_id}/dispute/ruling", wrong)
    assert mismatch.status_code == 422 and "100.00 CRD is held" in mismatch.json["message"]
    assert judge.post(f"/api/v1/deals/{deal_id}/dispute/ruling", half).status_code == 200

    assert deal_stage(buyer_api, deal_id, "rating") == "rating"
    assert balance(database_url, buyer.business_id).posted == -52_50  # 50.00 back less half the 5.00 fee
    assert balance(database_url, seller.business_id).posted == 45_00  # 50.00 less 2.50 commission and fee

    pack = seller_api.get(f"/api/v1/deals/{deal_id}/dispute/pack").json
    kinds = [e["kind"] for e in pack["deal_timeline"]]
    assert kinds[:4] == ["offer_made", "accepted", "funded", "delivered"] and "ruling_executed" in kinds
    sha = hashlib.sha256(PNG).hexdigest()
    assert pack["evidence"][0]["files"][0]["sha256"] == sha
    assert "reassigned" in [e["kind"] for e in pack["dispute_timeline"]]
    download = judge.client.get(pack["evidence"][0]["files"][0]["url"], headers=judge.headers)
    assert download.status_code == 200 and download.data == PNG
    html = buyer_api.get(f"/api/v1/deals/{deal_id}/dispute/pack.html")
    assert html.status_code == 200 and sha in html.get_data(as_text=True)
