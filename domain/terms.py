"""What two businesses agree: who pays what (legs) and who delivers what (obligations).

Shaped for every exchange model: credits (one credit leg), cash (one cash leg), hybrid (a
cash and a credit leg), barter (two obligations, optional balancing leg and bond).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import InvalidInput, TermsOutOfBounds
from domain.money import CREDITS, Money

MAX_TITLE = 200
MAX_TEXT = 5_000


class Role(StrEnum):
    BUYER = "buyer"
    SELLER = "seller"


class ExchangeModel(StrEnum):
    CREDITS = "credits"
    CASH = "cash"
    HYBRID = "hybrid"
    BARTER = "barter"


@dataclass(frozen=True)
class Leg:
    """A payment from `payer` into escrow, released to the other side at settlement."""

    payer: Role
    amount: Money

    @property
    def is_credits(self) -> bool:
        return self.amount.currency == CREDITS


@dataclass(frozen=True)
class Obligation:
    """A service `provider` delivers, inspected against `acceptance_criteria`."""

    provider: Role
    description: str
    acceptance_criteria: str = ""


@dataclass(frozen=True)
class DealTerms:
    title: str
    legs: tuple[Leg, ...]
    obligations: tuple[Obligation, ...]
    delivery_due_at: dt.datetime
    inspection_days: int = 7
    listing_id: int | None = None
    # Barter only: credits each side posts into escrow, returned at completion and forfeited
    # to the other side only by a ruling.
    bond: Money | None = None
    # A leg of a barter ring (domain/ring_legs.py): one service, paid for by the ring's other legs.
    ring_id: str | None = None

    @property
    def model(self) -> ExchangeModel:
        if len(self.obligations) > 1 or self.ring_id:
            return ExchangeModel.BARTER
        kinds = {leg.is_credits for leg in self.legs}
        if kinds == {True, False}:
            return ExchangeModel.HYBRID
        return ExchangeModel.CREDITS if kinds == {True} else ExchangeModel.CASH

    @property
    def price(self) -> tuple[Money, ...]:
        return tuple(leg.amount for leg in self.legs)

    def legs_paid_by(self, role: Role) -> tuple[Leg, ...]:
        return tuple(leg for leg in self.legs if leg.payer is role)

    def obligation_of(self, role: Role) -> Obligation | None:
        return next((o for o in self.obligations if o.provider is role), None)

    @property
    def escrowed(self) -> bool:
        """Whether anything is paid into escrow before delivery starts."""
        return bool(self.legs) or self.bond is not None

    def validate(self, now: dt.datetime, bounds: TermBounds) -> None:
        """Refuse terms no deal may carry; raised errors name the offending field."""
        if not self.title.strip() or len(self.title) > MAX_TITLE:
            raise InvalidInput(f"title must be 1-{MAX_TITLE} characters", field="title")
        if not self.obligations:
            raise InvalidInput("a deal needs at least one service to deliver", field="obligations")
        for obligation in self.obligations:
            if len(obligation.description) > MAX_TEXT or len(obligation.acceptance_criteria) > MAX_TEXT:
                raise InvalidInput(f"texts are limited to {MAX_TEXT} characters", field="description")
        if not self.legs and len(self.obligations) < 2 and not self.ring_id:
            raise InvalidInput("a deal needs a price or a service in return", field="price")
        currencies = [leg.amount.currency for leg in self.legs]
        if len(set(currencies)) != len(currencies):
            raise InvalidInput("one leg per currency", field="price")
        for leg in self.legs:
            if not leg.amount.is_positive:
                raise InvalidInput("amounts must be positive", field="price")
        self._validate_barter()
        if self.delivery_due_at <= now:
            raise InvalidInput("the delivery date must be in the future", field="delivery_due_at")
        if self.delivery_due_at - now > bounds.max_delivery_lead:
            raise TermsOutOfBounds(
                f"the delivery date must be within {bounds.max_delivery_lead.days} days",
                field="delivery_due_at",
            )
        low, high = bounds.inspection_days
        if not low <= self.inspection_days <= high:
            raise TermsOutOfBounds(
                f"the inspection period must be {low}-{high} days", field="inspection_days"
            )

    def _validate_barter(self) -> None:
        if self.model is not ExchangeModel.BARTER:
            if self.bond is not None:
                raise InvalidInput("a performance bond is for barter deals", field="bond")
            if any(leg.payer is not Role.BUYER for leg in self.legs):
                raise InvalidInput("the buyer pays the price", field="price")
            return
        if self.ring_id:
            self._validate_ring_leg()
        elif {o.provider for o in self.obligations} != {Role.BUYER, Role.SELLER} or len(self.obligations) != 2:
            raise InvalidInput("a barter deal has one service from each side", field="obligations")
        if any(not o.description.strip() for o in self.obligations):
            raise InvalidInput("describe the service each side delivers", field="barter")
        if len({leg.payer for leg in self.legs}) > 1:
            raise InvalidInput("the balancing payment comes from one side", field="price")
        if self.bond is not None and (self.bond.currency != CREDITS or not self.bond.is_positive):
            raise InvalidInput("a performance bond is a positive amount of credits", field="bond")

    def _validate_ring_leg(self) -> None:
        if self.legs or [o.provider for o in self.obligations] != [Role.SELLER]:
            raise InvalidInput("a ring's leg is one service from the seller, unpaid", field="obligations")

    @property
    def bonded_sides(self) -> frozenset[Role]:
        """The sides that post the performance bond: whoever delivers a service."""
        if self.bond is None:
            return frozenset()
        return frozenset(o.provider for o in self.obligations)

    def changes_from(self, before: DealTerms) -> tuple[str, ...]:
        """Human lines describing what a counter-offer changed."""
        changes = []
        if before.price != self.price:
            old = " + ".join(str(m) for m in before.price) or "nothing"
            new = " + ".join(str(m) for m in self.price) or "nothing"
            changes.append(f"price {old} → {new}")
        if before.delivery_due_at != self.delivery_due_at:
            changes.append(
                f"delivery due {before.delivery_due_at:%Y-%m-%d} → {self.delivery_due_at:%Y-%m-%d}"
            )
        if before.inspection_days != self.inspection_days:
            changes.append(f"inspection {before.inspection_days} → {self.inspection_days} days")
        if before.bond != self.bond:
            changes.append(f"performance bond {before.bond or 'none'} → {self.bond or 'none'} each")
        changes += _obligation_changes(before, self)
        if before.title != self.title:
            changes.append(f"title → {self.title}")
        return tuple(changes)


COUNTER_OFFER = "Counter-offer: "
CHANGE_SEPARATOR = "; "
QUOTED = 120  # characters of a changed text quoted in a counter-offer's summary


def counter_offer_summary(changes: tuple[str, ...]) -> str:
    return COUNTER_OFFER + CHANGE_SEPARATOR.join(changes)


def counter_offer_changes(summary: str) -> tuple[str, ...]:
    """The change lines of a counter-offer's timeline summary (what `counter_offer_summary` wrote)."""
    if not summary.startswith(COUNTER_OFFER):
        return ()
    return tuple(summary.removeprefix(COUNTER_OFFER).split(CHANGE_SEPARATOR))


def _quoted(text: str) -> str:
    text = " ".join(text.split()) or "none"
    return f"“{text if len(text) <= QUOTED else text[: QUOTED - 1] + '…'}”"


def _obligation_changes(before: DealTerms, after: DealTerms) -> list[str]:
    """Per side's service: its description and its acceptance criteria, old → new."""
    changes = []
    for role in Role:
        old, new = before.obligation_of(role), after.obligation_of(role)
        if old == new:
            continue
        if old is None or new is None:
            changes.append(f"the {role.value}'s service {_quoted(old.description if old else '')} → "
                           f"{_quoted(new.description if new else '')}")
            continue
        if old.description != new.description:
            changes.append(f"the {role.value}'s service {_quoted(old.description)} → {_quoted(new.description)}")
        if old.acceptance_criteria != new.acceptance_criteria:
            changes.append(f"acceptance criteria of the {role.value}'s service {_quoted(old.acceptance_criteria)} → "
                           f"{_quoted(new.acceptance_criteria)}")
    return changes


@dataclass(frozen=True)
class TermBounds:
    """Platform bounds every deal's terms must respect."""

    inspection_days: tuple[int, int] = (1, 30)
    max_delivery_lead: dt.timedelta = dt.timedelta(days=365)
