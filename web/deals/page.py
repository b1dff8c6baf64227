"""What a deal page shows a viewer: parties, terms, deadlines, timeline, reviews and the
actions this viewer may take now (exactly `deal.allowed_actions`). Shared by the member's
page, the staff's read-only page and the API's deal document."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from domain.deal import Deal
from domain.money import Money
from domain.reviews import Review
from domain.stages import Action
from domain.terms import Role, counter_offer_changes
from integrations.db.queries import DealView, TimelineEntry


@dataclass(frozen=True)
class DealPage:
    view: DealView
    viewer_business_id: int | None
    allowed_actions: tuple[Action, ...]
    deadlines: list[tuple[str, dt.datetime]]
    reviews: list[Review]

    @property
    def deal(self) -> Deal:
        return self.view.deal

    @property
    def timeline(self) -> list[TimelineEntry]:
        return self.view.timeline

    @property
    def role(self) -> Role | None:
        return self.deal.role_of(self.viewer_business_id) if self.viewer_business_id else None

    @property
    def to_pay(self) -> tuple[Money, ...]:
        """What the viewer still pays into escrow: its unfunded legs and its bond."""
        role = self.role
        if role is None:
            return ()
        deal = self.deal
        owed = [leg.amount for leg in deal.terms.legs_paid_by(role)
                if leg.amount.currency not in deal.funded_currencies]
        if deal.terms.bond is not None and role not in deal.bonds_posted:
            owed.append(deal.terms.bond)
        return tuple(owed)

    @property
    def pays_by_card(self) -> bool:
        return bool(self.viewer_business_id and self.deal.cash_owed(self.viewer_business_id))

    def side(self, role: Role | str) -> dict[str, Any]:
        """One side of a barter deal, for the side-by-side obligations."""
        deal, role = self.deal, Role(role)
        party_id = deal.buyer_id if role is Role.BUYER else deal.seller_id
        obligation = deal.terms.obligation_of(role)
        return {"role": role.value, "name": self.view.name_of(party_id), "is_viewer": party_id == self.viewer_business_id,
                "obligation": obligation, "status": deal.handover(role).status if deal.delivers(role) else "",
                "bond_posted": role in deal.bonds_posted}

    def counter_offer_changes(self, entry: TimelineEntry) -> tuple[str, ...]:
        """A counter-offer's changes, one line each (old → new); () for any other entry."""
        return counter_offer_changes(entry.summary) if entry.kind == "countered" else ()

    def review_author(self, review: Review) -> str:
        return "You" if review.author_id == self.viewer_business_id else self.view.name_of(review.author_id)


def deal_page(view: DealView, viewer_business_id: int | None, now: dt.datetime) -> DealPage:
    deal = view.deal
    actions = deal.allowed_actions(viewer_business_id, now) if viewer_business_id else ()
    deadlines = sorted(deal.deadlines().items(), key=lambda item: item[1])
    return DealPage(view, viewer_business_id, actions, deadlines, view.reviews_visible_to(viewer_business_id))
