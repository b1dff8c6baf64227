"""Saved-search alerts: each newly published listing is matched against the saved searches of
other businesses, and each saver whose search would show it gets a notification.

Off the request path: publishing only queues the listing (`listings_to_match`, in the publish
transaction), and this pass, run by the worker's loop, does the matching, so a catalog with many
saved searches never slows a publish down. One listing is handled per transaction: its alerts
and its removal from the queue commit together, and the notification's dedupe key
(`saved-search:{search}:listing:{listing}`) makes a repeated pass harmless, so each saver is
alerted once per listing per saved search. The alert is an ordinary notification (kind
`saved_search_alert`): the outbox emails it at once, or it waits for the digest, as the saver
chose for that search (quiet hours and the daily cap apply to immediate ones).
"""

from __future__ import annotations

import logging
import threading

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from domain.money import CASH_CURRENCY
from integrations.db import queries
from integrations.db.app_models import Notification
from integrations.db.notification_models import ListingToMatch, SavedSearch
from integrations.db.queries.saved_search_matches import listing_matches
from integrations.db.queries.views import ListingView
from integrations.db.saved_searches import searches_to_alert
from integrations.db.session import unit_of_work

# The page's own translation of search arguments (category subtree, delivery flags): a saved
# search must mean what the search page means. It imports no Flask.
from web.catalog.search import listing_search

log = logging.getLogger(__name__)


def alert_text(search: SavedSearch, listing: ListingView) -> tuple[str, str]:
    price = " + ".join(str(p) for p in listing.prices) or "open to barter"
    what = "offers" if listing.kind == "offer" else "is looking for"
    return (f"New for your search “{search.name}”: {listing.title}",
            f"{listing.business_name} {what} “{listing.title}” ({listing.category.name}, {price}). "
            f"It matches your saved search “{search.name}”.")


class SavedSearchAlerts:
    def __init__(self, database_url: str) -> None:
        self._database_url = database_url

    def match_published(self, limit: int = 20) -> int:
        """Match up to `limit` queued listings; returns how many were matched."""
        done = 0
        for _ in range(limit):
            with unit_of_work(self._database_url) as session:
                queued = session.scalars(select(ListingToMatch).order_by(ListingToMatch.published_at)
                                         .limit(1).with_for_update(skip_locked=True)).first()
                if queued is None:
                    break
                self._alert(session, queued)
                session.delete(queued)
            done += 1
        return done

    def _alert(self, session: Session, queued: ListingToMatch) -> None:
        listing = queries.listing(session, queued.listing_id)
        if listing is None or not listing.active:
            return
        for search in searches_to_alert(session, listing.business_id, listing.kind, queued.published_at):
            try:
                found = listing_search(session, {"currency": CASH_CURRENCY, **search.search, "page": 1, "per_page": 1})
            except ValidationError:
                continue  # its category was removed since: the page would refuse it too
            if not listing_matches(session, found, listing.id):
                continue
            subject, body = alert_text(search, listing)
            session.execute(insert(Notification).values(
                business_id=search.business_id, deal_id=None, link=f"/listings/{listing.id}",
                dedupe_key=f"saved-search:{search.id}:listing:{listing.id}", kind="saved_search_alert",
                subject=subject, body=body, created_at=queued.published_at,
                email_status="pending" if search.alerts == "immediate" else "digest",
            ).on_conflict_do_nothing(index_elements=[Notification.dedupe_key]))

    def run_forever(self, stop: threading.Event, interval: float = 1.0) -> None:
        while not stop.is_set():
            try:
                while self.match_published() > 0 and not stop.is_set():
                    pass
            except Exception:  # the matcher must outlive a database outage
                log.exception("saved-search alert pass failed; retrying")
            stop.wait(interval)
