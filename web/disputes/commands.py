"""Every dispute action the pages send goes through here: the domain's rule first, then the
dispute workflow's `act` Update (which checks again, under its lock, authoritatively).

The first check is not only courtesy: once a dispute is closed its workflow has ended, and an
Update to it could only fail as "not answering"; the read model's Dispute still says why
(the appeal window closed, the ruling is final), so the party hears the real reason.
"""

from __future__ import annotations

import datetime as dt

from domain.disputes import Dispute
from web.deal_service import deal_service
from workflows.dispute_messages import DisputeCommand, DisputeReply


def send(dispute: Dispute, command: DisputeCommand, now: dt.datetime) -> DisputeReply:
    dispute.check(command.action, command.actor_id, now)
    return deal_service().dispute_act(dispute.deal_id, command)
