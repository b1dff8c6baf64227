"""StripeGateway: the only code that calls Stripe, as a thin adapter over `stripe.StripeClient`.

Each write takes an explicit idempotency key, derived by the caller from the deal and the step
(ARCHITECTURE.md §4), so a retried activity replays Stripe's first answer instead of paying
twice. The client never retries by itself (`max_network_retries=0`): the Temporal activity
owns retrying, and a retry inside the SDK would hide an outage from it. Amounts are integers of
minor units; currencies are upper case on our side and lower case on Stripe's. Results are
small frozen dataclasses, never StripeObjects, so nothing above this layer depends on the SDK.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import stripe

from integrations.stripe.errors import PaymentDeclined, StripeRejected, StripeUnavailable

if TYPE_CHECKING:
    from integrations.settings import Settings

DEFAULT_SECRET_KEY = "sk_test_tradepact_local"
DEFAULT_API_BASE = "http://127.0.0.1:8420"
PAGE_SIZE = 100


@dataclass(frozen=True)
class Customer:
    id: str
    email: str | None


@dataclass(frozen=True)
class ConnectedAccount:
    id: str
    email: str | None
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool


@dataclass(frozen=True)
class OnboardingLink:
    url: str
    expires_at: int


@dataclass(frozen=True)
class PaymentIntent:
    id: str
    amount_minor: int
    currency: str
    status: str
    customer_id: str | None
    transfer_group: str | None
    latest_charge_id: str | None  # what a transfer's source_transaction must name
    metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


@dataclass(frozen=True)
class Refund:
    id: str
    amount_minor: int
    currency: str
    status: str
    payment_intent_id: str | None
    charge_id: str | None


@dataclass(frozen=True)
class Transfer:
    id: str
    amount_minor: int
    currency: str
    destination: str
    transfer_group: str | None
    source_transaction: str | None
    amount_reversed_minor: int


class StripeGateway:
    def __init__(self, api_key: str = DEFAULT_SECRET_KEY, api_base: str = DEFAULT_API_BASE,
                 timeout: float = 20.0) -> None:
        base = api_base.rstrip("/")
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": base, "connect": base, "files": base},
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    @classmethod
    def from_env(cls) -> StripeGateway:
        return cls(os.environ.get("STRIPE_SECRET_KEY", DEFAULT_SECRET_KEY),
                   os.environ.get("STRIPE_API_BASE", DEFAULT_API_BASE))

    @classmethod
    def from_settings(cls, settings: Settings) -> StripeGateway:
        return cls(settings.stripe_secret_key, settings.stripe_api_base)

    # Customers and connected accounts

    def create_customer(self, email: str, name: str, business_id: int | str,
                        idempotency_key: str) -> Customer:
        params = {"email": email, "name": name, "metadata": {"business_id": str(business_id)}}
        with translate_errors():
            customer = self._client.v1.customers.create(params, _options(idempotency_key))
        return Customer(customer.id, customer.email)

    def create_connected_account(self, email: str, business_id: int | str, idempotency_key: str,
                                 country: str | None = None) -> ConnectedAccount:
        # Express accounts must request the transfers capability to receive transfers.
        params: dict[str, Any] = {
            "type": "express", "email": email, "metadata": {"business_id": str(business_id)},
            "capabilities": {"transfers": {"requested": True},
                             "card_payments": {"requested": True}},
        }
        if country:
            params["country"] = country
        with translate_errors():
            account = self._client.v1.accounts.create(params, _options(idempotency_key))
        return _account(account)

    def create_onboarding_link(self, account_id: str, refresh_url: str,
                               return_url: str) -> OnboardingLink:
        params = {"account": account_id, "refresh_url": refresh_url, "return_url": return_url,
                  "type": "account_onboarding"}
        with translate_errors():
            link = self._client.v1.account_links.create(params)
        return OnboardingLink(link.url, link.expires_at)

    def retrieve_account(self, account_id: str) -> ConnectedAccount:
        with translate_errors():
            return _account(self._client.v1.accounts.retrieve(account_id))

    # Money in: PaymentIntents, captured at once (card holds expire too soon for escrow)

    def create_payment_intent(self, amount_minor: int, currency: str, customer_id: str,
                              transfer_group: str, metadata: Mapping[str, str],
                              idempotency_key: str, payment_method: str = "pm_card_visa",
                              confirm: bool = True) -> PaymentIntent:
        params: dict[str, Any] = {
            "amount": amount_minor, "currency": currency.lower(), "customer": customer_id,
            "transfer_group": transfer_group, "metadata": dict(metadata),
            "payment_method": payment_method, "confirm": confirm,
            "capture_method": "automatic",
            # Card only: with automatic payment methods Stripe would want a return_url.
            "payment_method_types": ["card"],
        }
        with translate_errors():
            intent = self._client.v1.payment_intents.create(params, _options(idempotency_key))
        return _payment_intent(intent)

    def retrieve_payment_intent(self, payment_intent_id: str) -> PaymentIntent:
        with translate_errors():
            return _payment_intent(self._client.v1.payment_intents.retrieve(payment_intent_id))

    def create_refund(self, payment_intent_id: str, amount_minor: int, idempotency_key: str,
                      metadata: Mapping[str, str] | None = None) -> Refund:
        params: dict[str, Any] = {"payment_intent": payment_intent_id, "amount": amount_minor}
        if metadata:
            params["metadata"] = dict(metadata)
        with translate_errors():
            refund = self._client.v1.refunds.create(params, _options(idempotency_key))
        return _refund(refund)

    def list_refunds(self, payment_intent_id: str) -> list[Refund]:
        with translate_errors():
            page = self._client.v1.refunds.list({"payment_intent": payment_intent_id,
                                                 "limit": PAGE_SIZE})
            return [_refund(refund) for refund in page.auto_paging_iter()]

    # Money out: Connect transfers to the seller's account

    def create_transfer(self, amount_minor: int, currency: str, destination: str,
                        transfer_group: str, source_transaction: str | None, idempotency_key: str,
                        metadata: Mapping[str, str] | None = None) -> Transfer:
        """`source_transaction` is the buyer's charge (PaymentIntent.latest_charge_id)."""
        params: dict[str, Any] = {"amount": amount_minor, "currency": currency.lower(),
                                  "destination": destination, "transfer_group": transfer_group}
        if source_transaction:
            params["source_transaction"] = source_transaction
        if metadata:
            params["metadata"] = dict(metadata)
        with translate_errors():
            transfer = self._client.v1.transfers.create(params, _options(idempotency_key))
        return _transfer(transfer)

    def retrieve_transfer(self, transfer_id: str) -> Transfer:
        with translate_errors():
            return _transfer(self._client.v1.transfers.retrieve(transfer_id))

    def cash_records(self) -> Iterator[CashRecord]:
        """Every succeeded payment, live refund and transfer (net of what was reversed), each
        with the deal it belongs to: its metadata, else its transfer group (`deal-{id}`), else,
        for a refund made by hand in Stripe's dashboard, the deal of the payment it refunds.

        Read in full: the local Stripe server has no `created` filter; against real Stripe a
        period's reconciliation would pass `created[gte]` and `[lt]` here.
        """
        with translate_errors():
            intents = [obj.to_dict() for obj in
                       self._client.v1.payment_intents.list({"limit": PAGE_SIZE}).auto_paging_iter()]
            deal_of_payment = {data["id"]: _deal_of(data) for data in intents}
            yield from (_record("charge", data, data["amount"], _deal_of(data))
                        for data in intents if data.get("status") == "succeeded")
            for obj in self._client.v1.refunds.list({"limit": PAGE_SIZE}).auto_paging_iter():
                data = obj.to_dict()
                if data.get("status") not in ("failed", "canceled"):
                    paid = deal_of_payment.get(_id_of(data.get("payment_intent")) or "")
                    yield _record("refund", data, data["amount"], _deal_of(data) or paid)
            for obj in self._client.v1.transfers.list({"limit": PAGE_SIZE}).auto_paging_iter():
                data = obj.to_dict()
                # A reversed transfer stays listed at what is left of it: the ledger may still say paid.
                yield _record("payout", data, data["amount"] - int(data.get("amount_reversed") or 0),
                              _deal_of(data))

    def find_transfer(self, transfer_group: str, key: str) -> Transfer | None:
        """The transfer the platform made for movement `key` (its metadata), under any
        idempotency key: what to check before sending a payout again."""
        with translate_errors():
            page = self._client.v1.transfers.list({"transfer_group": transfer_group, "limit": PAGE_SIZE})
            return next((_transfer(t) for t in page.auto_paging_iter()
                         if (t.to_dict().get("metadata") or {}).get("key") == key), None)

    def list_transfers(self, transfer_group: str) -> list[Transfer]:
        with translate_errors():
            page = self._client.v1.transfers.list({"transfer_group": transfer_group,
                                                   "limit": PAGE_SIZE})
            return [_transfer(transfer) for transfer in page.auto_paging_iter()]


@dataclass(frozen=True)
class CashRecord:
    """What Stripe holds for one of the platform's money movements, as reconciliation reads it."""

    kind: str  # charge | payout | refund
    id: str
    key: str  # the movement key the platform put in the object's metadata ("" if none)
    amount_minor: int
    currency: str
    created: int  # unix seconds
    deal_id: str | None = None  # None: not a deal's money (e.g. a subscription charge)


def _record(kind: str, data: dict, amount_minor: int, deal_id: str | None) -> CashRecord:
    return CashRecord(kind, data["id"], (data.get("metadata") or {}).get("key", ""), amount_minor,
                      str(data["currency"]).upper(), int(data.get("created") or 0), deal_id)


def _deal_of(data: dict) -> str | None:
    deal_id = (data.get("metadata") or {}).get("deal_id")
    group = data.get("transfer_group") or ""
    return deal_id or (group.removeprefix("deal-") if group.startswith("deal-") else None)


def _options(idempotency_key: str) -> dict[str, str]:
    if not idempotency_key:
        raise ValueError("every Stripe write needs an idempotency key")
    return {"idempotency_key": idempotency_key}


@contextmanager
def translate_errors() -> Iterator[None]:
    """SDK errors become ours, split by what the caller should do: retry, tell the payer, stop."""
    try:
        yield
    except stripe.CardError as error:
        body = error.json_body.get("error", {}) if isinstance(error.json_body, dict) else {}
        intent = body.get("payment_intent") or {}
        raise PaymentDeclined(
            error.user_message or "Your card was declined.", code=error.code,
            decline_code=body.get("decline_code"), payment_intent_id=intent.get("id"),
            http_status=error.http_status, request_id=error.request_id) from error
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        raise StripeUnavailable(error.user_message or str(error), code=error.code,
                                http_status=error.http_status,
                                request_id=error.request_id) from error
    except stripe.StripeError as error:
        status = error.http_status
        kind = StripeUnavailable if status is None or status >= 500 or status == 409 else StripeRejected
        extra = {"param": getattr(error, "param", None)} if kind is StripeRejected else {}
        raise kind(error.user_message or str(error), code=error.code, http_status=status,
                   request_id=error.request_id, **extra) from error


def _account(account: Any) -> ConnectedAccount:
    return ConnectedAccount(account.id, account.email, bool(account.charges_enabled),
                            bool(account.payouts_enabled), bool(account.details_submitted))


def _id_of(value: Any) -> str | None:
    """An expandable field: an id, or the expanded object (localstripe embeds the charge)."""
    if value is None or isinstance(value, str):
        return value
    return value["id"]  # both a StripeObject and a to_dict() dict index this way


def _payment_intent(intent: Any) -> PaymentIntent:
    data = intent.to_dict()
    return PaymentIntent(
        id=intent.id, amount_minor=intent.amount, currency=intent.currency.upper(),
        status=intent.status, customer_id=_id_of(data.get("customer")),
        transfer_group=data.get("transfer_group"),
        latest_charge_id=_id_of(data.get("latest_charge")),
        metadata=dict(data.get("metadata") or {}))


def _refund(refund: Any) -> Refund:
    data = refund.to_dict()
    return Refund(refund.id, refund.amount, refund.currency.upper(), refund.status,
                  _id_of(data.get("payment_intent")), _id_of(data.get("charge")))


def _transfer(transfer: Any) -> Transfer:
    data = transfer.to_dict()
    return Transfer(transfer.id, transfer.amount, transfer.currency.upper(),
                    _id_of(transfer.destination), data.get("transfer_group"),
                    _id_of(data.get("source_transaction")), data.get("amount_reversed", 0))
