"""Concurrent steps: opposite payments never deadlock, and twins of one command write once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from domain.errors import InvalidTransition
from domain.ledger import PostHold, VoidHold, escrow_account
from domain.money import credits
from integrations.db.session import engine_for
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


def locked_before_waiting(database_url: str, first: str, second: str, step: Callable[[], object]) -> bool:
    """Run `step` while another transaction holds account `second`: did it lock `first` before it
    had to wait for `second`? Locking any two accounts in one agreed order is what keeps
    transfers, posts and voids touching the same accounts from deadlocking each other."""
    engine = engine_for(database_url)
    with engine.connect() as holder, ThreadPoolExecutor(1) as pool:
        holder.execute(LOCK, {"address": second})
        running = pool.submit(step)
        while not holder.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar_one():
            if running.done():
                break  # it did not wait at all; result() below says why
            time.sleep(0.01)
        with engine.connect() as probe:
            try:
                probe.execute(text(LOCK.text + " NOWAIT"), {"address": first})
                taken = False
            except OperationalError:
                taken = True
            probe.rollback()
        holder.rollback()
        running.result()
    return taken


LOCK = text("SELECT 1 FROM ledger_accounts WHERE address = :address FOR UPDATE")


def test_transfers_and_hold_settlements_lock_the_same_two_accounts_in_the_same_order(database_url):
    with books(database_url) as ledger:
        buyer, deal = a_member_account(ledger), a_deal_id()
        holds = [ledger.execute(a_hold(buyer, deal, credits(1_00))) for _ in range(2)]
        escrow = escrow_account(deal, "CRD")
        ids = dict(ledger.session.execute(text(
            "SELECT address, id FROM ledger_accounts WHERE address IN (:a, :b)"), {"a": buyer, "b": escrow}).all())
    # Opened first, the buyer's account has the lower id; its address sorts after the escrow's.
    assert ids[buyer] < ids[escrow] and escrow < buyer

    def run(command) -> Callable[[], object]:
        def step() -> object:
            with books(database_url) as ledger:
                return ledger.execute(command)
        return step

    for command in (a_payment(buyer, escrow, credits(1_00)), PostHold(an_id("escrow"), holds[0].transfer_id),
                    VoidHold(an_id("void"), holds[1].transfer_id)):
        assert locked_before_waiting(database_url, escrow, buyer, run(command)), command
