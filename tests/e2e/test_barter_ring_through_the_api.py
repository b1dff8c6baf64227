"""Three new businesses close a barter ring through the JSON API of the stack `make run` starts:
register, get verified, publish an offer and a want, see matches, are proposed the ring, all
accept, deliver and confirm the three deals, and the ring completes with nobody out of pocket."""

from __future__ import annotations

import time
import uuid

import pytest

from devstack.api_client import ApiClient
from tests.e2e.test_credit_deal_through_the_api import a_member, mails_to
from tests.workflows.test_credit_deal import assert_ledger_invariants

pytestmark = pytest.mark.e2e
# Ada keeps books and wants a logo, Ben designs logos and wants a website, Cleo builds websites
# and wants her books kept: each wants what the next offers, and no two could swap directly.
SERVICES = [("Ada", "bookkeeping", "Monthly bookkeeping"), ("Ben", "logo-design", "A logo and a style sheet"),
            ("Cleo", "web-development", "A five-page website")]


def eventually(read, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := read():
            return found
        time.sleep(0.3)
    raise AssertionError("not seen in time")


def publish(member: ApiClient, city: str, kind: str, category: str, title: str) -> int:
    answer = member.post("/api/v1/listings", {
        "kind": kind, "title": title, "description": f"{title}, on site", "category": category,
        "open_to_barter": True, "delivery_mode": "on_site", "city": city})
    assert answer.status == 201, answer.body
    return answer.body["id"]


def ring_of(member: ApiClient, key: str) -> dict:
    answer = member.get(f"/api/v1/rings/{key}")
    assert answer.status == 200, answer.body
    return answer.body


def test_three_new_members_complete_a_barter_ring(api, running_stack):
    # A city of their own: the demo listings and other tests' cannot join this ring.
    city = f"Ringtown {uuid.uuid4().hex[:8]}"
    members = [a_member(api, name) for name, _, _ in SERVICES]
    ids = [m.get("/api/v1/me").body["business_id"] for m in members]
    offers, wants = [], []
    for i, member in enumerate(members):
        _, category, title = SERVICES[i]
        offers.append(publish(member, city, "offer", category, title))
        _, wanted, wanted_title = SERVICES[(i + 1) % 3]
        wants.append(publish(member, city, "want", wanted, f"Looking for: {wanted_title}"))

    for i, member in enumerate(members):  # each sees the offer that fits its want, with the reasons
        found = eventually(lambda m=member, i=i: [x for x in m.get("/api/v1/matches").body["items"]
                                                  if x["my_listing_id"] == wants[i]])
        assert [(x["listing_id"], x["business_id"]) for x in found] == [(offers[(i + 1) % 3], ids[(i + 1) % 3])]
        assert found[0]["score"] >= 90 and found[0]["parts"]["delivery"] == 10

    rings = eventually(lambda: [r for r in members[0].get("/api/v1/rings").body["items"] if r["status"] == "proposed"])
    [ring] = rings
    key = ring["ring_key"]
    assert [b["business_id"] for b in ring["businesses"]] == ids
    assert [(leg["seller_id"], leg["buyer_id"], leg["title"]) for leg in ring["legs"]] == [
        (ids[1], ids[0], SERVICES[1][2]), (ids[2], ids[1], SERVICES[2][2]), (ids[0], ids[2], SERVICES[0][2])]
    for member in members:  # proposed to all three, in the app (and by email, through the outbox)
        inbox = member.get("/api/v1/notifications").body["items"]
        assert any(n["kind"] == "ring" and "barter ring is proposed" in n["subject"] for n in inbox)
        assert ring_of(member, key)["may_answer"] is True
    stranger = a_member(api, "Stranger")
    assert stranger.get(f"/api/v1/rings/{key}").status == 404
    assert stranger.post(f"/api/v1/rings/{key}/accept").status == 404

    for member in members[:2]:
        assert member.post(f"/api/v1/rings/{key}/accept").body["status"] == "proposed"
    twice = members[0].post(f"/api/v1/rings/{key}/accept")
    assert twice.status == 409 and "already accepted" in twice.body["message"]
    assert members[2].post(f"/api/v1/rings/{key}/accept").body["status"] == "funding"

    running = eventually(lambda: (r := ring_of(members[0], key))["status"] == "running" and r)
    assert [leg["deal_stage"] for leg in running["legs"]] == ["in_delivery"] * 3
    for member in members:  # each provider's bond is held in its leg's escrow, nothing is paid
        balance = member.get("/api/v1/balance").body["balance"]
        assert (balance["posted"], balance["pending_out"]) == (0, 50_00)

    for leg in running["legs"]:
        deal = f"/api/v1/deals/{leg['deal_id']}"
        seller, buyer = members[ids.index(leg["seller_id"])], members[ids.index(leg["buyer_id"])]
        shown = buyer.get(deal).body
        assert (shown["stage"], shown["model"], shown["ring_id"]) == ("in_delivery", "barter", key)
        refused = buyer.post(f"{deal}/actions/deliver", {"note": "not mine to deliver"})
        assert refused.status == 409 and "other side delivers" in refused.body["message"]
        assert seller.post(f"{deal}/actions/deliver", {"note": "Done as agreed"}).status == 200
        confirmed = buyer.post(f"{deal}/actions/confirm")
        assert confirmed.status == 200 and confirmed.body["stage"] == "rating", confirmed.body

    done = eventually(lambda: (r := ring_of(members[1], key))["status"] == "completed" and r)
    assert [leg["deal_stage"] for leg in done["legs"]] == ["rating"] * 3
    for member in members:  # bonds back, nobody paid anybody
        balance = member.get("/api/v1/balance").body["balance"]
        assert (balance["posted"], balance["pending_out"]) == (0, 0)
    for leg in done["legs"]:
        assert_ledger_invariants(running_stack.env["DATABASE_URL"], leg["deal_id"], closed=True)
    assert any("barter ring" in m["subject"].lower() for m in eventually(lambda: mails_to(running_stack.mail_ui, "ada-")))
