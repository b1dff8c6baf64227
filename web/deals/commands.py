"""The one place that turns a party's input into workflow messages (`DealInput`, `DealCommand`).

HTML forms and the JSON API both load their input (see `inputs`) and call these builders,
which ask the domain first: terms are validated and the action is checked against the
deal's transition table, so an impossible request is refused with the rule's own reason
before anything is sent to the workflow (which checks again, authoritatively).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from domain.deal import Deal, start_deal
from domain.errors import InvalidInput, PayoutsNotReady
from domain.stages import Action
from domain.terms import DealTerms, Leg, Obligation, Role, TermBounds
from integrations.db.plans import fee_rule_for
from integrations.db.queries import ListingView
from integrations.payouts import payouts_ready
from web.deals.ids import deal_id_for
from web.verification.limits import check_deal_parties
from workflows.messages import DealCommand, DealInput, ReviewInput


def parties_for(listing: ListingView, visitor_id: int) -> tuple[int, int]:
    """(buyer, seller): the visitor buys what an offer listing sells, and sells what a want
    listing asks for."""
    if listing.kind == "want":
        return listing.business_id, visitor_id
    return visitor_id, listing.business_id


def proposal_terms(listing: ListingView, data: dict[str, Any]) -> DealTerms:
    """The listing's service from its seller; the price, or (barter) a service in return from
    the buyer, with an optional balancing payment from one side and a bond from each."""
    obligations = (Obligation(Role.SELLER, listing.description or listing.title, data.get("acceptance_criteria", "")),)
    payer = Role.BUYER
    if barter := data.get("barter"):
        if not listing.open_to_barter:
            raise InvalidInput("this listing is not open to barter; offer a price instead", field="barter")
        obligations += (Obligation(Role.BUYER, barter["description"], barter.get("acceptance_criteria", "")),)
        payer = Role(data.get("balance_paid_by", Role.BUYER.value))
    return DealTerms(
        title=listing.title,
        legs=tuple(Leg(payer, amount) for amount in data.get("price", ())),
        obligations=obligations,
        delivery_due_at=data["delivery_due_at"],
        inspection_days=data.get("inspection_days", 7),
        listing_id=listing.id,
        bond=data.get("bond"),
    )


def deal_input(session: Session, listing: ListingView, proposer_id: int, data: dict[str, Any], request_id: str,
               now: dt.datetime) -> DealInput:
    """The deal to start. Its fee is the plan of whoever is paid (the seller, unless a barter's
    balancing payment comes from the seller), fixed when the deal starts."""
    buyer, seller = parties_for(listing, proposer_id)
    terms = proposal_terms(listing, data)
    deal_id = deal_id_for(proposer_id, request_id)
    paid = buyer if terms.legs and all(leg.payer is Role.SELLER for leg in terms.legs) else seller
    fee_rule = fee_rule_for(session, paid)
    start_deal(deal_id, buyer, seller, proposer_id, terms, now, fee_rule=fee_rule)  # the domain's checks only
    check_deal_parties(session, buyer, seller, terms.price, proposer_id)
    return DealInput(deal_id, buyer, seller, proposer_id, terms, fee_rule=fee_rule,
                     dispute_policy=current_app.config.get("DISPUTE_POLICY"), lean_commands=True)


def counter_terms(current: DealTerms, data: dict[str, Any], now: dt.datetime) -> DealTerms:
    legs = current.legs
    if "price" in data:
        payer = current.legs[0].payer if current.legs else Role.BUYER
        legs = tuple(Leg(payer, amount) for amount in data["price"])
    criteria = {Role.SELLER: data.get("acceptance_criteria"), Role.BUYER: data.get("barter_criteria")}
    obligations = tuple(o if criteria[o.provider] is None else replace(o, acceptance_criteria=criteria[o.provider])
                        for o in current.obligations)
    terms = replace(
        current, legs=legs, obligations=obligations,
        delivery_due_at=data.get("delivery_due_at", current.delivery_due_at),
        inspection_days=data.get("inspection_days", current.inspection_days),
    )
    terms.validate(now, TermBounds())
    return terms


def check_payout_accounts(session: Session, deal: Deal, actor_id: int) -> None:
    """A cash deal starts only if whoever is paid cash can receive it (a Stripe payout account);
    otherwise the money would be stuck at release."""
    for payee in deal.cash_payees():
        if payouts_ready(session, payee):
            continue
        if payee == actor_id:
            raise PayoutsNotReady("set up your Stripe payout account first (Account → Payouts): "
                                  "cash reaches you only through it")
        raise PayoutsNotReady("the other side has not set up its Stripe payout account yet, so this cash deal "
                              "cannot start; ask them to set it up under Account → Payouts")


def command_for(session: Session, deal: Deal, action: Action, business_id: int, user_id: int,
                data: dict[str, Any], now: dt.datetime) -> DealCommand:
    """A party's action on a deal, checked against the rules (and, for acceptance, payouts and
    verification: a party may have lost it, or the terms grown, since the proposal)."""
    command = deal_command(deal, action, business_id, user_id, data, now)
    if action is Action.ACCEPT:
        check_deal_parties(session, deal.buyer_id, deal.seller_id, deal.terms.price, business_id)
        check_payout_accounts(session, deal, business_id)
    if action is Action.COUNTER and command.terms is not None:
        check_deal_parties(session, deal.buyer_id, deal.seller_id, command.terms.price, business_id)
    return command


def deal_command(deal: Deal, action: Action, business_id: int, user_id: int, data: dict[str, Any],
                 now: dt.datetime) -> DealCommand:
    deal.check(action, business_id, now)
    command = DealCommand(action=action, actor_business_id=business_id, actor_user_id=user_id,
                          note=data.get("note", ""))
    match action:
        case Action.COUNTER:
            return replace(command, terms=counter_terms(deal.terms, data, now))
        case Action.FUND:
            return replace(command, payment_method=data.get("payment_method", ""))
        case Action.EXTEND_DELIVERY:
            return replace(command, new_delivery_due_at=data["delivery_due_at"])
        case Action.REVIEW:
            return replace(command, review=ReviewInput(
                data["quality"], data["timeliness"], data["communication"], data.get("comment", "")))
    return command
