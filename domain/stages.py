"""The deal's stages, the actions on it, and the one table saying who may do what when."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    PROPOSED = "proposed"
    DECLINED = "declined"
    EXPIRED = "expired"
    FUNDING = "funding"
    CANCELLED = "cancelled"
    IN_DELIVERY = "in_delivery"
    INSPECTION = "inspection"
    DISPUTED = "disputed"  # a dispute runs (domain/deal_disputes.py): no action, no timer
    SETTLING = "settling"
    RATING = "rating"
    CLOSED = "closed"


FINAL_STAGES = frozenset({Stage.DECLINED, Stage.EXPIRED, Stage.CANCELLED, Stage.CLOSED})


class Action(StrEnum):
    COUNTER = "counter"
    ACCEPT = "accept"
    DECLINE = "decline"
    WITHDRAW = "withdraw"
    FUND = "fund"
    CANCEL = "cancel"
    EXTEND_DELIVERY = "extend_delivery"
    DELIVER = "deliver"
    CONFIRM = "confirm"
    REQUEST_CHANGES = "request_changes"
    REVIEW = "review"


class Actor(StrEnum):
    """Who may take a transition, relative to the deal."""

    OFFEREE = "the party the latest offer was made to"
    OFFEROR = "the party that made the latest offer"
    BUYER = "the buyer"
    SELLER = "the seller"
    EITHER = "either party"


# The whole lifecycle in one table: (stage, action) -> (who may, stage after).
TRANSITIONS: dict[tuple[Stage, Action], tuple[Actor, Stage]] = {
    (Stage.PROPOSED, Action.COUNTER): (Actor.OFFEREE, Stage.PROPOSED),
    (Stage.PROPOSED, Action.ACCEPT): (Actor.OFFEREE, Stage.FUNDING),
    (Stage.PROPOSED, Action.DECLINE): (Actor.OFFEREE, Stage.DECLINED),
    (Stage.PROPOSED, Action.WITHDRAW): (Actor.OFFEROR, Stage.CANCELLED),
    (Stage.FUNDING, Action.FUND): (Actor.BUYER, Stage.IN_DELIVERY),
    (Stage.FUNDING, Action.CANCEL): (Actor.EITHER, Stage.CANCELLED),
    (Stage.IN_DELIVERY, Action.DELIVER): (Actor.SELLER, Stage.INSPECTION),
    (Stage.IN_DELIVERY, Action.EXTEND_DELIVERY): (Actor.BUYER, Stage.IN_DELIVERY),
    (Stage.IN_DELIVERY, Action.CANCEL): (Actor.EITHER, Stage.CANCELLED),
    (Stage.INSPECTION, Action.CONFIRM): (Actor.BUYER, Stage.RATING),
    (Stage.INSPECTION, Action.REQUEST_CHANGES): (Actor.BUYER, Stage.IN_DELIVERY),
    (Stage.RATING, Action.REVIEW): (Actor.EITHER, Stage.RATING),
}

# Barter: each side delivers to the other and inspects what it received, so delivery,
# inspection and funding (balancing payment, bonds) are open to either side; the deal's own
# rules (domain/barter.py) say which side's turn it is. The stage after is decided there too.
BARTER_TRANSITIONS: dict[tuple[Stage, Action], tuple[Actor, Stage]] = {
    **TRANSITIONS,
    (Stage.FUNDING, Action.FUND): (Actor.EITHER, Stage.IN_DELIVERY),
    (Stage.IN_DELIVERY, Action.DELIVER): (Actor.EITHER, Stage.IN_DELIVERY),
    (Stage.IN_DELIVERY, Action.CONFIRM): (Actor.EITHER, Stage.IN_DELIVERY),
    (Stage.IN_DELIVERY, Action.REQUEST_CHANGES): (Actor.EITHER, Stage.IN_DELIVERY),
    (Stage.IN_DELIVERY, Action.EXTEND_DELIVERY): (Actor.EITHER, Stage.IN_DELIVERY),
    (Stage.INSPECTION, Action.CONFIRM): (Actor.EITHER, Stage.RATING),
    (Stage.INSPECTION, Action.REQUEST_CHANGES): (Actor.EITHER, Stage.IN_DELIVERY),
}

ACTION_LABELS = {
    Action.COUNTER: "Counter-offer",
    Action.ACCEPT: "Accept offer",
    Action.DECLINE: "Decline offer",
    Action.WITHDRAW: "Withdraw offer",
    Action.FUND: "Pay into escrow",
    Action.CANCEL: "Cancel deal",
    Action.EXTEND_DELIVERY: "Extend delivery date",
    Action.DELIVER: "Mark delivered",
    Action.CONFIRM: "Confirm delivery",
    Action.REQUEST_CHANGES: "Request changes",
    Action.REVIEW: "Rate partner",
}
