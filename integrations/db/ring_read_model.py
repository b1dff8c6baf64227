"""Writes and reads of the barter rings' read model.

Written by the ring-step activity (and by ring detection, which claims a ring's listings the
moment it proposes it). A step is keyed by the ring's version, so a retried step changes
nothing; its notice goes to each of the three businesses through the notifications outbox.
The answer-deadline reminder goes only to the businesses that have not answered, once each.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from domain.rings import Ring, RingLeg, RingPolicy, RingStatus
from integrations.db.app_models import Business, DealRow, Notification
from integrations.db.matching_models import BarterRingRow

RINGS, NOTICES = BarterRingRow.__table__, Notification.__table__


def ring_to_json(ring: Ring) -> dict[str, Any]:
    return {**dataclasses.asdict(ring), "proposed_at": ring.proposed_at.isoformat(),
            "answer_by": ring.answer_by.isoformat(), "status": ring.status.value,
            "accepted_by": list(ring.accepted_by), "legs": [dataclasses.asdict(leg) for leg in ring.legs]}


def ring_from_json(state: dict[str, Any]) -> Ring:
    return Ring(key=state["key"], legs=tuple(RingLeg(**leg) for leg in state["legs"]),
                proposed_at=dt.datetime.fromisoformat(state["proposed_at"]),
                answer_by=dt.datetime.fromisoformat(state["answer_by"]), policy=RingPolicy(**state["policy"]),
                status=RingStatus(state["status"]), accepted_by=tuple(state["accepted_by"]),
                declined_by=state["declined_by"], reason=state["reason"])


def save_ring(session: Session, ring: Ring, version: int, at: dt.datetime) -> bool:
    """Upsert the ring's row; False when this version (or a later one) was recorded before."""
    values = _values(ring, version, at)
    written = session.execute(
        insert(RINGS).values(ring_key=ring.key, proposed_at=ring.proposed_at, **values)
        .on_conflict_do_update(index_elements=[RINGS.c.ring_key], set_=values, where=RINGS.c.version < version)
        .returning(RINGS.c.ring_key)).first()
    return written is not None


def save_proposed_rings(session: Session, rings: Iterable[Ring], at: dt.datetime) -> None:
    """Record rings just proposed (version 0) in one statement, as save_ring would one by one: a
    ring recorded before keeps its row. Ring detection proposes dozens at once."""
    rows = [dict(ring_key=ring.key, proposed_at=ring.proposed_at, **_values(ring, 0, at)) for ring in rings]
    if rows:
        session.execute(insert(RINGS).values(rows).on_conflict_do_nothing(index_elements=[RINGS.c.ring_key]))


def _values(ring: Ring, version: int, at: dt.datetime) -> dict[str, Any]:
    return dict(status=ring.status.value, business_ids=list(ring.business_ids),
                listing_ids=sorted({i for leg in ring.legs for i in (leg.want_id, leg.offer_id)}),
                version=version, answer_by=ring.answer_by, state=ring_to_json(ring), updated_at=at)


def notify_ring(session: Session, ring: Ring, version: int, subject: str, at: dt.datetime) -> None:
    session.execute(insert(NOTICES).values([
        dict(business_id=business_id, deal_id=None, dedupe_key=f"ring:{ring.key}:{version}:{business_id}",
             kind="ring", subject=subject, body=f"{subject}. See Barter rings on Tradepact: /rings/{ring.key}",
             created_at=at, email_status="pending")
        for business_id in ring.business_ids
    ]).on_conflict_do_nothing(index_elements=[NOTICES.c.dedupe_key]))


def remind_ring(session: Session, ring: Ring, business_ids: tuple[int, ...], subject: str,
                at: dt.datetime) -> None:
    """Kind `reminder`: a deadline reminder, emailed at once whatever the member's quiet hours
    and cap (domain.notification_policy)."""
    if not business_ids:
        return
    session.execute(insert(NOTICES).values([
        dict(business_id=business_id, deal_id=None, dedupe_key=f"ring-reminder:{ring.key}:{business_id}",
             kind="reminder", subject=subject,
             body=f"{subject}. Accept or decline it on Tradepact: /rings/{ring.key}",
             created_at=at, email_status="pending")
        for business_id in business_ids
    ]).on_conflict_do_nothing(index_elements=[NOTICES.c.dedupe_key]))


@dataclass(frozen=True)
class RingView:
    ring: Ring
    names: dict[int, str]
    stages: dict[str, str]  # a leg's deal id -> its stage in the deal read model

    def leg_stage(self, leg: RingLeg) -> str:
        return self.stages.get(leg.deal_id, "")


def ring_view(session: Session, ring_key: str, business_id: int | None) -> RingView | None:
    """The ring, if `business_id` is one of its businesses (None: staff, who see every ring).
    A ring only claimed by detection (version 0) is not shown until its workflow proposes it."""
    row = session.get(BarterRingRow, ring_key)
    if row is None or row.version == 0 or (business_id is not None and business_id not in row.business_ids):
        return None
    return _view(session, ring_from_json(row.state))


def rings_of(session: Session, business_id: int) -> list[RingView]:
    rows = session.scalars(select(BarterRingRow).where(BarterRingRow.business_ids.any(business_id),
                                                       BarterRingRow.version > 0)
                           .order_by(BarterRingRow.proposed_at.desc()).limit(50))
    return [_view(session, ring_from_json(row.state)) for row in rows]


def _view(session: Session, ring: Ring) -> RingView:
    names = dict(session.execute(select(Business.id, Business.name)
                                 .where(Business.id.in_(ring.business_ids))).all())
    stages = dict(session.execute(select(DealRow.deal_id, DealRow.stage)
                                  .where(DealRow.deal_id.in_([leg.deal_id for leg in ring.legs]))).all())
    return RingView(ring, names, stages)
