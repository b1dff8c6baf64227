"""Finance's read side: escrow held by stage, the ledger explorer, adjustments, revenue and activity.

Read only, like every query module; the one write finance owns (adjustments) lives in
`web.finance.adjustments`. Escrow accounts are joined to the deal read model through their
address (`deal:{id}:escrow:{CUR}`): the ledger does not know deals beyond that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session, aliased

from domain.money import Money
from domain.stages import FINAL_STAGES
from integrations.db.app_models import User
from integrations.db.finance_models import AdjustmentRow
from integrations.db.ledger import AccountBalance, Ledger, StatementLine
from integrations.db.queries.views import Page

__all__ = [
    "AccountSummary", "Activity", "AdjustmentView", "EscrowByStage", "EscrowDashboard", "LedgerAccountPage",
    "TransferEntry", "TransferView", "WaitingDeal", "account_page", "adjustment", "adjustments",
    "escrow_dashboard", "finance_activity", "search_accounts", "transfer_view",
]

FINAL = tuple(sorted(stage.value for stage in FINAL_STAGES))
ESCROW = """SELECT a.address, a.currency, a.posted, a.pending_in, a.pending_out,
                   substring(a.address from '^deal:(.+):escrow:[A-Z]{3}$') AS deal_id
              FROM ledger_accounts a WHERE a.address LIKE 'deal:%:escrow:%'"""


@dataclass(frozen=True)
class EscrowByStage:
    stage: str  # the deal's stage; "unknown" for an escrow account without a deal row
    currency: str
    posted: int
    incoming_holds: int
    deals: int  # deals holding something in this currency

    @property
    def held(self) -> int:
        return self.posted + self.incoming_holds


@dataclass(frozen=True)
class WaitingDeal:
    deal_id: str
    title: str
    stage: str
    updated_at: dt.datetime
    held: tuple[Money, ...]


@dataclass(frozen=True)
class EscrowDashboard:
    by_stage: list[EscrowByStage]
    waiting: list[WaitingDeal]  # escrow left in a deal that has ended: someone must move it

    def held_by_currency(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for row in self.by_stage:
            totals[row.currency] = totals.get(row.currency, 0) + row.held
        return totals


@dataclass(frozen=True)
class AccountSummary:
    address: str
    currency: str
    kind: str
    posted: int
    pending_out: int
    pending_in: int


@dataclass(frozen=True)
class LedgerAccountPage:
    balance: AccountBalance
    kind: str
    deal_id: str | None  # the deal whose escrow this is
    lines: Page[StatementLine]


@dataclass(frozen=True)
class TransferEntry:
    address: str
    amount: Money  # signed from the account's point of view
    pending: bool


@dataclass(frozen=True)
class TransferView:
    transfer_id: str
    kind: str
    status: str
    pending_id: str | None
    memo: str
    created_at: dt.datetime
    deal_id: str | None
    deal_title: str | None
    entries: list[TransferEntry]
    adjustment_id: int | None  # set when a manual adjustment posted it


@dataclass(frozen=True)
class AdjustmentView:
    id: int
    from_account: str
    to_account: str
    amount: Money
    reason: str
    status: str
    proposed_by: int
    proposed_by_name: str
    proposed_at: dt.datetime
    decided_by: int | None
    decided_by_name: str | None
    decided_at: dt.datetime | None
    decision_note: str
    transfer_id: str | None
    last_error: str | None
    last_error_at: dt.datetime | None


@dataclass(frozen=True)
class Activity:
    """Revenue and activity per day or week; money series are minor units per currency."""

    bucket: str  # day | week
    since: dt.datetime
    until: dt.datetime  # exclusive
    buckets: list[dt.date]
    fees: dict[str, list[int]]
    volume: dict[str, list[int]]
    completed: dict[str, list[int]]  # completed deals with a leg in the currency
    active_members: list[int]
    active_members_total: int
    deals_by_model: dict[str, int]

    def average_deal_size(self) -> dict[str, list[int | None]]:
        """Gross volume over completed deals per bucket; None where nothing completed."""
        return {currency: [total // count if count else None
                           for total, count in zip(series, self.completed[currency], strict=True)]
                for currency, series in self.volume.items()}


# ---- escrow -------------------------------------------------------------------------------
def escrow_dashboard(session: Session) -> EscrowDashboard:
    by_stage = session.execute(text(f"""
        SELECT coalesce(d.stage, 'unknown'), e.currency, sum(e.posted)::bigint, sum(e.pending_in)::bigint,
               count(*) FILTER (WHERE e.posted + e.pending_in <> 0)
          FROM ({ESCROW}) e LEFT JOIN deals d ON d.deal_id = e.deal_id
         GROUP BY 1, 2 ORDER BY 1, 2""")).all()
    waiting: dict[str, WaitingDeal] = {}
    for row in session.execute(text(f"""
        SELECT d.deal_id, d.title, d.stage, d.updated_at, e.currency, e.posted + e.pending_in AS held
          FROM ({ESCROW}) e JOIN deals d ON d.deal_id = e.deal_id
         WHERE d.stage = ANY(:final) AND (e.posted <> 0 OR e.pending_in <> 0 OR e.pending_out <> 0)
         ORDER BY d.updated_at, d.deal_id, e.currency"""), {"final": list(FINAL)}):
        known = waiting.get(row.deal_id) or WaitingDeal(row.deal_id, row.title, row.stage, row.updated_at, ())
        waiting[row.deal_id] = WaitingDeal(known.deal_id, known.title, known.stage, known.updated_at,
                                           (*known.held, Money(row.held, row.currency)))
    return EscrowDashboard([EscrowByStage(*row) for row in by_stage], list(waiting.values()))


# ---- ledger explorer ----------------------------------------------------------------------
def search_accounts(session: Session, prefix: str, limit: int = 50) -> list[AccountSummary]:
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = session.execute(text(
        "SELECT address, currency, kind, posted, pending_out, pending_in FROM ledger_accounts "
        "WHERE address LIKE :pattern ORDER BY address LIMIT :limit"), {"pattern": pattern, "limit": limit})
    return [AccountSummary(*row) for row in rows]


def account_page(session: Session, address: str, number: int = 1, per_page: int = 50) -> LedgerAccountPage | None:
    """The account's balance and one page of its entries, newest first, with running balance."""
    kind = session.scalar(text("SELECT kind FROM ledger_accounts WHERE address = :a"), {"a": address})
    if kind is None:
        return None
    # The window runs over the whole history before the page is cut, so the running balance
    # of an old page is still walked back from today's posted balance.
    rows = session.execute(text("""
        SELECT t.id, t.memo, t.deal_id, t.status, e.amount, e.pending, t.created_at,
               (a.posted - coalesce(sum(CASE WHEN e.pending THEN 0 ELSE e.amount END) OVER (
                   ORDER BY e.id DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))::bigint
          FROM ledger_accounts a
          JOIN ledger_entries e ON e.account_id = a.id
          JOIN ledger_transfers t ON t.id = e.transfer_id
         WHERE a.address = :address
         ORDER BY e.id DESC LIMIT :limit OFFSET :offset"""),
        {"address": address, "limit": per_page + 1, "offset": (number - 1) * per_page}).all()
    lines = [StatementLine(*row) for row in rows[:per_page]]
    deal_id = session.scalar(text("SELECT substring(:a from '^deal:(.+):escrow:[A-Z]{3}$')"), {"a": address})
    return LedgerAccountPage(Ledger(session).balance(address), kind, deal_id,
                             Page(lines, number, per_page, len(rows) > per_page))


def transfer_view(session: Session, transfer_id: str) -> TransferView | None:
    head = session.execute(text("""
        SELECT t.id, t.kind, t.status, t.pending_id, t.memo, t.created_at, t.deal_id, d.title,
               (SELECT f.id FROM finance_adjustments f WHERE f.transfer_id = t.id)
          FROM ledger_transfers t LEFT JOIN deals d ON d.deal_id = t.deal_id
         WHERE t.id = :id"""), {"id": transfer_id}).first()
    if head is None:
        return None
    entries = [TransferEntry(address, Money(amount, currency), pending) for address, amount, currency, pending
               in session.execute(text("""
        SELECT a.address, e.amount, e.currency, e.pending FROM ledger_entries e
          JOIN ledger_accounts a ON a.id = e.account_id WHERE e.transfer_id = :id ORDER BY e.id"""),
                   {"id": transfer_id})]
    return TransferView(*head[:8], entries, head[8])


# ---- adjustments --------------------------------------------------------------------------
def _adjustment_rows():
    proposer, decider = aliased(User), aliased(User)
    return (select(AdjustmentRow, proposer.display_name, decider.display_name)
            .join(proposer, proposer.id == AdjustmentRow.proposed_by)
            .outerjoin(decider, decider.id == AdjustmentRow.decided_by))


def _adjustment_view(row: AdjustmentRow, proposer: str, decider: str | None) -> AdjustmentView:
    return AdjustmentView(row.id, row.from_account, row.to_account, Money(row.amount_minor, row.currency),
                          row.reason, row.status, row.proposed_by, proposer, row.proposed_at, row.decided_by,
                          decider, row.decided_at, row.decision_note, row.transfer_id, row.last_error, row.last_error_at)


def adjustments(session: Session, status: str | None = None, limit: int = 100) -> list[AdjustmentView]:
    """Open proposals first (oldest waiting longest first), then decisions, newest first."""
    statement = _adjustment_rows()
    if status:
        statement = statement.where(AdjustmentRow.status == status)
    statement = statement.order_by((AdjustmentRow.status != "proposed"),
                                   AdjustmentRow.decided_at.desc().nulls_first(), AdjustmentRow.id)
    return [_adjustment_view(*row) for row in session.execute(statement.limit(limit))]


def adjustment(session: Session, adjustment_id: int) -> AdjustmentView | None:
    row = session.execute(_adjustment_rows().where(AdjustmentRow.id == adjustment_id)).first()
    return _adjustment_view(*row) if row else None


# ---- revenue and activity -----------------------------------------------------------------
def _buckets(since: dt.datetime, until: dt.datetime, bucket: str) -> list[dt.date]:
    step = dt.timedelta(days=7 if bucket == "week" else 1)
    day, days = since.date(), []
    while day < until.date():
        days.append(day)
        day += step
    return days


def _series(rows, buckets: list[dt.date]) -> dict[str, list[int]]:
    index = {day: i for i, day in enumerate(buckets)}
    series: dict[str, list[int]] = {}
    for day, currency, value in rows:
        series.setdefault(currency, [0] * len(buckets))[index[day]] += value
    return dict(sorted(series.items()))


def finance_activity(session: Session, days: int, bucket: str, today: dt.date) -> Activity:
    """The `days` up to and including `today` (UTC), widened to whole weeks for weekly buckets."""
    first = today - dt.timedelta(days=days - 1)
    if bucket == "week":
        first -= dt.timedelta(days=first.weekday())  # date_trunc('week') starts on Monday
    since = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    until = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    buckets = _buckets(since, until, bucket)
    period = {"since": since, "until": until, "bucket": bucket}
    trunc = "date_trunc(CAST(:bucket AS text), {} AT TIME ZONE 'UTC')::date"
    fees = session.execute(text(f"""
        SELECT {trunc.format('t.created_at')}, e.currency, sum(e.amount)::bigint
          FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
          JOIN ledger_transfers t ON t.id = e.transfer_id
         WHERE a.address LIKE 'platform:fees:%' AND NOT e.pending
           AND t.created_at >= :since AND t.created_at < :until GROUP BY 1, 2"""), period).all()
    completed_at = "CAST(d.state->>'completed_at' AS timestamptz)"
    volume = session.execute(text(f"""
        SELECT {trunc.format(completed_at)}, leg->'amount'->>'currency',
               sum(CAST(leg->'amount'->>'amount_minor' AS bigint))::bigint, count(DISTINCT d.deal_id)
          FROM deals d CROSS JOIN LATERAL jsonb_array_elements(d.state->'terms'->'legs') leg
         WHERE d.state->>'completed_at' IS NOT NULL
           AND {completed_at} >= :since AND {completed_at} < :until GROUP BY 1, 2"""), period).all()
    # Mirrors `DealTerms.model`: barter has services both ways, otherwise the legs' currencies decide.
    models = session.execute(text("""
        SELECT CASE WHEN jsonb_array_length(d.state->'terms'->'obligations') > 1 THEN 'barter'
                    WHEN l.credit_legs > 0 AND l.cash_legs > 0 THEN 'hybrid'
                    WHEN l.credit_legs > 0 THEN 'credits' ELSE 'cash' END, count(*)
          FROM deals d CROSS JOIN LATERAL (
               SELECT count(*) FILTER (WHERE leg->'amount'->>'currency' = 'CRD') AS credit_legs,
                      count(*) FILTER (WHERE leg->'amount'->>'currency' <> 'CRD') AS cash_legs
                 FROM jsonb_array_elements(d.state->'terms'->'legs') leg) l
         WHERE d.created_at >= :since AND d.created_at < :until GROUP BY 1"""), period).all()
    members = """FROM deal_events ev JOIN deals d ON d.deal_id = ev.deal_id
                 CROSS JOIN LATERAL (VALUES (d.buyer_id), (d.seller_id)) p(business_id)
                WHERE ev.at >= :since AND ev.at < :until"""
    active = session.execute(text(
        f"SELECT {trunc.format('ev.at')}, '', count(DISTINCT p.business_id) {members} GROUP BY 1"), period).all()
    active_total = session.scalar(text(f"SELECT count(DISTINCT p.business_id) {members}"), period)
    return Activity(
        bucket, since, until, buckets, _series(fees, buckets),
        _series([(day, cur, total) for day, cur, total, _n in volume], buckets),
        _series([(day, cur, count) for day, cur, _t, count in volume], buckets),
        _series(active, buckets).get("", [0] * len(buckets)), active_total or 0,
        {model: dict(models).get(model, 0) for model in ("credits", "cash", "hybrid", "barter")},
    )
