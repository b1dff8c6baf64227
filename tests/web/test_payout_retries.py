"""A payout Stripe refuses waits in finance's queue; finance retries it until it is sent, once."""

from __future__ import annotations

import stripe
from sqlalchemy import update

from integrations.db.session import unit_of_work
from integrations.db.stripe_records import StripeAccount
from tests.builders import a_staff_user, a_token
from tests.web.conftest import Api
from tests.web.test_cash_and_barter_deals import a_hybrid_deal, act
from tests.workflows.test_credit_deal import assert_ledger_invariants


def stripe_transfers(settings, deal_id: str) -> list[int]:
    sdk = stripe.StripeClient(settings.stripe_secret_key, base_addresses={"api": settings.stripe_api_base})
    return [t.amount for t in sdk.v1.transfers.list({"transfer_group": f"deal-{deal_id}"}).auto_paging_iter()]


def payouts_enabled(database_url: str, business_id: int, enabled: bool) -> None:
    """What Stripe does when it disables an account (e.g. missing documents)."""
    with unit_of_work(database_url) as session:
        session.execute(update(StripeAccount).where(StripeAccount.business_id == business_id)
                        .values(payouts_enabled=enabled))


def test_finance_retries_a_refused_payout_until_it_is_sent_once(app, api, member, listing, database_url,
                                                                  settings, visitor):
    seller_api, buyer_api, deal_id, seller, _buyer = a_hybrid_deal(api, member, listing, "accept", "fund", "deliver")
    payouts_enabled(database_url, seller.business_id, False)
    assert act(buyer_api, deal_id, "confirm").json["stage"] == "rating"  # the deal does not wait

    finance_login = a_staff_user(database_url, "finance")
    finance = Api(app.test_client(), a_token(database_url, finance_login.user_id))
    key = f"deal:{deal_id}:release:EUR"
    queue = finance.get("/api/v1/finance/payouts?status=failed&kind=payout").json
    assert key in [m["key"] for m in queue]
    page = visitor(finance_login).get("/finance/payouts").get_data(as_text=True)
    assert f'data-testid="queued-payout" data-key="{key}"' in page and 'data-testid="retry-payout"' in page
    assert f'data-key="{key}" data-status="failed"' in page

    again = finance.post(f"/api/v1/finance/payouts/{key}/retry")
    assert again.status_code == 200 and again.json["succeeded"] is False
    assert "payouts" in again.json["message"]

    payouts_enabled(database_url, seller.business_id, True)
    sent = finance.post(f"/api/v1/finance/payouts/{key}/retry")
    assert sent.json["succeeded"] is True and sent.json["stripe_id"].startswith("tr_")
    twice = finance.post(f"/api/v1/finance/payouts/{key}/retry")
    assert twice.status_code == 409 and "would pay the seller twice" in twice.json["message"]
    (row,) = [m for m in finance.get("/api/v1/finance/payouts?kind=payout").json if m["key"] == key]
    assert (row["status"], row["stripe_id"], row["retries"], row["retryable"]) == ("succeeded", sent.json["stripe_id"], 2, False)
    assert row["retried_by"] == "Staff finance" and row["retried_at"]
    page = visitor(finance_login).get("/finance/payouts").get_data(as_text=True)
    assert f'data-testid="queued-payout" data-key="{key}"' not in page
    assert stripe_transfers(settings, deal_id) == [57_00]
    assert_ledger_invariants(database_url, deal_id, closed=True)

    assert finance.post("/api/v1/finance/payouts/deal:nope:release:EUR/retry").status_code == 404
    assert seller_api.post(f"/api/v1/finance/payouts/{key}/retry").status_code == 404
