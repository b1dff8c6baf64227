"""Barter: each side delivers a service to the other and inspects what it received.

A barter deal keeps one `Handover` per side. A side delivers; the other side confirms or asks
for changes within the inspection window (silence is acceptance, as for any deal). The deal is
complete, and its balancing payment and bonds are settled, only when both handovers are
confirmed. Stages stay the deal's usual ones: `in_delivery` while a side has yet to deliver,
`inspection` once both have and a confirmation is outstanding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from domain.errors import AlreadyDone, InvalidTransition
from domain.stages import Action, Stage
from domain.terms import Role

if TYPE_CHECKING:
    from domain.deal import Deal, Outcome
    from domain.deal_clock import Alarm


@dataclass(frozen=True)
class Handover:
    """One side's delivery to the other, and the other side's inspection of it."""

    provider: Role
    delivered_at: dt.datetime | None = None
    inspection_ends_at: dt.datetime | None = None
    confirmed_at: dt.datetime | None = None

    @property
    def under_inspection(self) -> bool:
        return self.delivered_at is not None and self.confirmed_at is None

    @property
    def status(self) -> str:
        if self.confirmed_at is not None:
            return "confirmed"
        return "delivered, being inspected" if self.delivered_at is not None else "to be delivered"


def opening_handovers(ring_leg: bool = False) -> tuple[Handover, ...]:
    """A ring's leg has the seller's delivery only: what the buyer gives goes down another leg."""
    return (Handover(Role.SELLER),) if ring_leg else (Handover(Role.SELLER), Handover(Role.BUYER))


def _other(role: Role) -> Role:
    return Role.BUYER if role is Role.SELLER else Role.SELLER


class BarterActions:
    """Mixed into `Deal`: delivery and inspection when both sides deliver."""

    def handover(self: Deal, provider: Role) -> Handover:
        return next(h for h in self.handovers if h.provider is provider)

    def delivers(self: Deal, role: Role) -> bool:
        return any(h.provider is role for h in self.handovers)

    def _check_barter_turn(self: Deal, action: Action, business_id: int) -> None:
        """The transition table admits either side; whose turn it is depends on the handovers."""
        role = self.role_of(business_id)
        if role is None:
            return
        if not self.delivers(role):
            if action is Action.DELIVER:
                raise InvalidTransition("in this deal you receive the service; the other side delivers it")
        elif not self.delivers(_other(role)) and action in (Action.CONFIRM, Action.REQUEST_CHANGES):
            raise InvalidTransition("nothing is delivered to you in this deal")
        if not (self.delivers(role) and self.delivers(_other(role))):
            self._check_one_way_turn(action, role)
            return
        mine, theirs = self.handover(role), self.handover(_other(role))
        if action is Action.DELIVER and mine.confirmed_at is not None:
            raise AlreadyDone("your delivery has already been accepted")
        if action is Action.DELIVER and mine.under_inspection:
            raise AlreadyDone("you have delivered; the other side is inspecting it")
        if action in (Action.CONFIRM, Action.REQUEST_CHANGES) and not theirs.under_inspection:
            raise InvalidTransition("nothing has been delivered to you to inspect yet")
        if action is Action.CANCEL and any(h.confirmed_at for h in self.handovers):
            raise InvalidTransition("part of the exchange is already accepted, so the deal cannot be cancelled")

    def _check_one_way_turn(self: Deal, action: Action, role: Role) -> None:
        """A ring's leg: only the seller delivers, only the buyer inspects."""
        if action is Action.DELIVER and self.handover(role).delivered_at is not None:
            raise AlreadyDone("you have delivered; the other side is inspecting it")
        if action in (Action.CONFIRM, Action.REQUEST_CHANGES) and not self.handover(_other(role)).under_inspection:
            raise InvalidTransition("nothing has been delivered to you to inspect yet")
        if action is Action.FUND and self.terms.ring_id:
            raise InvalidTransition("a ring's deals are funded together, by the ring")
        if action is Action.CANCEL and self.terms.ring_id:
            raise InvalidTransition("a ring's deal is cancelled by its ring, not by one of its parties")

    def _barter_deliver(self: Deal, actor_id: int, now: dt.datetime, summary: str) -> Outcome:
        role = self.role_of(actor_id)
        assert role is not None
        ends = now + dt.timedelta(days=self.terms.inspection_days)
        handovers = self._replaced(replace(self.handover(role), delivered_at=now, inspection_ends_at=ends))
        receiver = self.other_party(actor_id)
        step = self._step(
            "delivered", now, actor_id, summary,
            notices=(self.notice_to(receiver, "delivered", "Delivered to you — please inspect",
                                    f"{summary}. Confirm or request changes by {ends:%Y-%m-%d %H:%M} UTC; "
                                    "silence counts as acceptance."),),
        )
        all_in = all(h.delivered_at is not None for h in handovers)
        return self._advance(step, handovers=handovers, stage=Stage.INSPECTION if all_in else Stage.IN_DELIVERY)

    def _barter_confirm(self: Deal, actor_id: int | None, provider: Role, now: dt.datetime, how: str) -> Outcome:
        """Accept `provider`'s delivery; the deal settles when both deliveries are accepted."""
        handovers = self._replaced(replace(self.handover(provider), confirmed_at=now, inspection_ends_at=None))
        accepted = replace(self, handovers=handovers)
        if all(h.confirmed_at is not None for h in handovers):
            return accepted._settle(now, actor_id, f"{how}; both services accepted")
        provider_id = self.buyer_id if provider is Role.BUYER else self.seller_id
        step = self._step("delivery_confirmed", now, actor_id, how,
                          notices=(self.notice_to(provider_id, "confirmed", "Your delivery was accepted", how),))
        return accepted._advance(step)

    def _barter_request_changes(self: Deal, actor_id: int, now: dt.datetime, summary: str) -> Outcome:
        provider = _other(self.role_of(actor_id) or Role.BUYER)
        handovers = self._replaced(Handover(provider))
        step = self._step("changes_requested", now, actor_id, summary,
                          notices=(self.notice_to(self.other_party(actor_id), "changes", "Changes requested", summary),))
        return self._advance(step, stage=Stage.IN_DELIVERY, handovers=handovers,
                             change_requests=self.change_requests + 1)

    def _replaced(self: Deal, handover: Handover) -> tuple[Handover, ...]:
        return tuple(handover if h.provider is handover.provider else h for h in self.handovers)

    def _provider_id(self: Deal, provider: Role) -> int:
        return self.buyer_id if provider is Role.BUYER else self.seller_id

    def handover_alarms(self: Deal) -> tuple[Alarm, ...]:
        """Each delivery under inspection has its own window, reminder and auto-acceptance."""
        from domain.deal_clock import Alarm

        alarms = []
        for h in self.handovers:
            if not h.under_inspection or h.inspection_ends_at is None or h.delivered_at is None:
                continue
            name = f"handover_{h.provider.value}"
            reminder = self.policy.reminder_at(h.delivered_at, h.inspection_ends_at)
            if reminder > h.delivered_at:
                alarms.append(Alarm(f"{name}_reminder", reminder, is_reminder=True))
            alarms.append(Alarm(name, h.inspection_ends_at, is_reminder=False))
        return tuple(alarms)

    def handover_deadlines(self: Deal) -> dict[str, dt.datetime]:
        return {f"inspection of the {h.provider.value}'s delivery ends": h.inspection_ends_at
                for h in self.handovers if h.under_inspection and h.inspection_ends_at is not None}

    def _handover_alarm(self: Deal, alarm: Alarm, now: dt.datetime) -> Outcome:
        provider = Role(alarm.name.removeprefix("handover_").removesuffix("_reminder"))
        receiver = self._provider_id(_other(provider))
        if alarm.is_reminder:
            text = f"Reminder: inspect the {provider.value}'s delivery by {self.handover(provider).inspection_ends_at:%Y-%m-%d %H:%M} UTC"
            return self._advance(self._step("reminder", now, None, text,
                                            notices=(self.notice_to(receiver, "reminder", text),)))
        return self._barter_confirm(None, provider, now,
                                    f"Inspection of the {provider.value}'s delivery ended without objection: accepted")
