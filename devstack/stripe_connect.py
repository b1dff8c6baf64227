"""Stripe Connect for the local Stripe server: accounts, onboarding links, transfers, reversals.

localstripe has none of these, so they are added here as localstripe resources: they live in
its store (persisted and cleared with everything else) and export like its own objects.
This module is a dev tool that imports localstripe (GPL); runtime code never imports it.
"""

from __future__ import annotations

import secrets
import time

from aiohttp import web
from localstripe.errors import UserError
from localstripe.resources import (
    Event,
    StripeObject,
    random_id,
    store,
    try_convert_to_int,
)
from localstripe.server import api_create, api_list_all, api_retrieve, get_post_data, json_response
from localstripe.webhooks import schedule_webhook

ONBOARDING_PATH = "/connect/onboard/"
LINK_LIFETIME_SECONDS = 300  # Stripe's account links expire after a few minutes too


def invalid(message: str, param: str | None = None, code: str | None = None) -> UserError:
    """Stripe's error shape: 400 with type invalid_request_error, message and param."""
    contents = {key: value for key, value in (("param", param), ("code", code)) if value}
    return UserError(400, message, contents)


def no_such(kind: str, object_id: object, param: str) -> UserError:
    return invalid(f"No such {kind}: '{object_id}'", param=param, code="resource_missing")


def refuse_unknown(kwargs: dict) -> None:
    if kwargs:
        name = next(iter(kwargs))
        raise invalid(f"Received unknown parameter: {name}", param=name)


def check_metadata(metadata: object) -> dict:
    if metadata in (None, ""):
        return {}
    if not isinstance(metadata, dict):
        raise invalid("Invalid object", param="metadata")
    return dict(metadata)


class Account(StripeObject):
    object = "account"
    _id_prefix = "acct_"

    def __init__(self, type=None, email=None, country=None, metadata=None, capabilities=None,
                 business_type=None, default_currency=None, controller=None, **kwargs):
        refuse_unknown(kwargs)
        if type is None and controller is None:
            raise invalid("You must provide a type or a controller.", param="type")
        if type is not None and type not in ("express", "standard", "custom"):
            raise invalid(f"Invalid type: {type}", param="type")
        if email is not None and not isinstance(email, str):
            raise invalid("Invalid string", param="email")
        if capabilities is not None and not isinstance(capabilities, dict):
            raise invalid("Invalid object", param="capabilities")
        metadata = check_metadata(metadata)
        super().__init__()  # stores the object: every check must come before this line

        self.type = type or "custom"
        self.email = email
        self.country = (country or "FR").upper()
        self.default_currency = (default_currency or "eur").lower()
        self.business_type = business_type
        self.metadata = metadata
        # A new account can neither take charges nor receive payouts until onboarding is done.
        self.capabilities = {name: "inactive" for name in (capabilities or {})}
        self.charges_enabled = False
        self.payouts_enabled = False
        self.details_submitted = False
        self.requirements = {"currently_due": ["external_account", "tos_acceptance.date"],
                             "disabled_reason": "requirements.past_due"}

    @classmethod
    def _api_update(cls, id, metadata=None, email=None, **kwargs):
        # Only what a platform may change itself; the enabled flags come from onboarding.
        refuse_unknown(kwargs)
        account = cls._api_retrieve(id)
        account.metadata.update(check_metadata(metadata))
        if email is not None:
            account.email = email
        return account

    def _complete_onboarding(self) -> None:
        self.details_submitted = self.charges_enabled = self.payouts_enabled = True
        self.capabilities = {name: "active" for name in self.capabilities}
        self.requirements = {"currently_due": [], "disabled_reason": None}
        schedule_webhook(Event("account.updated", self))


class AccountLink(StripeObject):
    """Stored so the onboarding URL carries only an unguessable token, never a redirect target."""

    object = "account_link"
    _id_prefix = "link_"

    def __init__(self, account=None, refresh_url=None, return_url=None, type=None, collect=None,
                 _origin="", **kwargs):
        refuse_unknown(kwargs)
        if not isinstance(account, str) or store.get("account:" + account) is None:
            raise no_such("account", account, "account")
        for name, url in (("refresh_url", refresh_url), ("return_url", return_url)):
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise invalid(f"Missing or invalid {name}", param=name)
        if type not in ("account_onboarding", "account_update"):
            raise invalid(f"Invalid type: {type}", param="type")
        super().__init__(id=self._id_prefix + secrets.token_urlsafe(18))

        self._account = account
        self._refresh_url = refresh_url
        self._return_url = return_url
        self.expires_at = self.created + LINK_LIFETIME_SECONDS
        self.url = f"{_origin}{ONBOARDING_PATH}{account}?link={self.id}"

    def _export(self, expand=None):
        exported = super()._export(expand=expand)
        exported.pop("id", None)  # Stripe's account links have no id
        return exported


class Transfer(StripeObject):
    object = "transfer"
    _id_prefix = "tr_"

    def __init__(self, amount=None, currency=None, destination=None, transfer_group=None,
                 source_transaction=None, metadata=None, description=None, **kwargs):
        refuse_unknown(kwargs)
        amount = try_convert_to_int(amount)
        if not isinstance(amount, int) or amount <= 0:
            raise invalid("Invalid positive integer", param="amount")
        if not isinstance(currency, str) or len(currency) != 3:
            raise invalid("Invalid currency", param="currency")
        currency = currency.lower()
        if not isinstance(destination, str) or store.get("account:" + destination) is None:
            raise no_such("destination", destination, "destination")
        if transfer_group is not None and not isinstance(transfer_group, str):
            raise invalid("Invalid string", param="transfer_group")
        if source_transaction is not None:
            self._check_source(source_transaction, amount, currency)
        metadata = check_metadata(metadata)
        super().__init__()

        self.amount = amount
        self.amount_reversed = 0
        self.currency = currency
        self.description = description
        self.destination = destination
        self.destination_payment = "py_" + random_id(14)
        self.metadata = metadata
        self.reversed = False
        self.source_transaction = source_transaction
        self.source_type = "card"
        self.transfer_group = transfer_group
        schedule_webhook(Event("transfer.created", self))

    @staticmethod
    def _check_source(source_id, amount: int, currency: str) -> None:
        # Stricter than Stripe on purpose: money transferred out of one charge, plus what was
        # refunded from it, can never exceed the charge. An escrow that pays out twice fails here.
        charge = store.get("charge:" + source_id) if isinstance(source_id, str) else None
        if charge is None:
            raise no_such("charge", source_id, "source_transaction")
        if charge.status != "succeeded" or not charge.captured:
            raise invalid(f"Charge {source_id} has not succeeded", param="source_transaction")
        if charge.currency.lower() != currency:
            raise invalid(f"Currency {currency} does not match the source charge's "
                          f"{charge.currency}", param="currency")
        already = sum(t.amount - t.amount_reversed for t in transfers_from(source_id))
        remaining = charge.amount - charge.amount_refunded - already
        if amount > remaining:
            raise invalid(f"The transfer amount ({amount}) exceeds what remains of source "
                          f"transaction {source_id} ({remaining})", param="amount",
                          code="insufficient_funds")

    @property
    def reversals(self):
        listing = TransferReversal._api_list_all(f"/v1/transfers/{self.id}/reversals")
        listing._list = [r for r in listing._list if r.transfer == self.id]
        return listing

    @classmethod
    def _api_update(cls, id, metadata=None, description=None, **kwargs):
        refuse_unknown(kwargs)
        transfer = cls._api_retrieve(id)
        transfer.metadata.update(check_metadata(metadata))
        if description is not None:
            transfer.description = description
        return transfer

    @classmethod
    def _api_delete(cls, id):
        raise UserError(405, "Method Not Allowed")

    @classmethod
    def _api_list_all(cls, url, transfer_group=None, destination=None, limit=None,
                      starting_after=None, **kwargs):
        refuse_unknown(kwargs)
        listing = super()._api_list_all(url, limit=limit, starting_after=starting_after)
        listing._list = [t for t in reversed(listing._list)  # newest first, as Stripe lists
                         if transfer_group in (None, t.transfer_group)
                         and destination in (None, t.destination)]
        return listing


class TransferReversal(StripeObject):
    object = "transfer_reversal"
    _id_prefix = "trr_"

    def __init__(self, transfer=None, amount=None, metadata=None, description=None, **kwargs):
        refuse_unknown(kwargs)
        parent = Transfer._api_retrieve(transfer)
        remaining = parent.amount - parent.amount_reversed
        amount = remaining if amount is None else try_convert_to_int(amount)
        if not isinstance(amount, int) or amount <= 0 or amount > remaining:
            raise invalid(f"Reversal amount must be between 1 and {remaining}", param="amount")
        metadata = check_metadata(metadata)
        super().__init__()

        self.amount = amount
        self.currency = parent.currency
        self.description = description
        self.metadata = metadata
        self.transfer = parent.id
        parent.amount_reversed += amount
        parent.reversed = parent.amount_reversed == parent.amount


def transfers_from(charge_id: str) -> list[Transfer]:
    return [t for t in store.of_type("transfer") if t.source_transaction == charge_id]


async def create_account_link(request: web.Request) -> web.Response:
    data = await get_post_data(request) or {}
    data.pop("expand", None)
    data.pop("_origin", None)
    link = AccountLink(**data, _origin=str(request.url.origin()))
    return json_response(link._export())


async def create_reversal(request: web.Request) -> web.Response:
    data = await get_post_data(request) or {}
    data.pop("expand", None)
    data["transfer"] = request.match_info["id"]
    reversal = TransferReversal(**data)
    return json_response(reversal._export())


async def list_reversals(request: web.Request) -> web.Response:
    return json_response(Transfer._api_retrieve(request.match_info["id"]).reversals._export())


async def onboard(request: web.Request) -> web.Response:
    """The hosted onboarding page, reduced to its outcome: visiting it completes onboarding."""
    link = store.get("account_link:" + request.query.get("link", ""))
    if link is None or link._account != request.match_info["account"]:
        raise web.HTTPNotFound(text="Unknown or malformed onboarding link.\n")
    if time.time() > link.expires_at:
        # What Stripe does with a stale link: send the user to refresh_url for a fresh one.
        raise web.HTTPFound(link._refresh_url)
    Account._api_retrieve(link._account)._complete_onboarding()
    store.dump_to_disk()  # attributes changed in place: tell the store to persist
    raise web.HTTPFound(link._return_url)


def install(app: web.Application) -> None:
    """Register the Connect routes on localstripe's app (before it starts)."""
    app.router.add_post("/v1/account_links", create_account_link)
    app.router.add_get(ONBOARDING_PATH + "{account}", onboard)
    app.router.add_post("/v1/transfers/{id}/reversals", create_reversal)
    app.router.add_get("/v1/transfers/{id}/reversals", list_reversals)
    for cls, plural in ((Account, "accounts"), (Transfer, "transfers")):
        base = "/v1/" + plural
        app.router.add_post(base, api_create(cls, base))
        app.router.add_get(base, api_list_all(cls, base))
        app.router.add_get(base + "/{id}", api_retrieve(cls, base))
        app.router.add_post(base + "/{id}", update(cls))


def update(cls):
    async def handler(request: web.Request) -> web.Response:
        data = await get_post_data(request) or {}
        data.pop("expand", None)
        return json_response(cls._api_update(request.match_info["id"], **data)._export())
    return handler
