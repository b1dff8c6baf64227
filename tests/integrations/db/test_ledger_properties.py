"""Properties: random payments, holds, posts, voids, releases and replays never break the books.

Each example runs a sequence of commands between three members with credit lines and two
deals' escrows, in one transaction (refusals must leave it usable), against a model that
predicts every balance and every refusal. After commit: the trial balance is zero per currency,
reservations in equal reservations out, no member passes its line, and replaying every
accepted command changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import event, given, settings
from hypothesis import strategies as st

from domain.errors import (
    CreditLimitExceeded,
    FundsError,
    InsufficientFunds,
    InvalidInput,
    InvalidTransition,
    TradepactError,
)
from domain.ledger import (
    Hold,
    LedgerCommand,
    PostHold,
    Posting,
    Transfer,
    VoidHold,
    escrow_account,
    platform_fees_account,
)
from domain.money import credits
from tests.integrations.db.ledger_builders import a_deal_id, a_member_account, an_id, books

LIMITS = st.sampled_from([0, 50_00, 500_00])
MEMBER, DEAL = st.integers(0, 2), st.integers(0, 1)
AMOUNT = st.integers(1, 300_00)
# Posts and releases take a share of what is there, sometimes more than all of it.
PERCENT = st.integers(1, 110)
STEPS = st.lists(st.one_of(
    st.tuples(st.just("pay"), MEMBER, MEMBER, AMOUNT),
    st.tuples(st.just("fund"), MEMBER, DEAL, AMOUNT),
    st.tuples(st.just("post"), st.integers(0, 9), st.none() | PERCENT),
    st.tuples(st.just("void"), st.integers(0, 9)),
    st.tuples(st.just("release"), DEAL, MEMBER, PERCENT, st.integers(0, 10)),
    st.tuples(st.just("replay"), st.integers(0, 30)),
), min_size=8, max_size=30)


@dataclass
class Account:
    limit: int
    posted: int = 0
    pending_out: int = 0
    pending_in: int = 0

    @property
    def available(self) -> int:
        return self.posted - self.pending_out + self.limit

    def refusal(self, amount: int) -> type[FundsError] | None:
        if self.available >= amount:
            return None
        return CreditLimitExceeded if self.limit else InsufficientFunds


@dataclass
class HeldFunds:
    hold_id: str
    source: str
    destination: str
    amount: int
    status: str = "pending"


class Model:
    """What the books must say: balances, holds, and which commands are refused, and why."""

    def __init__(self, members: list[str], limits: list[int], escrows: list[str]) -> None:
        self.accounts = {m: Account(limit) for m, limit in zip(members, limits, strict=True)}
        self.accounts.update({e: Account(0) for e in escrows})
        self.holds: list[HeldFunds] = []

    def pay(self, postings: list[tuple[str, int]]) -> type[TradepactError] | None:
        for address, amount in postings:
            if amount < 0 and address in self.accounts and (refused := self.accounts[address].refusal(-amount)):
                return refused
        for address, amount in postings:
            if address in self.accounts:
                self.accounts[address].posted += amount
        return None

    def fund(self, hold: Hold) -> type[TradepactError] | None:
        source, amount = self.accounts[hold.source], hold.amount.amount_minor
        if refused := source.refusal(amount):
            return refused
        source.pending_out += amount
        self.accounts[hold.destination].pending_in += amount
        self.holds.append(HeldFunds(hold.transfer_id, hold.source, hold.destination, amount))
        return None

    def settle(self, held: HeldFunds, amount: int | None, void: bool) -> type[TradepactError] | None:
        if held.status != "pending":
            return InvalidTransition
        if amount is not None and amount > held.amount:
            return InvalidInput
        held.status = "voided" if void else "posted"
        self.accounts[held.source].pending_out -= held.amount
        self.accounts[held.destination].pending_in -= held.amount
        if not void:
            self.pay([(held.source, -(amount or held.amount)), (held.destination, amount or held.amount)])
        return None


def command_for(step: tuple, model: Model, members: list[str], escrows: list[str]):
    """The ledger command of a step and the model's prediction (None: accepted), or None to skip."""
    match step:
        case ("pay", payer, payee, amount) if payer != payee:
            postings = [(members[payer], -amount), (members[payee], amount)]
            return Transfer(an_id("pay"), tuple(Posting(a, credits(m)) for a, m in postings)), model.pay(postings)
        case ("fund", payer, deal, amount):
            hold = Hold(an_id("fund"), members[payer], escrows[deal], credits(amount))
            return hold, model.fund(hold)
        case ("post", ref, percent) if model.holds:
            held = model.holds[ref % len(model.holds)]
            amount = None if percent is None else max(1, held.amount * percent // 100)
            post = PostHold(an_id("post"), held.hold_id, None if amount is None else credits(amount))
            return post, model.settle(held, amount, void=False)
        case ("void", ref) if model.holds:
            held = model.holds[ref % len(model.holds)]
            return VoidHold(an_id("void"), held.hold_id), model.settle(held, None, void=True)
        case ("release", deal, payee, percent, fee_percent):
            amount = max(1, model.accounts[escrows[deal]].posted * percent // 100)
            fee = amount * fee_percent // 100
            postings = [(escrows[deal], -amount), (members[payee], amount - fee)]
            postings += [(platform_fees_account("CRD"), fee)] if fee else []
            release = Transfer(an_id("release"), tuple(Posting(a, credits(m)) for a, m in postings))
            return release, model.pay(postings)
    return None


def assert_model_matches(ledger, model: Model) -> None:
    for address, expected in model.accounts.items():
        actual = ledger.balance(address)
        assert (actual.posted, actual.pending_out, actual.pending_in) == (
            expected.posted, expected.pending_out, expected.pending_in), address


@settings(max_examples=50, deadline=None, database=None)
@given(limits=st.lists(LIMITS, min_size=3, max_size=3), steps=STEPS)
def test_random_ledger_traffic_never_breaks_the_books(database_url, limits, steps):
    accepted: list[LedgerCommand] = []
    with books(database_url) as ledger:
        fees_before = ledger.balance(platform_fees_account("CRD")).posted
        members = [a_member_account(ledger, limit=limit) for limit in limits]
        escrows = [escrow_account(a_deal_id(), "CRD") for _ in range(2)]
        for escrow in escrows:
            ledger.open_account(escrow, "CRD", "escrow", credit_limit=0)
        model = Model(members, limits, escrows)
        for step in steps:
            if step[0] == "replay":
                if accepted:
                    event("replay")
                    assert ledger.execute(accepted[step[1] % len(accepted)]).replayed
                    assert_model_matches(ledger, model)
                continue
            planned = command_for(step, model, members, escrows)
            if planned is None:
                continue
            command, refusal = planned
            event(f"{step[0]} {refusal.__name__ if refusal else 'accepted'}")
            try:
                assert not ledger.execute(command).replayed
                accepted.append(command)
                assert refusal is None, f"{command} should have been refused with {refusal}"
            except TradepactError as error:
                assert refusal is not None and type(error) is refusal, (command, error)
            assert_model_matches(ledger, model)

    with books(database_url) as ledger:
        assert set(ledger.trial_balance().values()) == {0}
        assert set(ledger.pending_balance().values()) == {0}
        for member in members:
            assert ledger.balance(member).available >= 0  # posted - held never passes -line
        # Credits only move: what this example's accounts and the fees gained sums to zero.
        fees_gained = ledger.balance(platform_fees_account("CRD")).posted - fees_before
        assert sum(ledger.balance(a).posted for a in members + escrows) + fees_gained == 0
        before = [ledger.balance(a) for a in members + escrows]
        assert all(ledger.execute(command).replayed for command in accepted)
        assert [ledger.balance(a) for a in members + escrows] == before
        assert_model_matches(ledger, model)
