"""Money checks against the stack `make run` starts: what the local Stripe server holds for a
deal (asked over HTTP with the Stripe SDK), what the ledger recorded, and the ledger invariants."""

from __future__ import annotations

import stripe

from devstack.run import LocalStack
from integrations.db.session import unit_of_work
from integrations.db.stripe_records import movements_for_deal
from integrations.settings import Settings
from tests.workflows.test_cash_deal import stripe_objects
from tests.workflows.test_credit_deal import assert_ledger_invariants

# The ledger's name for each Stripe movement, and the key `stripe_objects` files it under.
MOVEMENT_KINDS = {"charge": "charges", "refund": "refunds", "payout": "transfers"}


def stripe_sdk(stack: LocalStack) -> stripe.StripeClient:
    key = stack.env.get("STRIPE_SECRET_KEY") or Settings.from_env().stripe_secret_key
    return stripe.StripeClient(key, base_addresses={"api": stack.env["STRIPE_API_BASE"]}, max_network_retries=0)


def stripe_for_deal(stack: LocalStack, deal_id: str) -> dict[str, list[int]]:
    """Succeeded charges, their refunds and the Connect transfers Stripe holds for the deal."""
    return stripe_objects(stripe_sdk(stack), deal_id)


def ledger_cash_for_deal(stack: LocalStack, deal_id: str) -> dict[str, list[int]]:
    """The same three lists as the platform recorded them (succeeded movements only)."""
    found: dict[str, list[int]] = {name: [] for name in MOVEMENT_KINDS.values()}
    with unit_of_work(stack.env["DATABASE_URL"]) as session:
        for movement in movements_for_deal(session, deal_id):
            if movement.status == "succeeded":
                found[MOVEMENT_KINDS[movement.kind]].append(movement.amount_minor)
    return found


def assert_money_moved(stack: LocalStack, deal_id: str, expected: dict[str, list[int]], closed: bool) -> None:
    """Stripe holds exactly `expected` for the deal, the ledger recorded the same, and the
    ledger balances (with the deal's escrow empty once it has ended)."""
    assert stripe_for_deal(stack, deal_id) == expected
    assert ledger_cash_for_deal(stack, deal_id) == expected
    assert_ledger_invariants(stack.env["DATABASE_URL"], deal_id, closed=closed)
