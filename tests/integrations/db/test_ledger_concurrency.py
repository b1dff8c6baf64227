"""Concurrent steps: opposite payments never deadlock, and twins of one command write once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from domain.errors import InvalidTransition
from domain.ledger import PostHold, VoidHold
from domain.money import credits
from tests.integrations.db.ledger_builders import (
    a_deal_id,
    a_hold,
    a_member_account,
    a_payment,
    an_id,
    books,
)


def side_by_side(*steps: Callable[[], object]) -> list[object]:
    """Run the steps on their own connections, released together; return results or errors."""
    start = threading.Barrier(len(steps))

    def run(step: Callable[[], object]) -> object:
        start.wait()
        try:
            return step()
        except Exception as error:  # the caller asserts on what each twin saw
            return error

    with ThreadPoolExecutor(len(steps)) as pool:
        return list(pool.map(run, steps))


def test_opposite_payments_between_two_members_never_deadlock(database_url):
    with books(database_url) as ledger:
        alice, bob = a_member_account(ledger, limit=1_000_00), a_member_account(ledger, limit=1_000_00)

    def pay_back_and_forth(payer: str, payee: str) -> int:
        for _ in range(40):
            with books(database_url) as ledger:
                ledger.execute(a_payment(payer, payee, credits(1_00)))
                ledger.execute(a_payment(payer, payee, credits(2_00)))
        return 40

    assert side_by_side(lambda: pay_back_and_forth(alice, bob), lambda: pay_back_and_forth(bob, alice)) == [40, 40]
    with books(database_url) as ledger:
        assert (ledger.balance(alice).posted, ledger.balance(bob).posted) == (0, 0)


def test_twin_holds_with_one_id_reserve_once(database_url):
    with books(database_url) as ledger:
        buyer = a_member_account(ledger)
    hold = a_hold(buyer, a_deal_id(), credits(100_00))

    def fund() -> bool:
        with books(database_url) as ledger:
            return ledger.execute(hold).replayed

    assert sorted(side_by_side(fund, fund, fund)) == [False, True, True]
    with books(database_url) as ledger:
        assert ledger.balance(buyer).pending_out == 100_00


def test_a_post_and_a_void_racing_for_one_hold_settle_it_once(database_url):
    with books(database_url) as ledger:
        buyer, deal = a_member_account(ledger), a_deal_id()
        hold = ledger.execute(a_hold(buyer, deal, credits(100_00)))

    def settle(command) -> Callable[[], object]:
        def step() -> object:
            with books(database_url) as ledger:
                return ledger.execute(command).status
        return step

    outcomes = side_by_side(settle(PostHold(an_id("escrow"), hold.transfer_id)),
                            settle(VoidHold(an_id("void"), hold.transfer_id)))

    winners = [o for o in outcomes if isinstance(o, str)]
    assert len(winners) == 1 and isinstance(next(o for o in outcomes if o not in winners), InvalidTransition)
    with books(database_url) as ledger:
        after = ledger.balance(buyer)
        assert after.pending_out == 0
        assert after.posted == (-100_00 if winners == ["posted"] else 0)
