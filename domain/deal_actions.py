"""The parties' actions on a deal. Each checks the transition table, then says what happened."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING

from domain.barter import opening_handovers
from domain.cash import CashKind, CashMovement, CashReceipt
from domain.errors import AlreadyDone, InvalidInput, InvalidTransition
from domain.ledger import LedgerBatch
from domain.reviews import Review
from domain.settlement import (
    cash_charges,
    fee_for,
    fund_bond,
    fund_cash_legs,
    fund_credit_legs,
    payee_id,
    release_funded_legs,
    void_funded_legs,
)
from domain.stages import Action, Stage
from domain.terms import DealTerms, ExchangeModel, Role, TermBounds, counter_offer_summary

if TYPE_CHECKING:
    from domain.deal import Deal, Outcome

MAX_NOTE = 2_000


def _note(note: str) -> str:
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"notes are limited to {MAX_NOTE} characters", field="note")
    return note.strip()


class DealActions:
    """Mixed into `Deal`; every method returns an `Outcome` and never mutates."""

    def counter(self: Deal, actor_id: int, terms: DealTerms, now: dt.datetime,
                bounds: TermBounds | None = None) -> Outcome:
        self.check(Action.COUNTER, actor_id, now)
        terms.validate(now, bounds or TermBounds())
        self.fee_rule.check_payee_receives_something(terms.price)
        changes = terms.changes_from(self.terms)
        if not changes:
            raise InvalidInput("a counter-offer must change something", field="terms")
        summary = counter_offer_summary(changes)
        step = self._step(
            "countered", now, actor_id, summary,
            notices=(self.notice_to(self.other_party(actor_id), "offer", "Counter-offer", summary),),
        )
        handovers = opening_handovers() if terms.model is ExchangeModel.BARTER else ()
        return self._advance(step, terms=terms, offered_by=actor_id, offered_at=now, handovers=handovers)

    def accept(self: Deal, actor_id: int, now: dt.datetime) -> Outcome:
        after = self.check(Action.ACCEPT, actor_id, now)
        due = now + self.policy.funding_deadline
        if not self.terms.escrowed:
            after, due = Stage.IN_DELIVERY, None
        notices = (self.notice_to(self.other_party(actor_id), "accepted", "Offer accepted",
                                  "Your offer was accepted." + (
                                      f" Escrow must be funded by {due:%Y-%m-%d %H:%M} UTC." if due else "")),)
        step = self._step("accepted", now, actor_id, "Offer accepted", notices=notices)
        return self._advance(step, stage=after, funding_due_at=due)

    def decline(self: Deal, actor_id: int, now: dt.datetime, note: str = "") -> Outcome:
        after = self.check(Action.DECLINE, actor_id, now)
        summary = "Offer declined" + (f": {_note(note)}" if note.strip() else "")
        step = self._step("declined", now, actor_id, summary,
                          notices=(self.notice_to(self.other_party(actor_id), "declined", "Offer declined", summary),))
        return self._advance(step, stage=after)

    def withdraw(self: Deal, actor_id: int, now: dt.datetime) -> Outcome:
        after = self.check(Action.WITHDRAW, actor_id, now)
        step = self._step("withdrawn", now, actor_id, "Offer withdrawn",
                          notices=(self.notice_to(self.other_party(actor_id), "cancelled", "Offer withdrawn"),))
        return self._advance(step, stage=after)

    def fund(self: Deal, actor_id: int, now: dt.datetime, receipts: tuple[CashReceipt, ...] = ()) -> Outcome:
        """Hold the actor's credit legs, and move its charged cash legs (`receipts`) into escrow.

        Credits are held first and on their own: a card is charged only once the credits are
        safely held, so a refused credit line never leaves a charged card behind.
        """
        self.check(Action.FUND, actor_id, now)
        role = self.role_of(actor_id)
        assert role is not None  # check() admitted a party
        credit, bond = fund_credit_legs(self, role), fund_bond(self, role)
        owed = {c.key for c in cash_charges(self, role)}
        receipts = tuple(r for r in receipts if r.key in owed)
        if (credit or bond) and receipts:
            raise InvalidTransition("credits are held before any card is charged")
        batch = LedgerBatch(holds=credit.holds + bond.holds) if credit or bond else fund_cash_legs(self, receipts)
        amounts = [h.amount for h in credit.holds] + [r.amount for r in receipts]
        if not amounts and not bond:
            raise InvalidTransition("there is nothing left for you to pay into escrow")
        funded = self.funded_currencies + tuple(a.currency for a in amounts)
        bonds = self.bonds_posted + ((role,) if bond else ())
        all_funded = ({leg.amount.currency for leg in self.terms.legs} <= set(funded)
                      and set(bonds) >= self.terms.bonded_sides)
        held = " + ".join([str(a) for a in amounts] + [f"a bond of {h.amount}" for h in bond.holds])
        step = self._step(
            "funded", now, actor_id, f"{held} held in escrow", ledger=batch,
            notices=(self.notice_to(self.other_party(actor_id), "funded", "Escrow funded",
                                    f"{held} is held in escrow." + (" You can start the work." if all_funded else "")),),
        )
        return self._advance(step, funded_currencies=funded, cash_receipts=self.cash_receipts + receipts,
                             bonds_posted=bonds, stage=Stage.IN_DELIVERY if all_funded else Stage.FUNDING)

    def cash_owed(self: Deal, actor_id: int) -> tuple[CashMovement, ...]:
        """The card payments the actor still has to make into escrow (after its credits)."""
        role = self.role_of(actor_id)
        return () if role is None else cash_charges(self, role)

    def cash_payees(self: Deal) -> tuple[int, ...]:
        """Who receives cash at release (each needs a Stripe payout account)."""
        return tuple(payee_id(self, leg) for leg in self.terms.legs if not leg.is_credits)

    def credits_owed(self: Deal, actor_id: int) -> bool:
        role = self.role_of(actor_id)
        return role is not None and bool(fund_credit_legs(self, role) or fund_bond(self, role))

    def cash_failed(self: Deal, movement: CashMovement, reason: str, now: dt.datetime) -> Outcome:
        """A payout or refund Stripe refused for good: the deal goes on (the ledger already says
        whose the money is) and the movement waits in finance's queue to be retried."""
        what = "Payout" if movement.kind is CashKind.PAYOUT else "Refund"
        summary = f"{what} of {movement.amount} could not be sent: {reason}. Finance will retry it"
        body = summary + "."
        if movement.kind is CashKind.PAYOUT:
            body += " If your payout account is not set up, set it up under Account → Payouts."
        step = self._step(f"{movement.kind.value}_failed", now, None, summary,
                          notices=(self.notice_to(movement.business_id, "cash_failed", f"{what} delayed", body),))
        return self._advance(step)

    def stripe_reported(self: Deal, key: str, kind: CashKind, status: str, now: dt.datetime) -> Outcome | None:
        """Stripe's later word on one of the deal's cash movements (a webhook, as a Signal).

        Success only confirms what the deal already recorded from Stripe's answer. A failure
        or reversal afterwards (a refund that bounced, a transfer pulled back) goes on the
        timeline and tells the party who expected the money; finance works it from its queue.
        """
        if status not in ("failed", "reversed") or not key.startswith(f"deal:{self.deal_id}:"):
            return None
        what = {CashKind.CHARGE: "card payment", CashKind.PAYOUT: "payout", CashKind.REFUND: "refund"}[kind]
        summary = f"Stripe reports the {what} in {key.rsplit(':', 1)[-1]} was {status}; finance has been told"
        to = self.seller_id if kind is CashKind.PAYOUT else self.buyer_id
        step = self._step(f"stripe_{kind.value}_{status}", now, None, summary,
                          notices=(self.notice_to(to, "cash_failed", f"Stripe: {what} {status}", summary + "."),))
        return self._advance(step)

    def cancel(self: Deal, actor_id: int, now: dt.datetime, note: str = "") -> Outcome:
        after = self.check(Action.CANCEL, actor_id, now)
        return self._cancelled(now, actor_id, "Deal cancelled" + (f": {_note(note)}" if note.strip() else ""), after)

    def _cancelled(self: Deal, now: dt.datetime, actor_id: int | None, summary: str, after: Stage) -> Outcome:
        batch, refunds = void_funded_legs(self)
        if batch:
            summary += "; escrow returned to the payer"
        notices = tuple(self.notice_to(party, "cancelled", "Deal cancelled", summary)
                        for party in self.parties if party != actor_id)
        step = self._step("cancelled", now, actor_id, summary, ledger=batch, notices=notices, cash=refunds)
        return self._advance(step, stage=after, funded_currencies=(), bonds_posted=())

    def extend_delivery(self: Deal, actor_id: int, new_due: dt.datetime, now: dt.datetime) -> Outcome:
        self.check(Action.EXTEND_DELIVERY, actor_id, now)
        if new_due <= max(now, self.terms.delivery_due_at):
            raise InvalidInput("the new delivery date must be later than the current one",
                               field="delivery_due_at")
        summary = f"Delivery date extended to {new_due:%Y-%m-%d}"
        step = self._step("delivery_extended", now, actor_id, summary,
                          notices=(self.notice_to(self.seller_id, "extended", "Delivery date extended", summary),))
        return self._advance(step, terms=replace(self.terms, delivery_due_at=new_due))

    def deliver(self: Deal, actor_id: int, now: dt.datetime, note: str = "") -> Outcome:
        after = self.check(Action.DELIVER, actor_id, now)
        ends = now + dt.timedelta(days=self.terms.inspection_days)
        summary = "Marked delivered" + (f": {_note(note)}" if note.strip() else "")
        if self.is_barter:
            return self._barter_deliver(actor_id, now, summary)
        step = self._step(
            "delivered", now, actor_id, summary,
            notices=(self.notice_to(self.buyer_id, "delivered", "Delivered — please inspect",
                                    f"{summary}. Confirm or request changes by {ends:%Y-%m-%d %H:%M} UTC; "
                                    "silence counts as acceptance."),),
        )
        return self._advance(step, stage=after, delivered_at=now, inspection_ends_at=ends)

    def request_changes(self: Deal, actor_id: int, now: dt.datetime, note: str) -> Outcome:
        after = self.check(Action.REQUEST_CHANGES, actor_id, now)
        if not note.strip():
            raise InvalidInput("say what needs to change", field="note")
        summary = f"Changes requested: {_note(note)}"
        if self.is_barter:
            return self._barter_request_changes(actor_id, now, summary)
        step = self._step("changes_requested", now, actor_id, summary,
                          notices=(self.notice_to(self.seller_id, "changes", "Changes requested", summary),))
        return self._advance(step, stage=after, inspection_ends_at=None,
                             change_requests=self.change_requests + 1)

    def confirm(self: Deal, actor_id: int, now: dt.datetime) -> Outcome:
        self.check(Action.CONFIRM, actor_id, now)
        if self.is_barter:
            role = self.role_of(actor_id)
            provider = Role.SELLER if role is Role.BUYER else Role.BUYER
            return self._barter_confirm(actor_id, provider, now, f"The {provider.value}'s delivery was confirmed")
        return self._settle(now, actor_id, "Delivery confirmed")

    def _settle(self: Deal, now: dt.datetime, actor_id: int | None, how: str) -> Outcome:
        """Release escrow to the payees less the platform fee, and open the rating window."""
        batch, payouts = release_funded_legs(self)
        paid = "; ".join(
            f"{leg.amount - fee_for(self, leg)} to the {'seller' if leg.payer is Role.BUYER else 'buyer'}"
            f" (fee {fee_for(self, leg)})"
            for leg in self.terms.legs if leg.amount.currency in self.funded_currencies
        )
        summary = f"{how}; released {paid}" if paid else how
        if self.bonds_posted:
            summary += f"; performance bonds of {self.terms.bond} returned to both sides"
        rating_ends = now + self.policy.rating_window
        notices = tuple(
            self.notice_to(party, "completed", "Deal completed",
                           f"{summary}. Rate your partner by {rating_ends:%Y-%m-%d}.")
            for party in self.parties if party != actor_id
        )
        step = self._step("completed", now, actor_id, summary, ledger=batch, notices=notices, cash=payouts)
        return self._advance(step, stage=Stage.RATING, completed_at=now,
                             rating_ends_at=rating_ends, inspection_ends_at=None)

    def review(self: Deal, actor_id: int, review: Review, now: dt.datetime) -> Outcome:
        self.check(Action.REVIEW, actor_id, now)
        if any(r.author_id == actor_id for r in self.reviews):
            raise AlreadyDone("you have already rated this deal")
        if review.author_id != actor_id or review.subject_id != self.other_party(actor_id):
            raise InvalidInput("a review is written by one party about the other", field="review")
        reviews = self.reviews + (review,)
        if len(reviews) == 2:
            return self._close(now, actor_id, reviews, "Both reviews are in and now visible")
        step = self._step(
            "review_submitted", now, actor_id, "A review was submitted (hidden until both are in)",
            notices=(self.notice_to(self.other_party(actor_id), "review", "Your partner rated you",
                                    "Rate them too to see their review."),),
        )
        return self._advance(step, reviews=reviews)

    def _close(self: Deal, now: dt.datetime, actor_id: int | None, reviews: tuple[Review, ...],
               summary: str) -> Outcome:
        notices = tuple(self.notice_to(party, "closed", "Deal closed", summary) for party in self.parties)
        step = self._step("closed", now, actor_id, summary, notices=notices)
        return self._advance(step, stage=Stage.CLOSED, reviews=reviews, reviews_revealed=True)
