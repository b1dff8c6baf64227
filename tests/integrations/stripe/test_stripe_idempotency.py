"""Idempotency keys through the gateway: a retried step never pays twice.

Counts are taken by listing on the server, not from the gateway's return values, so a
duplicate object would show up even if the answers looked alike.
"""

from __future__ import annotations

import pytest

from integrations.stripe import PaymentDeclined, StripeGateway, StripeRejected, StripeUnavailable


@pytest.fixture
def customer_id(gateway: StripeGateway, key) -> str:
    return gateway.create_customer("buyer@example.test", "Buyer Ltd", 42, key("customer")).id


def fund(gateway: StripeGateway, customer_id: str, idempotency_key: str, amount: int = 10_000,
         payment_method: str = "pm_card_visa"):
    return gateway.create_payment_intent(amount, "EUR", customer_id, "deal-idem", {},
                                         idempotency_key, payment_method=payment_method)


def charges_of(stripe_client, customer_id: str) -> list:
    return stripe_client.v1.charges.list({"customer": customer_id, "limit": 100}).data


def test_the_same_key_twice_charges_the_buyer_once(gateway, key, customer_id, stripe_client):
    first = fund(gateway, customer_id, key("fund"))
    again = fund(gateway, customer_id, key("fund"))

    assert again == first
    assert [c.id for c in charges_of(stripe_client, customer_id)] == [first.latest_charge_id]


def test_the_same_key_twice_transfers_once(gateway, key, onboarded_account):
    first = gateway.create_transfer(500, "EUR", onboarded_account, "deal-idem-tr", None, key("release"))
    again = gateway.create_transfer(500, "EUR", onboarded_account, "deal-idem-tr", None, key("release"))

    assert again == first
    assert gateway.list_transfers("deal-idem-tr") == [first]


def test_the_same_key_twice_refunds_once(gateway, key, customer_id):
    intent = fund(gateway, customer_id, key("fund"))

    first = gateway.create_refund(intent.id, 1_000, key("refund"))
    again = gateway.create_refund(intent.id, 1_000, key("refund"))

    assert again == first
    assert gateway.list_refunds(intent.id) == [first]


def test_a_key_reused_with_other_parameters_is_refused(gateway, key, customer_id, stripe_client):
    fund(gateway, customer_id, key("fund"), amount=10_000)

    with pytest.raises(StripeRejected) as refused:
        fund(gateway, customer_id, key("fund"), amount=20_000)

    assert refused.value.http_status == 400
    assert "same parameters" in refused.value.message
    assert len(charges_of(stripe_client, customer_id)) == 1


def test_a_decline_is_replayed_not_retried(gateway, key, customer_id, stripe_client):
    with pytest.raises(PaymentDeclined) as first:
        fund(gateway, customer_id, key("fund"), payment_method="pm_card_chargeDeclined")
    with pytest.raises(PaymentDeclined) as again:
        fund(gateway, customer_id, key("fund"), payment_method="pm_card_chargeDeclined")

    assert again.value.payment_intent_id == first.value.payment_intent_id
    assert len(charges_of(stripe_client, customer_id)) == 1


def test_a_lost_transfer_response_is_retried_safely(gateway, key, onboarded_account, faults):
    faults("/v1/transfers", mode="after")

    with pytest.raises(StripeUnavailable) as lost:
        gateway.create_transfer(800, "EUR", onboarded_account, "deal-lost", None, key("release"))
    assert lost.value.http_status == 500 and lost.value.retryable

    retried = gateway.create_transfer(800, "EUR", onboarded_account, "deal-lost", None, key("release"))
    assert gateway.list_transfers("deal-lost") == [retried]


def test_a_transfer_refused_before_the_work_happens_is_done_by_the_retry(
        gateway, key, onboarded_account, faults):
    faults("/v1/transfers", mode="before", status=503)

    with pytest.raises(StripeUnavailable):
        gateway.create_transfer(900, "EUR", onboarded_account, "deal-before", None, key("release"))
    assert gateway.list_transfers("deal-before") == []

    retried = gateway.create_transfer(900, "EUR", onboarded_account, "deal-before", None, key("release"))
    assert gateway.list_transfers("deal-before") == [retried]


def test_a_lost_payment_response_is_retried_without_charging_twice(
        gateway, key, customer_id, faults, stripe_client):
    faults("/v1/payment_intents", mode="after")

    with pytest.raises(StripeUnavailable):
        fund(gateway, customer_id, key("fund"))
    retried = fund(gateway, customer_id, key("fund"))

    assert retried.succeeded
    assert [c.id for c in charges_of(stripe_client, customer_id)] == [retried.latest_charge_id]


def test_keys_are_scoped_to_the_api_key(stripe_server, key, onboarded_account):
    ours = StripeGateway("sk_test_platform_a", stripe_server.base_url)
    theirs = StripeGateway("sk_test_platform_b", stripe_server.base_url)

    first = ours.create_transfer(100, "EUR", onboarded_account, "deal-scope", None, key("release"))
    second = theirs.create_transfer(100, "EUR", onboarded_account, "deal-scope", None, key("release"))

    assert first.id != second.id
