"""The two reads the dispute pages need beyond integrations/db/queries/disputes.py: whether a
deal has a dispute (and its stage), for the deal page, and staff names for the operators' list."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.db.app_models import User
from integrations.db.dispute_models import DisputeRow


def dispute_stage(session: Session, deal_id: str) -> str | None:
    """The stage of the deal's dispute, or None if it was never disputed. Callers have already
    checked the viewer may see the deal."""
    return session.scalar(select(DisputeRow.stage).where(DisputeRow.deal_id == deal_id))


def user_names(session: Session, user_ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in user_ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(wanted))).all())
