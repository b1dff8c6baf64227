"""Fixes to localstripe's own resources where it differs from Stripe in ways Tradepact relies on.

- PaymentIntents accept and return `transfer_group` (localstripe refuses the parameter), and
  their charge carries it, as Stripe does: it ties the buyer's payment to the seller's transfer.
- The generic decline test cards decline at confirm (localstripe only declines them on attach),
  with Stripe's `card_error` shape, decline code and the failed PaymentIntent in the error.
- Refunds cannot exceed what is left of the charge, and default to that remainder.
- Charges can be listed by `payment_intent` and `transfer_group`.
- Listing scans only the objects of the listed type: localstripe scans its whole store, several
  times per PaymentIntent (each charge export lists its refunds), so every request slowed down
  in proportion to everything ever created.

Applied once, in the server process only (this imports localstripe, a GPL dev tool).
"""

from __future__ import annotations

from localstripe.errors import UserError
from localstripe.resources import (
    Charge,
    List,
    PaymentIntent,
    PaymentMethod,
    Refund,
    Store,
    StripeObject,
    store,
    try_convert_to_int,
)

# Stripe's test card numbers that decline at charge time, with their decline code and message.
DECLINES = {
    "4000000000000002": ("generic_decline", "Your card was declined."),
    "4000000000009995": ("insufficient_funds", "Your card has insufficient funds."),
    "4000000000009987": ("lost_card", "Your card was declined."),
    "4000000000009979": ("stolen_card", "Your card was declined."),
    "4000000000000069": ("expired_card", "Your card has expired."),
    "4000000000000127": ("incorrect_cvc", "Your card's security code is incorrect."),
    "4000000000000119": ("processing_error", "An error occurred while processing your card."),
    "4000000000000341": ("generic_decline", "Your card was declined."),
}
# Stripe's canonical test PaymentMethod ids that localstripe does not know.
TEST_PAYMENT_METHODS = {
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
}


class CardError(UserError):
    """localstripe's UserError always says invalid_request_error; a decline is a card_error."""

    def __init__(self, message: str, contents: dict) -> None:
        super().__init__(402, message, contents)
        self.body["error"]["type"] = "card_error"


def _patch_payment_intent() -> None:
    original_init = PaymentIntent.__init__
    original_create_charge = PaymentIntent._create_charge
    PaymentIntent.transfer_group = None  # objects unpickled from older state have none
    PaymentIntent.description = None
    Charge.transfer_group = None

    def __init__(self, *args, transfer_group=None, description=None, **kwargs):
        if transfer_group is not None and not isinstance(transfer_group, str):
            raise UserError(400, "Invalid string", {"param": "transfer_group"})
        original_init(self, *args, **kwargs)
        self.transfer_group = transfer_group
        self.description = description

    def _create_charge(self, on_failure_now):
        # Stripe copies the PaymentIntent's transfer group onto its charge. `finally`, because
        # a decline raises from inside, after the charge exists.
        try:
            original_create_charge(self, on_failure_now)
        finally:
            if self.latest_charge is not None:
                self.latest_charge.transfer_group = self.transfer_group

    PaymentIntent.__init__ = __init__
    PaymentIntent._create_charge = _create_charge


def _patch_declines() -> None:
    original_declined = PaymentMethod._charging_is_declined
    original_canonical = PaymentMethod._try_get_canonical_test_article.__func__

    def _charging_is_declined(self):
        number = getattr(self, "_card_number", None)
        return number in DECLINES or original_declined(self)

    def _try_get_canonical_test_article(cls, id):
        number = TEST_PAYMENT_METHODS.get(id)
        if number is not None:
            return PaymentMethod(type="card", card={"number": number, "exp_month": "12",
                                                    "exp_year": "2034", "cvc": "123"})
        return original_canonical(cls, id)

    def _set_auth_failure(self):
        number = getattr(PaymentMethod._api_retrieve(self.payment_method), "_card_number", "")
        self.status = "failed"
        self.failure_code = "card_declined"
        self._decline_code, self.failure_message = DECLINES.get(
            number, ("generic_decline", "Your card was declined."))

    def _raise_failure(self):
        contents = {"code": self.failure_code, "charge": self.id,
                    "decline_code": getattr(self, "_decline_code", "generic_decline")}
        if self.payment_intent:
            contents["payment_intent"] = PaymentIntent._api_retrieve(self.payment_intent)._export()
        raise CardError(self.failure_message, contents)

    PaymentMethod._charging_is_declined = _charging_is_declined
    PaymentMethod._try_get_canonical_test_article = classmethod(_try_get_canonical_test_article)
    Charge._set_auth_failure = _set_auth_failure
    Charge._raise_failure = _raise_failure


def _patch_refunds() -> None:
    original_init = Refund.__init__
    Refund.reason = None

    def __init__(self, charge=None, payment_intent=None, amount=None, metadata=None, reason=None,
                 **kwargs):
        charge_obj = _charge_of(charge, payment_intent)
        amount = try_convert_to_int(amount)
        if charge_obj is not None and charge_obj.status == "succeeded":
            remaining = charge_obj.amount - charge_obj.amount_refunded
            if remaining <= 0:
                raise UserError(400, f"Charge {charge_obj.id} has already been refunded.",
                                {"code": "charge_already_refunded"})
            if amount is None:
                amount = remaining  # Stripe refunds what is left, not the whole charge again
            elif isinstance(amount, int) and amount > remaining:
                raise UserError(400, f"Refund amount ({amount}) is greater than unrefunded "
                                f"amount on charge ({remaining})", {"param": "amount"})
        original_init(self, charge=charge, payment_intent=payment_intent, amount=amount,
                      metadata=metadata, **kwargs)
        self.reason = reason

    Refund.__init__ = __init__


def _charge_of(charge, payment_intent):
    if isinstance(charge, str):
        return store.get("charge:" + charge)
    if isinstance(payment_intent, str):
        intent = store.get("payment_intent:" + payment_intent)
        if intent is not None:
            return intent.latest_charge
    return None


def _patch_charge_listing() -> None:
    original_list = Charge._api_list_all.__func__

    def _api_list_all(cls, url, payment_intent=None, transfer_group=None, **kwargs):
        listing = original_list(cls, url, **kwargs)
        listing._list = [c for c in listing._list
                         if payment_intent in (None, c.payment_intent)
                         and transfer_group in (None, c.transfer_group)]
        return listing

    Charge._api_list_all = classmethod(_api_list_all)


class IndexedStore(Store):
    """localstripe's store plus an index by object type ("charge:ch_1" is of type "charge")."""

    def reindex(self) -> None:
        self._by_type: dict[str, dict[str, object]] = {}
        for key, value in self.items():
            self._by_type.setdefault(key.split(":", 1)[0], {})[key] = value

    def of_type(self, kind: str) -> list:
        return list(self._by_type.get(kind, {}).values())

    def __setitem__(self, key, value):
        self._by_type.setdefault(key.split(":", 1)[0], {})[key] = value
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self._by_type.get(key.split(":", 1)[0], {}).pop(key, None)
        super().__delitem__(key)

    def clear(self):
        super().clear()
        self._by_type = {}


def _index_listing() -> None:
    store.__class__ = IndexedStore  # same layout: the instance everyone imported stays valid
    store.reindex()

    def _api_list_all(cls, url, limit=None, starting_after=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        listing = List(url, limit=limit, starting_after=starting_after)
        listing._list = store.of_type(cls.object)
        return listing

    StripeObject._api_list_all = classmethod(_api_list_all)


def apply() -> None:
    """Idempotent: patching twice would wrap the originals twice."""
    if getattr(PaymentIntent, "_tradepact_patched", False):
        return
    _patch_payment_intent()
    _patch_declines()
    _patch_refunds()
    _patch_charge_listing()
    _index_listing()
    PaymentIntent._tradepact_patched = True
