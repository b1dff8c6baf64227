"""Plans on the web and the API: a member subscribes, pays, cancels; an admin edits the fees."""

from __future__ import annotations

import dataclasses
import time

import pytest
import stripe

from devstack.ports import free_port
from domain.fees import FeeRule
from integrations.db.plans import fee_rule_for
from integrations.db.session import unit_of_work
from tests.builders import a_staff_user, a_token
from tests.web.conftest import Api, Browser
from web import create_app

PLANS_PAGE = {"Referer": "http://localhost/plans"}
VISA, DECLINED = "pm_card_visa", "pm_card_chargeDeclined"


@pytest.fixture
def sdk(settings) -> stripe.StripeClient:
    return stripe.StripeClient(settings.stripe_secret_key, base_addresses={"api": settings.stripe_api_base},
                               max_network_retries=0)


def paid_in_stripe(sdk: stripe.StripeClient, business_id: int) -> list[int]:
    group = f"subscription-{business_id}"
    return [pi.amount for pi in sdk.v1.payment_intents.list({"limit": 100}).auto_paging_iter()
            if pi.transfer_group == group and pi.status == "succeeded"]


def fee_rule(database_url: str, business_id: int) -> FeeRule:
    with unit_of_work(database_url) as session:
        return fee_rule_for(session, business_id)


def page(person: Browser, url: str = "/plans") -> str:
    answer = person.get(url)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


# ---- the member's page ----------------------------------------------------------------------
def test_a_member_sees_the_plans_side_by_side_and_is_on_free(visitor, member):
    html = page(visitor(member()))
    assert 'data-testid="current-plan" data-code="free"' in html
    assert html.count('data-testid="plan"') == 2
    assert "29.00 EUR" in html and "2.50 %" in html and "5.00 %" in html
    assert 'data-testid="no-payments"' in html and 'data-testid="choose-pro"' in html


def test_subscribing_to_pro_charges_once_and_the_page_shows_the_plan_and_the_payment(
        visitor, member, database_url, sdk):
    owner = member()
    person = visitor(owner)
    answer = person.post("/plans/subscribe", {"plan": "pro", "payment_method": VISA}, headers=PLANS_PAGE)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/plans")

    html = page(person)
    assert "You are subscribed." in html
    assert 'data-code="pro"' in html and 'data-testid="next-charge"' in html
    assert html.count('data-testid="payment" data-status="succeeded"') == 1
    assert paid_in_stripe(sdk, owner.business_id) == [29_00]
    assert fee_rule(database_url, owner.business_id) == FeeRule(250, 50)
    assert "Welcome to Pro" in page(person, "/inbox")

    person.post("/plans/cancel", headers=PLANS_PAGE)
    html = page(person)
    assert "your plan ends with the paid period" in html and 'data-testid="plan-ends"' in html
    assert 'data-testid="choose-pro"' in html  # "Keep Pro" takes the cancellation back
    assert fee_rule(database_url, owner.business_id) == FeeRule(250, 50)  # until the month ends


def test_a_declined_card_is_said_at_once_and_the_member_stays_on_free(visitor, member, sdk):
    owner = member()
    person = visitor(owner)
    answer = person.post("/plans/subscribe", {"plan": "pro", "payment_method": DECLINED}, headers=PLANS_PAGE)
    assert answer.status_code == 303

    html = page(person)
    assert "the first payment failed" in html
    assert 'data-testid="current-plan" data-code="free"' in html
    assert html.count('data-testid="payment" data-status="failed"') == 1
    assert paid_in_stripe(sdk, owner.business_id) == []


# ---- the API ------------------------------------------------------------------------------
def test_the_api_subscribes_refuses_twice_and_cancels(api, member, sdk):
    owner = member()
    caller = api(owner)
    assert [p["code"] for p in caller.get("/api/v1/plans").json] == ["free", "pro"]
    assert caller.get("/api/v1/subscription").json["plan"]["code"] == "free"

    subscribed = caller.post("/api/v1/subscription", {"plan": "pro", "payment_method": VISA})
    assert subscribed.status_code == 200, subscribed.json
    assert (subscribed.json["plan_code"], subscribed.json["status"]) == ("pro", "active")
    again = caller.post("/api/v1/subscription", {"plan": "pro"})
    assert again.status_code == 409 and again.json["code"] == "already_done"

    mine = caller.get("/api/v1/subscription").json
    assert mine["plan"]["code"] == "pro" and mine["subscription"]["next_charge_at"]
    assert [(p["amount"]["amount_minor"], p["status"]) for p in mine["payments"]] == [(29_00, "succeeded")]

    cancelled = caller.post("/api/v1/subscription/cancel")
    assert cancelled.status_code == 200 and cancelled.json["cancel_at_period_end"] is True
    assert cancelled.json["next_charge_at"] is None
    assert caller.post("/api/v1/subscription/cancel").json["code"] == "already_done"
    assert paid_in_stripe(sdk, owner.business_id) == [29_00]


@pytest.mark.parametrize("body, field", [({"plan": "free"}, "plan"), ({"plan": "gold"}, "plan"),
                                         ({"plan": "pro", "payment_method": "visa"}, "payment_method"),
                                         ({}, "plan")])
def test_choosing_a_plan_that_cannot_be_paid_for_is_422(api, member, body, field):
    answer = api(member()).post("/api/v1/subscription", body)
    assert answer.status_code == 422 and field in answer.json["errors"], answer.json


def test_cancelling_without_a_paid_plan_is_409(api, member):
    answer = api(member()).post("/api/v1/subscription/cancel")
    assert answer.status_code == 409 and "on Free" in answer.json["message"]


# ---- the admin's plans and fees -------------------------------------------------------------
def test_only_admins_reach_the_plans_admin(visitor, api, member, database_url):
    owner = member()
    assert visitor(owner).get("/staff/plans/").status_code == 404
    assert visitor(owner).post("/staff/plans/pro", {"commission_percent": "1.00"}).status_code == 404
    assert api(owner).get("/api/v1/admin/plans").status_code == 404
    finance = a_staff_user(database_url, "finance")
    assert visitor(finance).get("/staff/plans/").status_code == 404
    admin = visitor(a_staff_user(database_url, "admin"))
    html = page(admin, "/staff/plans/")
    assert 'data-testid="plan-admin" data-code="free"' in html and 'value="29.00"' in html
    assert 'data-testid="nav-plans"' in html


@pytest.mark.parametrize("code, form, field, message", [
    ("pro", {"commission_percent": "60"}, "commission_percent", "between 0 % and 50 %"),
    ("pro", {"commission_percent": "2.555"}, "commission_percent", "at most two decimals"),
    ("pro", {"monthly_price": "0.10"}, "monthly_price", "at least 0.50 EUR"),
    ("free", {"monthly_price": "5.00"}, "monthly_price", "costs nothing"),
    ("pro", {"minimum_fee": "-1"}, "minimum_fee", "not negative"),
    ("pro", {"name": ""}, "name", ""),
])
def test_a_bad_plan_edit_on_the_page_is_422_with_the_field_named(visitor, database_url, code, form, field, message):
    admin = visitor(a_staff_user(database_url, "admin"))
    values = {"name": code.capitalize(), "commission_percent": "2.50", "minimum_fee": "0.50",
              "monthly_price": "29.00" if code == "pro" else "0.00"}
    answer = admin.post(f"/staff/plans/{code}", {**values, **form})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'data-testid="error-{field}"' in html and message in html


@pytest.mark.parametrize("body, field", [({"commission_bps": 6_000}, "commission_bps"),
                                         ({"monthly_price_minor": 10}, "monthly_price_minor"),
                                         ({"minimum_fee_minor": "1"}, "minimum_fee_minor"),
                                         ({"name": " "}, "name")])
def test_a_bad_plan_edit_through_the_api_is_422(api, database_url, body, field):
    admin = api(a_staff_user(database_url, "admin"))
    answer = admin.client.patch("/api/v1/admin/plans/pro", json=body, headers=admin.headers)
    assert answer.status_code == 422 and field in answer.json["errors"], answer.json


def test_an_admin_changes_pros_commission_and_pro_members_pay_it_at_once(api, member, database_url):
    admin = api(a_staff_user(database_url, "admin"))
    subscriber = member()
    assert api(subscriber).post("/api/v1/subscription", {"plan": "pro"}).status_code == 200
    edit = admin.client.patch("/api/v1/admin/plans/pro", json={"commission_bps": 300}, headers=admin.headers)
    try:
        assert edit.status_code == 200 and edit.json["commission_bps"] == 300
        assert edit.json["monthly_price"]["amount_minor"] == 29_00  # the rest as it was
        assert fee_rule(database_url, subscriber.business_id) == FeeRule(300, 50)
        assert admin.client.patch("/api/v1/admin/plans/gold", json={"commission_bps": 1},
                                  headers=admin.headers).status_code == 404
    finally:
        admin.client.patch("/api/v1/admin/plans/pro", json={"commission_bps": 250}, headers=admin.headers)
    assert fee_rule(database_url, subscriber.business_id) == FeeRule(250, 50)


def test_a_good_plan_edit_on_the_page_is_saved(visitor, database_url):
    admin = visitor(a_staff_user(database_url, "admin"))
    form = {"name": "Pro", "commission_percent": "2.50", "minimum_fee": "0.50", "monthly_price": "29.00"}
    answer = admin.post("/staff/plans/pro", {**form, "commission_percent": "2.4"})
    try:
        assert answer.status_code == 303
        assert "commission 2.40 %" in page(admin, "/staff/plans/")
    finally:
        admin.post("/staff/plans/pro", form)


# ---- Temporal away --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def app_without_temporal(settings):
    closed = dataclasses.replace(settings, temporal_address=f"127.0.0.1:{free_port()}")
    return create_app(closed, config={"TESTING": True, "ARGON2_FAST": True})


def test_with_temporal_away_subscribing_answers_503_try_again(app_without_temporal, database_url, member):
    owner = member()
    caller = Api(app_without_temporal.test_client(), a_token(database_url, owner.user_id))
    started = time.monotonic()
    answer = caller.post("/api/v1/subscription", {"plan": "pro"})
    assert time.monotonic() - started < 8
    assert answer.status_code == 503 and "try again" in answer.json["message"]
    assert caller.get("/api/v1/subscription").status_code == 200  # reads still work

    person = Browser(app_without_temporal.test_client()).log_in(owner)
    answer = person.post("/plans/cancel", headers=PLANS_PAGE)
    assert answer.status_code == 303 and "try again" in page(person)


def test_a_pro_sellers_deals_pay_the_pro_commission(api, member, listing, database_url):
    from domain.money import credits
    from tests.web.conftest import proposal
    from tests.web.deal_checks import balance
    from tests.web.test_cash_and_barter_deals import act

    seller, buyer = member(), member()
    seller_api, buyer_api = api(seller), api(buyer)
    assert seller_api.post("/api/v1/subscription", {"plan": "pro", "payment_method": VISA}).status_code == 200
    pro_fee = fee_rule(database_url, seller.business_id).fee_for(credits(200_00))
    assert pro_fee != FeeRule().fee_for(credits(200_00))  # Pro's commission, not Free's

    deal_id = buyer_api.post("/api/v1/deals", proposal(listing(seller, price_minor=200_00),
                                                       price_minor=200_00)).json["deal_id"]
    for caller, action in ((seller_api, "accept"), (buyer_api, "fund"), (seller_api, "deliver"),
                           (buyer_api, "confirm")):
        assert act(caller, deal_id, action).status_code == 200, action
    assert balance(database_url, seller.business_id).posted == 200_00 - pro_fee.amount_minor
