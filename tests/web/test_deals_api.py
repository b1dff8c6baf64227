"""Deals through the JSON API, against the real Temporal dev server and worker."""

from __future__ import annotations

import uuid

import pytest

from tests.web.conftest import Api, in_days, proposal
from tests.web.deal_checks import balance, deals_on_listing, stage_and_version, timeline_kinds, transfers

GOOD = {"quality": 5, "timeliness": 4, "communication": 5, "comment": "Great work"}


@pytest.fixture
def pair(api, member, listing):
    """A seller with an offer listing, a buyer; both with API clients."""
    seller, buyer = member(), member()
    listing_id = listing(seller, price_minor=200_00)
    return api(seller), api(buyer), listing_id, seller, buyer


def open_deal(buyer: Api, listing_id: int, **extra) -> str:
    answer = buyer.post("/api/v1/deals", proposal(listing_id, price_minor=200_00, **extra))
    assert answer.status_code == 201, answer.json
    return answer.json["deal_id"]


def act(caller: Api, deal_id: str, action: str, body: dict | None = None):
    return caller.post(f"/api/v1/deals/{deal_id}/actions/{action}", body or {})


def test_a_credit_deal_runs_from_offer_to_closed(pair, database_url):
    seller_api, buyer_api, listing_id, seller, buyer = pair
    deal_id = open_deal(buyer_api, listing_id)
    shown = buyer_api.get(f"/api/v1/deals/{deal_id}").json
    assert shown["stage"] == "proposed" and shown["role"] == "buyer"
    assert shown["allowed_actions"] == ["withdraw"]
    assert shown["terms"]["price"] == [{"amount_minor": 200_00, "currency": "CRD", "display": "200.00 CRD"}]
    assert shown["terms"]["delivery_due_at"].startswith(in_days(10) + "T17:00:00")
    assert [d["name"] for d in shown["deadlines"]] == ["offer expires"]
    assert set(seller_api.get(f"/api/v1/deals/{deal_id}").json["allowed_actions"]) == {"counter", "accept", "decline"}

    steps = [
        (seller_api, "accept", {}, "funding"),
        (buyer_api, "fund", {}, "in_delivery"),
        (seller_api, "deliver", {"note": "First version"}, "inspection"),
        (buyer_api, "request_changes", {"note": "Darker blue, please"}, "in_delivery"),
        (seller_api, "deliver", {"note": "Second version"}, "inspection"),
        (buyer_api, "confirm", {}, "rating"),
        (buyer_api, "review", GOOD, "rating"),
        (seller_api, "review", {"quality": 4, "timeliness": 5, "communication": 5}, "closed"),
    ]
    for caller, action, body, stage in steps:
        answer = act(caller, deal_id, action, body)
        assert answer.status_code == 200, (action, answer.json)
        assert answer.json["stage"] == stage and answer.json["deal"]["stage"] == stage

    assert timeline_kinds(database_url, deal_id) == [
        "offer_made", "accepted", "funded", "delivered", "changes_requested", "delivered", "completed",
        "review_submitted", "closed"]
    closed = buyer_api.get(f"/api/v1/deals/{deal_id}").json
    assert closed["allowed_actions"] == [] and len(closed["reviews"]) == 2
    assert [e["actor_name"] for e in closed["timeline"]][:2] == [buyer.name, seller.name]
    assert balance(database_url, buyer.business_id).posted == -200_00
    assert balance(database_url, seller.business_id).posted == 190_00  # less the 5 % fee
    credits = buyer_api.get("/api/v1/balance").json
    assert credits["balance"]["posted"] == -200_00 and credits["balance"]["pending_out"] == 0
    assert credits["statement"][0]["running_balance"] == -200_00


def test_reviews_are_double_blind_until_both_are_in(pair):
    seller_api, buyer_api, listing_id, _seller, _buyer = pair
    deal_id = open_deal(buyer_api, listing_id)
    for caller, action in [(seller_api, "accept"), (buyer_api, "fund"), (seller_api, "deliver"), (buyer_api, "confirm")]:
        assert act(caller, deal_id, action).status_code == 200
    assert act(buyer_api, deal_id, "review", GOOD).status_code == 200
    assert [r["comment"] for r in buyer_api.get(f"/api/v1/deals/{deal_id}").json["reviews"]] == ["Great work"]
    assert seller_api.get(f"/api/v1/deals/{deal_id}").json["reviews"] == []  # the partner's stays hidden
    assert act(buyer_api, deal_id, "review", GOOD).status_code == 409  # once per party


def test_the_wrong_party_or_the_wrong_stage_is_refused_and_nothing_changes(pair, database_url):
    seller_api, buyer_api, listing_id, _seller, _buyer = pair
    deal_id = open_deal(buyer_api, listing_id)
    before = stage_and_version(database_url, deal_id)
    own_offer = act(buyer_api, deal_id, "accept")
    assert own_offer.status_code == 409
    assert own_offer.json["code"] == "not_a_deal_party" and "offer was made to" in own_offer.json["message"]
    too_early = act(buyer_api, deal_id, "fund")
    assert too_early.status_code == 409 and "while the deal is proposed" in too_early.json["message"]
    assert act(seller_api, deal_id, "confirm").status_code == 409
    assert stage_and_version(database_url, deal_id) == before
    assert transfers(database_url, deal_id) == []


def test_another_members_deal_is_not_found(pair, api, member):
    _seller_api, buyer_api, listing_id, _seller, _buyer = pair
    deal_id = open_deal(buyer_api, listing_id)
    stranger = api(member())
    assert stranger.get(f"/api/v1/deals/{deal_id}").status_code == 404
    assert act(stranger, deal_id, "accept").status_code == 404
    assert deal_id not in [d["deal_id"] for d in stranger.get("/api/v1/deals").json["items"]]
    assert stranger.get("/api/v1/deals/no-such-deal").status_code == 404
    assert api().get(f"/api/v1/deals/{deal_id}").status_code == 401


@pytest.mark.parametrize(("change", "field"), [
    ({"delivery_due_at": "2020-01-01"}, "delivery_due_at"),
    ({"delivery_due_at": "tomorrow"}, "delivery_due_at"),
    ({"inspection_days": 0}, "inspection_days"),
    ({"inspection_days": 31}, "inspection_days"),
    ({"price": {"amount_minor": -1, "currency": "CRD"}}, "price.amount_minor"),
    ({"price": {"amount_minor": 0, "currency": "CRD"}}, "price.amount_minor"),
    ({"price": {"amount_minor": 99.5, "currency": "CRD"}}, "price.amount_minor"),
    ({"price": {"amount_minor": 10**15, "currency": "CRD"}}, "price.amount_minor"),
    ({"surprise": True}, "surprise"),
    ({"listing_id": "one"}, "listing_id"),
])
def test_malformed_proposals_get_422_with_field_errors(pair, database_url, change, field):
    _seller_api, buyer_api, listing_id, _seller, _buyer = pair
    answer = buyer_api.post("/api/v1/deals", {**proposal(listing_id), **change})
    assert answer.status_code == 422 and field in answer.json["errors"], answer.json
    assert answer.json["message"]
    assert deals_on_listing(database_url, listing_id) == 0


def test_malformed_json_and_bad_action_bodies_get_422(pair, database_url):
    seller_api, buyer_api, listing_id, _seller, _buyer = pair
    broken = buyer_api.client.post("/api/v1/deals", data="{'listing_id': 1", content_type="application/json",
                                   headers=buyer_api.headers)
    assert broken.status_code == 422 and broken.json["code"] == "invalid_input"
    deal_id = open_deal(buyer_api, listing_id)
    assert act(seller_api, deal_id, "decline", {"note": "no", "extra": 1}).status_code == 422
    past = act(seller_api, deal_id, "counter", {"delivery_due_at": "2001-01-01"})
    assert past.status_code == 422 and "delivery_due_at" in past.json["errors"]
    nothing_changed = act(seller_api, deal_id, "counter", {})
    assert nothing_changed.status_code == 422 and "must change something" in nothing_changed.json["message"]
    assert stage_and_version(database_url, deal_id) == ("proposed", 1)


def test_funding_beyond_the_credit_line_is_refused_without_a_hold(api, member, listing, database_url):
    seller, buyer = member(), member(credit_line_minor=100_00)
    listing_id = listing(seller, price_minor=150_00)
    buyer_api, seller_api = api(buyer), api(seller)
    deal_id = buyer_api.post("/api/v1/deals", proposal(listing_id, price_minor=150_00)).json["deal_id"]
    assert act(seller_api, deal_id, "accept").status_code == 200
    before = balance(database_url, buyer.business_id)
    refused = act(buyer_api, deal_id, "fund")
    assert refused.status_code == 409 and refused.json["code"] == "credit_limit_exceeded"
    assert "credit line of 100.00 CRD" in refused.json["message"]
    assert balance(database_url, buyer.business_id) == before
    assert transfers(database_url, deal_id) == []
    assert stage_and_version(database_url, deal_id)[0] == "funding"
    assert "fund" in buyer_api.get(f"/api/v1/deals/{deal_id}").json["allowed_actions"]


def test_the_same_proposal_twice_opens_one_deal(pair, database_url):
    _seller_api, buyer_api, listing_id, _seller, _buyer = pair
    key = uuid.uuid4().hex
    first = buyer_api.post("/api/v1/deals", proposal(listing_id), **{"Idempotency-Key": key})
    again = buyer_api.post("/api/v1/deals", proposal(listing_id), **{"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json["deal_id"] == again.json["deal_id"]
    by_body = [buyer_api.post("/api/v1/deals", proposal(listing_id, request_id="form-1")).json["deal_id"]
               for _ in range(2)]
    assert by_body[0] == by_body[1] != first.json["deal_id"]
    assert deals_on_listing(database_url, listing_id) == 2
    assert timeline_kinds(database_url, first.json["deal_id"]) == ["offer_made"]


def test_funding_twice_holds_once(pair, database_url):
    seller_api, buyer_api, listing_id, _seller, buyer = pair
    deal_id = open_deal(buyer_api, listing_id)
    assert act(seller_api, deal_id, "accept").status_code == 200
    assert act(buyer_api, deal_id, "fund").status_code == 200
    second = act(buyer_api, deal_id, "fund")
    assert second.status_code == 409 and "in delivery" in second.json["message"]
    assert transfers(database_url, deal_id) == [(f"deal:{deal_id}:fund:CRD", "pending", "pending")]
    assert balance(database_url, buyer.business_id).pending_out == 200_00


def test_counter_offer_then_accept_by_the_other_side(pair):
    seller_api, buyer_api, listing_id, _seller, _buyer = pair
    deal_id = open_deal(buyer_api, listing_id)
    countered = act(seller_api, deal_id, "counter", {"price": {"amount_minor": 250_00, "currency": "CRD"},
                                                     "inspection_days": 3})
    assert countered.status_code == 200 and "200.00 CRD → 250.00 CRD" in countered.json["summary"]
    shown = buyer_api.get(f"/api/v1/deals/{deal_id}").json
    assert shown["terms"]["price"][0]["amount_minor"] == 250_00 and shown["terms"]["inspection_days"] == 3
    assert "accept" in shown["allowed_actions"] and act(seller_api, deal_id, "accept").status_code == 409
    assert act(buyer_api, deal_id, "accept").json["stage"] == "funding"


def test_decline_withdraw_cancel_and_extend(pair, api, member, listing):
    seller_api, buyer_api, listing_id, _seller, _buyer = pair
    declined = open_deal(buyer_api, listing_id)
    assert act(seller_api, declined, "decline", {"note": "Fully booked"}).json["stage"] == "declined"
    withdrawn = open_deal(buyer_api, listing_id)
    assert act(buyer_api, withdrawn, "withdraw").json["stage"] == "cancelled"
    extended = open_deal(buyer_api, listing_id)
    act(seller_api, extended, "accept")
    assert act(buyer_api, extended, "cancel", {"note": "Changed plans"}).json["stage"] == "cancelled"
    funded = open_deal(buyer_api, listing_id)
    act(seller_api, funded, "accept")
    act(buyer_api, funded, "fund")
    moved = act(buyer_api, funded, "extend_delivery", {"delivery_due_at": in_days(20)})
    assert moved.status_code == 200
    assert moved.json["deal"]["terms"]["delivery_due_at"].startswith(in_days(20))
    earlier = act(buyer_api, funded, "extend_delivery", {"delivery_due_at": in_days(5)})
    assert earlier.status_code == 422 and "later than the current one" in earlier.json["message"]
    assert act(buyer_api, funded, "extend_delivery", {}).status_code == 422


def test_on_a_want_listing_the_proposer_is_the_seller(api, member, listing):
    wanter, provider = member(), member()
    listing_id = listing(wanter, kind="want", price_minor=80_00)
    deal = api(provider).post("/api/v1/deals", proposal(listing_id, price_minor=80_00)).json["deal"]
    assert deal["seller"]["id"] == provider.business_id and deal["buyer"]["id"] == wanter.business_id
    assert deal["role"] == "seller"


def test_no_deal_with_ones_own_listing_and_none_for_staff(api, member, listing, database_url):
    from tests.builders import a_staff_user

    owner = member()
    listing_id = listing(owner)
    own = api(owner).post("/api/v1/deals", proposal(listing_id))
    assert own.status_code == 409 and "itself" in own.json["message"]
    staff = api(a_staff_user(database_url, "finance"))
    assert staff.post("/api/v1/deals", proposal(listing_id)).status_code == 404
    assert staff.get("/api/v1/deals").status_code == 404
    assert staff.get("/api/v1/me").json["role"] == "finance"
    assert api(member()).post("/api/v1/deals", proposal(999_999_999)).status_code == 404


def test_my_deals_can_be_filtered_by_stage(pair):
    seller_api, buyer_api, listing_id, _seller, _buyer = pair
    open_one, accepted = open_deal(buyer_api, listing_id), open_deal(buyer_api, listing_id)
    act(seller_api, accepted, "accept")
    listed = {d["deal_id"]: d["stage"] for d in buyer_api.get("/api/v1/deals").json["items"]}
    assert listed == {open_one: "proposed", accepted: "funding"}
    funding = buyer_api.get("/api/v1/deals?stage=funding").json["items"]
    assert [d["deal_id"] for d in funding] == [accepted]
    assert buyer_api.get("/api/v1/deals?stage=bogus").status_code == 422
