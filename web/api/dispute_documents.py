"""Disputes as API documents: the case as its viewer may see it, a queue row, and the evidence
pack (the deal's terms and full timeline, the parties' message thread, both sides' evidence with
file hashes, the settlement offers, assignments and rulings) as one JSON document — also
rendered as HTML."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from domain.deal import Deal
from domain.dispute_stages import REASON_LABELS, RULING_STAGES, DisputeAction
from domain.disputes import STAGE_WORDS, Dispute
from domain.money import Money
from domain.rulings import Ruling
from integrations.db.deal_messages import thread
from integrations.db.queries import timeline as deal_timeline
from integrations.db.queries.disputes import CaseSummary, Viewer, dispute_timeline, track_record
from integrations.workflow_history import HistoryLine

API = "/api/v1"


def allowed_actions(dispute: Dispute, viewer: Viewer, now: dt.datetime) -> list[str]:
    """Exactly what this viewer may do now: a party's actions, the assigned arbitrator's ruling,
    an operator's reassignment."""
    if viewer.role == "member" and viewer.business_id in dispute.parties:
        return [a.value for a in dispute.allowed_actions(viewer.business_id, now)]
    current = dispute.current_assignment
    if viewer.role == "arbitrator" and current and current.arbitrator_id == viewer.user_id \
            and dispute.stage in RULING_STAGES:
        return [DisputeAction.RULE.value]
    if viewer.role == "admin" and current is not None and not dispute.is_closed:
        return [DisputeAction.REASSIGN.value]
    return []


def _ruling(ruling: Ruling | None, dispute: Dispute) -> dict[str, Any] | None:
    if ruling is None:
        return None
    return {"description": ruling.describe(dispute.held), "reasons": ruling.reasons,
            "default_loser": ruling.default_loser.value if ruling.default_loser else None,
            "legs": [{"currency": leg.currency, "decision": leg.decision.value, "refund_bps": leg.refund_bps,
                      "to_payee_minor": leg.to_payee.amount_minor if leg.to_payee else None,
                      "to_payer_minor": leg.to_payer.amount_minor if leg.to_payer else None}
                     for leg in ruling.legs],
            "bonds": [{"side": b.side.value, "decision": b.decision.value} for b in ruling.bonds]}


def _evidence(dispute: Dispute) -> list[dict[str, Any]]:
    base = f"{API}/deals/{dispute.deal_id}/dispute/evidence"
    return [{"side": dispute.side_name(e.submitted_by), "at": e.at, "statement": e.statement,
             "files": [{"name": f.name, "content_type": f.content_type, "size_bytes": f.size_bytes,
                        "sha256": f.sha256, "url": f"{base}/{f.sha256}"} for f in e.files]}
            for e in dispute.evidence]


def case_document(session: Session, dispute: Dispute, deal: Deal, viewer: Viewer,
                  now: dt.datetime) -> dict[str, Any]:
    current, live = dispute.current_assignment, dispute.live_offer
    return {
        "deal_id": dispute.deal_id, "title": dispute.deal_title, "stage": dispute.stage.value,
        "stage_label": STAGE_WORDS[dispute.stage], "version": dispute.version,
        "reason": dispute.reason.value, "reason_label": REASON_LABELS[dispute.reason],
        "details": dispute.details, "asked_for": dispute.asked_for,
        "opened_by": dispute.side_name(dispute.opened_by), "opened_at": dispute.opened_at,
        "role": dispute.side_name(viewer.business_id) if viewer.business_id in dispute.parties else viewer.role,
        "buyer_id": dispute.buyer_id, "seller_id": dispute.seller_id,
        "deadlines": [{"name": name, "at": at} for name, at in dispute.deadlines().items()],
        "held": [{"currency": leg.amount.currency, "payer": leg.payer.value, "amount": leg.amount}
                 for leg in dispute.held.legs],
        "bond": dispute.held.bond, "bonds_posted": [r.value for r in dispute.held.bonds_posted],
        "checklist": [{"provider": o.provider.value, "description": o.description,
                       "acceptance_criteria": o.acceptance_criteria} for o in deal.terms.obligations],
        "offers": [{"number": o.number, "by": dispute.side_name(o.by), "at": o.at,
                    "description": o.ruling.describe(dispute.held), "message": o.ruling.reasons,
                    "live": live is not None and live.number == o.number} for o in dispute.offers],
        "evidence": _evidence(dispute),
        "arbitrator": {"id": current.arbitrator_id, "name": current.name} if current else None,
        "assignments": [{"arbitrator_id": a.arbitrator_id, "name": a.name, "is_senior": a.is_senior,
                         "for_appeal": a.for_appeal, "at": a.at, "reason": a.reason, "ended_at": a.ended_at,
                         "ended_why": a.ended_why} for a in dispute.assignments],
        "ruling": _ruling(dispute.ruling, dispute),
        "appeal": None if dispute.appeal is None else {
            "by": dispute.side_name(dispute.appeal.by), "at": dispute.appeal.at, "fee": list(dispute.appeal.fee),
            "succeeded": dispute.appeal.succeeded},
        "appeal_ruling": _ruling(dispute.appeal_ruling, dispute),
        "appeal_fee": list(dispute.appeal_fee),
        "timeline": [{"seq": e.seq, "kind": e.kind, "at": e.at, "summary": e.summary}
                     for e in dispute_timeline(session, dispute.deal_id)],
        "party_records": {"buyer": track_record(session, dispute.buyer_id),
                          "seller": track_record(session, dispute.seller_id)} if viewer.role != "member" else None,
        "allowed_actions": allowed_actions(dispute, viewer, now),
        "evidence_pack": f"{API}/deals/{dispute.deal_id}/dispute/pack",
    }


def case_row(case: CaseSummary) -> dict[str, Any]:
    return {"deal_id": case.deal_id, "title": case.title, "stage": case.stage, "buyer": case.buyer,
            "seller": case.seller, "arbitrator_id": case.arbitrator_id, "opened_at": case.opened_at,
            "next_deadline_at": case.next_deadline_at, "updated_at": case.updated_at}


def evidence_pack(session: Session, dispute: Dispute, deal: Deal, now: dt.datetime,
                  histories: dict[str, list[HistoryLine]]) -> dict[str, Any]:
    """Everything the case rests on: the timelines recorded step by step from the two workflows,
    and the workflows' histories as the Temporal server kept them (`histories`, by workflow id)."""
    return {
        "deal_id": deal.deal_id, "generated_at": now,
        "terms": {"title": deal.terms.title, "model": deal.terms.model.value, "price": list(deal.terms.price),
                  "bond": deal.terms.bond, "delivery_due_at": deal.terms.delivery_due_at,
                  "inspection_days": deal.terms.inspection_days,
                  "obligations": [{"provider": o.provider.value, "description": o.description,
                                   "acceptance_criteria": o.acceptance_criteria} for o in deal.terms.obligations]},
        "parties": {"buyer": dispute.buyer_id, "seller": dispute.seller_id},
        "dispute": {"reason": REASON_LABELS[dispute.reason], "details": dispute.details,
                    "asked_for": dispute.asked_for, "opened_by": dispute.side_name(dispute.opened_by),
                    "opened_at": dispute.opened_at, "stage": STAGE_WORDS[dispute.stage]},
        "deal_timeline": [{"seq": e.seq, "kind": e.kind, "at": e.at, "actor": e.actor_name, "summary": e.summary}
                          for e in deal_timeline(session, deal.deal_id)],
        "dispute_timeline": [{"seq": e.seq, "kind": e.kind, "at": e.at, "summary": e.summary}
                             for e in dispute_timeline(session, dispute.deal_id)],
        "evidence": _evidence(dispute),
        "messages": [{"side": dispute.side_name(m.author_business_id), "author": m.author_name, "at": m.at,
                      "body": m.body} for m in thread(session, deal.deal_id)],
        "settlement_offers": [{"number": o.number, "by": dispute.side_name(o.by), "at": o.at,
                               "description": o.ruling.describe(dispute.held), "message": o.ruling.reasons}
                              for o in dispute.offers],
        "assignments": [{"name": a.name, "at": a.at, "reason": a.reason, "for_appeal": a.for_appeal,
                         "ended_at": a.ended_at, "ended_why": a.ended_why} for a in dispute.assignments],
        "ruling": _ruling(dispute.ruling, dispute),
        "appeal_ruling": _ruling(dispute.appeal_ruling, dispute),
        "workflow_histories": {workflow_id: [{"event_id": line.event_id, "at": line.at, "event": line.event,
                                              "detail": line.detail} for line in lines]
                               for workflow_id, lines in histories.items()},
    }


def plain(value: Any) -> Any:
    """A document with money and times as JSON: `{"amount_minor", "currency", "display"}`, ISO 8601."""
    if isinstance(value, Money):
        return {"amount_minor": value.amount_minor, "currency": value.currency, "display": str(value)}
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
