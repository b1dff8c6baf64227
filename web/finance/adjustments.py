"""The one write finance owns: propose, approve (which posts to the ledger) and reject adjustments.

Each function runs one transaction on the caller's session and commits it. Approval locks the
proposal row first, so two approvers clicking at once post one transfer, not two; the domain
decides who may approve, the ledger (and its database constraints) whether the money can move.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.adjustments import Adjustment, AdjustmentStatus, check_proposal
from domain.errors import InvalidInput, TradepactError
from domain.money import Money
from integrations.db.finance_models import AdjustmentRow
from integrations.db.ledger import Ledger, opened_on_demand


def propose_adjustment(session: Session, proposer_id: int, data: dict) -> int:
    amount = Money(data["amount_minor"], data["currency"])
    check_proposal(data["from_account"], data["to_account"], amount, data["reason"])
    for field in ("from_account", "to_account"):
        _check_account(session, data[field], amount.currency, field)
    row = AdjustmentRow(from_account=data["from_account"], to_account=data["to_account"],
                        amount_minor=amount.amount_minor, currency=amount.currency,
                        reason=data["reason"], proposed_by=proposer_id)
    session.add(row)
    session.commit()
    return row.id


def _check_account(session: Session, address: str, currency: str, field: str) -> None:
    """Catch at proposal what the ledger would refuse at approval: a missing account or a
    currency it does not hold (deal and platform accounts open on demand, like the ledger's)."""
    try:
        held = Ledger(session).balance(address).currency
    except InvalidInput:
        if opened_on_demand(address) is None:
            raise InvalidInput(f"there is no ledger account {address}", field=field) from None
        return
    if held != currency:
        raise InvalidInput(f"{address} holds {held}, not {currency}", field=field)


def approve_adjustment(session: Session, adjustment_id: int, approver_id: int) -> bool:
    """Post the adjustment; False if there is none. A refusal is recorded on it and re-raised."""
    row = _locked(session, adjustment_id)
    if row is None:
        return False
    approved = _domain(row).approve(approver_id)
    try:
        transfer = Ledger(session).execute(approved.transfer())
    except TradepactError as refused:
        # The ledger wrote nothing (its savepoint), so the proposal stays open with the reason.
        row.last_error, row.last_error_at = refused.message, func.now()
        session.commit()
        raise
    row.status, row.decided_by, row.decided_at = approved.status.value, approver_id, func.now()
    row.transfer_id = transfer.transfer_id
    session.commit()
    return True


def reject_adjustment(session: Session, adjustment_id: int, user_id: int, note: str = "") -> bool:
    row = _locked(session, adjustment_id)
    if row is None:
        return False
    rejected = _domain(row).reject(user_id)
    row.status, row.decided_by, row.decided_at = rejected.status.value, user_id, func.now()
    row.decision_note = note
    session.commit()
    return True


def _locked(session: Session, adjustment_id: int) -> AdjustmentRow | None:
    return session.scalar(select(AdjustmentRow).where(AdjustmentRow.id == adjustment_id).with_for_update())


def _domain(row: AdjustmentRow) -> Adjustment:
    return Adjustment(row.id, row.from_account, row.to_account, Money(row.amount_minor, row.currency),
                      row.reason, row.proposed_by, AdjustmentStatus(row.status), row.decided_by)
