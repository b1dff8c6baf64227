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

from domain.deal import Deal, start_deal
from domain.money import credits
from domain.stages import Action
from domain.terms import DealTerms, Leg, Obligation, Role, TermBounds
from integrations.db.queries import ListingView
from web.deals.ids import deal_id_for
from workflows.messages import DealCommand, DealInput, ReviewInput


def parties_for(listing: ListingView, visitor_id: int) -> tuple[int, int]:
    """(buyer, seller): the visitor buys what an offer listing sells, and sells what a want
    listing asks for."""
    if listing.kind == "want":
        return listing.business_id, visitor_id
    return visitor_id, listing.business_id


def proposal_terms(listing: ListingView, data: dict[str, Any]) -> DealTerms:
    return DealTerms(
        title=listing.title,
        legs=(Leg(Role.BUYER, credits(data["price_minor"])),),
        obligations=(Obligation(Role.SELLER, listing.description, data.get("acceptance_criteria", "")),),
        delivery_due_at=data["delivery_due_at"],
        inspection_days=data.get("inspection_days", 7),
        listing_id=listing.id,
    )


def deal_input(listing: ListingView, proposer_id: int, data: dict[str, Any], request_id: str,
               now: dt.datetime) -> DealInput:
    buyer, seller = parties_for(listing, proposer_id)
    terms = proposal_terms(listing, data)
    deal_id = deal_id_for(proposer_id, request_id)
    start_deal(deal_id, buyer, seller, proposer_id, terms, now)  # the domain's checks, nothing kept
    return DealInput(deal_id, buyer, seller, proposer_id, terms)


def counter_terms(current: DealTerms, data: dict[str, Any], now: dt.datetime) -> DealTerms:
    legs = current.legs
    if "price_minor" in data:
        legs = (Leg(Role.BUYER, credits(data["price_minor"])),)
    terms = replace(
        current, legs=legs,
        delivery_due_at=data.get("delivery_due_at", current.delivery_due_at),
        inspection_days=data.get("inspection_days", current.inspection_days),
    )
    terms.validate(now, TermBounds())
    return terms


def deal_command(deal: Deal, action: Action, business_id: int, user_id: int, data: dict[str, Any],
                 now: dt.datetime) -> DealCommand:
    deal.check(action, business_id, now)
    command = DealCommand(action=action, actor_business_id=business_id, actor_user_id=user_id,
                          note=data.get("note", ""))
    match action:
        case Action.COUNTER:
            return replace(command, terms=counter_terms(deal.terms, data, now))
        case Action.EXTEND_DELIVERY:
            return replace(command, new_delivery_due_at=data["delivery_due_at"])
        case Action.REVIEW:
            return replace(command, review=ReviewInput(
                data["quality"], data["timeliness"], data["communication"], data.get("comment", "")))
    return command
