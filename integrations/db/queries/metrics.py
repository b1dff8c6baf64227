"""The operator metrics' facts, counted per UTC day; `domain.metrics` turns them into weeks.

Read only. Deals are read from the read model (`deals`, `deal_events`: a deal "went through a
dispute" when its timeline has a `dispute_opened` step), fees from the ledger's fee accounts,
as the finance pages read them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, func, select, text
from sqlalchemy.orm import Session

from domain.metrics import DailyFacts, OperatorMetrics, Ratio, facts_since, the_weeks, weekly
from integrations.db.app_models import Listing
from integrations.db.matching_models import ListingMatch

__all__ = ["daily_facts", "match_rate", "operator_metrics"]

DAY = "(({}) AT TIME ZONE 'UTC')::date"
COMPLETED_AT = "CAST(d.state->>'completed_at' AS timestamptz)"


def operator_metrics(session: Session, weeks: int, last_day: dt.date) -> OperatorMetrics:
    """`weeks` whole weeks (Monday to Sunday, UTC), the last one holding `last_day`."""
    mondays = the_weeks(weeks, last_day)
    facts = daily_facts(session, facts_since(mondays), mondays[-1] + dt.timedelta(days=7))
    return OperatorMetrics(weekly(mondays, facts), match_rate(session))


def daily_facts(session: Session, since: dt.date, until: dt.date) -> DailyFacts:
    """Every fact of the days in [since, until)."""
    period = {"since": _midnight(since), "until": _midnight(until)}

    def rows(sql: str) -> list[tuple]:
        return [tuple(row) for row in session.execute(text(sql), period)]

    return DailyFacts(
        activity=rows(f"""
            SELECT p.business_id, {DAY.format('ev.at')} FROM deal_events ev JOIN deals d ON d.deal_id = ev.deal_id
                   CROSS JOIN LATERAL (VALUES (d.buyer_id), (d.seller_id)) p(business_id)
             WHERE ev.at >= :since AND ev.at < :until
            UNION
            SELECT business_id, {DAY.format('created_at')} FROM listings
             WHERE created_at >= :since AND created_at < :until"""),
        listings=rows(f"""
            SELECT {DAY.format('created_at')}, kind, count(*) FROM listings
             WHERE created_at >= :since AND created_at < :until GROUP BY 1, 2"""),
        started=rows(f"""
            SELECT {DAY.format('created_at')}, model, count(*) FROM deals
             WHERE created_at >= :since AND created_at < :until GROUP BY 1, 2"""),
        completed=rows(f"""
            SELECT {DAY.format(COMPLETED_AT)}, d.model, count(*),
                   count(*) FILTER (WHERE EXISTS (SELECT 1 FROM deal_events ev
                                                   WHERE ev.deal_id = d.deal_id AND ev.kind = 'dispute_opened'))
              FROM deals d
             WHERE d.state->>'completed_at' IS NOT NULL AND {COMPLETED_AT} >= :since AND {COMPLETED_AT} < :until
             GROUP BY 1, 2"""),
        volume=rows(f"""
            SELECT {DAY.format(COMPLETED_AT)}, leg->'amount'->>'currency',
                   sum(CAST(leg->'amount'->>'amount_minor' AS bigint))::bigint
              FROM deals d CROSS JOIN LATERAL jsonb_array_elements(d.state->'terms'->'legs') leg
             WHERE d.state->>'completed_at' IS NOT NULL AND {COMPLETED_AT} >= :since AND {COMPLETED_AT} < :until
             GROUP BY 1, 2"""),
        fees=rows(f"""
            SELECT {DAY.format('t.created_at')}, e.currency, sum(e.amount)::bigint
              FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
              JOIN ledger_transfers t ON t.id = e.transfer_id
             WHERE a.address LIKE 'platform:fees:%' AND NOT e.pending
               AND t.created_at >= :since AND t.created_at < :until GROUP BY 1, 2"""),
    )


def match_rate(session: Session) -> Ratio:
    """Open wants with at least one stored match (the matching workflows keep `listing_matches`
    current: each new listing at once, everything hourly) ÷ open wants."""
    matched = exists().where(ListingMatch.want_id == Listing.id)
    wants, with_a_match = session.execute(
        select(func.count(), func.count().filter(matched)).where(Listing.active, Listing.kind == "want")).one()
    return Ratio(with_a_match, wants)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
