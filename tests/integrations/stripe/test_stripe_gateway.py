"""StripeGateway against the real local Stripe server, over HTTP, through the real stripe SDK."""

from __future__ import annotations

import pytest
import requests

from devstack.ports import free_port
from integrations.stripe import (
    ConnectedAccount,
    PaymentDeclined,
    StripeGateway,
    StripeRejected,
    StripeUnavailable,
)


def pay(gateway: StripeGateway, key, amount: int = 10_000, group: str = "deal-1",
        payment_method: str = "pm_card_visa"):
    customer = gateway.create_customer("buyer@example.test", "Buyer Ltd", 42, key("customer"))
    return gateway.create_payment_intent(amount, "EUR", customer.id, group, {"deal_id": "1"},
                                         key("fund"), payment_method=payment_method)


def test_payment_intent_is_captured_at_once_with_its_transfer_group(gateway, key):
    customer = gateway.create_customer("buyer@example.test", "Buyer Ltd", 42, key("customer"))
    assert customer.id.startswith("cus_")

    intent = gateway.create_payment_intent(12_345, "EUR", customer.id, "deal-7", {"deal_id": "7"},
                                           key("fund"))

    assert intent.id.startswith("pi_") and intent.succeeded
    assert (intent.amount_minor, intent.currency, intent.customer_id) == (12_345, "EUR", customer.id)
    assert intent.transfer_group == "deal-7"
    assert intent.metadata == {"deal_id": "7"}
    assert intent.latest_charge_id and intent.latest_charge_id.startswith("ch_")
    assert gateway.retrieve_payment_intent(intent.id) == intent


def test_a_declined_card_raises_payment_declined_with_stripes_message(gateway, key):
    with pytest.raises(PaymentDeclined) as declined:
        pay(gateway, key, payment_method="pm_card_chargeDeclined")

    assert declined.value.message == "Your card was declined."
    assert declined.value.decline_code == "generic_decline"
    intent = gateway.retrieve_payment_intent(declined.value.payment_intent_id)
    assert intent.status == "requires_payment_method"


def test_visiting_the_onboarding_link_enables_the_connected_account(gateway, key, stripe_server):
    account = gateway.create_connected_account("seller@example.test", 7, key("account"))
    assert account == ConnectedAccount(account.id, "seller@example.test", False, False, False)

    link = gateway.create_onboarding_link(account.id, "http://127.0.0.1:5000/onboarding/refresh",
                                          "http://127.0.0.1:5000/onboarding/done")
    assert link.url.startswith(f"{stripe_server.base_url}/connect/onboard/{account.id}?")
    visit = requests.get(link.url, allow_redirects=False, timeout=5)  # a browser: no API key

    assert visit.status_code == 302
    assert visit.headers["Location"] == "http://127.0.0.1:5000/onboarding/done"
    enabled = gateway.retrieve_account(account.id)
    assert enabled.charges_enabled and enabled.payouts_enabled and enabled.details_submitted


def test_an_onboarding_url_without_its_link_token_is_not_found(gateway, key, stripe_server):
    account = gateway.create_connected_account("seller@example.test", 7, key("account"))
    url = f"{stripe_server.base_url}/connect/onboard/{account.id}?link=link_forged"

    assert requests.get(url, allow_redirects=False, timeout=5).status_code == 404
    assert not gateway.retrieve_account(account.id).charges_enabled


def test_transfers_go_to_the_seller_and_are_listed_by_transfer_group(gateway, key, onboarded_account):
    intent = pay(gateway, key, group="deal-transfer")
    other = gateway.create_transfer(100, "EUR", onboarded_account, "deal-other", None, key("other"))

    transfer = gateway.create_transfer(9_000, "EUR", onboarded_account, "deal-transfer",
                                       intent.latest_charge_id, key("release"))

    assert transfer.id.startswith("tr_")
    assert (transfer.amount_minor, transfer.currency, transfer.destination) == (
        9_000, "EUR", onboarded_account)
    assert transfer.source_transaction == intent.latest_charge_id
    assert gateway.list_transfers("deal-transfer") == [transfer]
    assert gateway.list_transfers("deal-other") == [other]
    assert gateway.retrieve_transfer(transfer.id) == transfer


def test_refunds_are_listed_by_payment_intent_and_cannot_exceed_the_charge(gateway, key):
    intent = pay(gateway, key, amount=5_000)

    first = gateway.create_refund(intent.id, 2_000, key("refund-1"))
    second = gateway.create_refund(intent.id, 3_000, key("refund-2"))

    assert (first.amount_minor, first.currency, first.status) == (2_000, "EUR", "succeeded")
    assert first.payment_intent_id == intent.id
    assert first.charge_id == intent.latest_charge_id
    assert sorted(r.id for r in gateway.list_refunds(intent.id)) == sorted([first.id, second.id])
    with pytest.raises(StripeRejected):
        gateway.create_refund(intent.id, 1, key("refund-3"))


def test_a_split_cannot_pay_out_more_than_the_charge(gateway, key, onboarded_account):
    intent = pay(gateway, key, amount=10_000, group="deal-split")
    gateway.create_refund(intent.id, 4_000, key("split-refund"))

    with pytest.raises(StripeRejected) as refused:
        gateway.create_transfer(6_001, "EUR", onboarded_account, "deal-split",
                                intent.latest_charge_id, key("split-release"))

    assert refused.value.param == "amount"
    released = gateway.create_transfer(6_000, "EUR", onboarded_account, "deal-split",
                                       intent.latest_charge_id, key("split-release-ok"))
    assert released.amount_minor == 6_000


def test_an_unknown_destination_is_rejected_not_retried(gateway, key):
    with pytest.raises(StripeRejected) as refused:
        gateway.create_transfer(100, "EUR", "acct_doesnotexist", "deal-x", None, key("release"))

    assert refused.value.http_status == 400
    assert refused.value.param == "destination"
    assert "acct_doesnotexist" in refused.value.message
    assert not refused.value.retryable


def test_an_unknown_payment_intent_is_rejected(gateway, key):
    with pytest.raises(StripeRejected):
        gateway.create_refund("pi_doesnotexist", 100, key("refund"))


def test_no_server_means_stripe_is_unavailable(key):
    gateway = StripeGateway("sk_test_x", f"http://127.0.0.1:{free_port()}", timeout=2)

    with pytest.raises(StripeUnavailable) as unavailable:
        gateway.create_customer("a@example.test", "A", 1, key("customer"))

    assert unavailable.value.retryable


def test_every_write_needs_an_idempotency_key(gateway):
    with pytest.raises(ValueError):
        gateway.create_customer("a@example.test", "A", 1, "")
