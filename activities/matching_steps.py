"""Matching's activities: the full recompute, one new listing's incremental match, and ring
detection, each one database transaction (safe to run twice: each replaces what it computes).
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from temporalio import activity

from domain.barter_rings import BarterRing, find_rings, propose
from domain.matching import Kind, MatchIndex
from domain.rings import ring_from
from integrations.db import match_store
from integrations.db.ring_read_model import save_proposed_rings
from integrations.db.session import unit_of_work
from workflows.names import MATCH_LISTING_ACTIVITY, PROPOSE_RINGS_ACTIVITY, RECOMPUTE_MATCHES_ACTIVITY
from workflows.ring_messages import MatchRun, MatchSummary, RingProposals

# Two detections at once could promise one listing to two rings, and two listings matched at
# once could each miss the other's rows: each kind of run takes its turn (a listing's run holds
# the lock for tens of milliseconds; a full recompute for about 0.6–1 s at 10,000 × 10,000,
# bench/matching_db.py).
RING_DETECTION_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('barter-ring-detection'))")
MATCHING_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('listing-matching'))")
# A full recompute hands its rings to ring detection through the workflow's history (about
# 0.3 KB a ring: 98 rings at 10,000 × 10,000); beyond this many, detection reads them back.
RINGS_CARRIED = 1_000


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a block that builds some 300,000 objects and no cycles
    (a full recompute): run every few hundred allocations, it rescanned the market each time,
    about a fifth of the recompute's CPU. Process-wide, so the worker's other threads' cycles
    wait until the block ends; only who turned it off turns it back on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MatchingSteps:
    def __init__(self, database_url: str) -> None:
        self._database_url = database_url

    @activity.defn(name=RECOMPUTE_MATCHES_ACTIVITY)
    def recompute(self, run: MatchRun) -> MatchSummary:
        with collector_paused():
            with unit_of_work(self._database_url) as session:
                session.execute(MATCHING_LOCK)
                market = match_store.load_market(session)
                best = MatchIndex(market).recompute()
                stored = match_store.replace_all(session, best, _now())
            rings = find_rings((match for found in best.values() for match in found),
                               {listing.listing_id: listing for listing in market})
        return MatchSummary(len(market), stored,
                            tuple(ring.numbers for ring in rings) if len(rings) <= RINGS_CARRIED else None)

    @activity.defn(name=MATCH_LISTING_ACTIVITY)
    def match_listing(self, run: MatchRun) -> MatchSummary:
        """Match one new listing against its category family only; the wants it changes get
        the best matches a full recompute would give them (MatchIndex.add_and_match)."""
        assert run.listing_id is not None
        with unit_of_work(self._database_url) as session:
            session.execute(MATCHING_LOCK)
            found = match_store.listing_for_matching(session, run.listing_id)
            if found is None or not found[1]:
                return MatchSummary(0, 0)
            family = match_store.load_market(session, match_store.category_family(session, found[0]))
            new = next(listing for listing in family if listing.listing_id == run.listing_id)
            index = MatchIndex(listing for listing in family if listing.listing_id != run.listing_id)
            wants = [listing.listing_id for listing in index.listings(Kind.WANT)]
            # Without the new listing's own rows: a retried run must not count it twice.
            current = {want: [m for m in found if m.offer_id != new.listing_id]
                       for want, found in match_store.stored_matches(session, wants).items()}
            matches = index.add_and_match(new, current)
            touched = {new.listing_id} if new.kind is Kind.WANT else {m.want_id for m in matches}
            stored = match_store.replace_for_wants(session, {w: current.get(w, []) for w in touched}, _now())
        return MatchSummary(len(family), stored)

    @activity.defn(name=PROPOSE_RINGS_ACTIVITY)
    def propose_rings(self, run: MatchRun) -> RingProposals:
        """Rings the stored barter matches make (or those a full recompute found in them),
        leaving out listings already in a live ring and rings proposed before; each new ring is
        recorded (claiming its listings) before its workflow starts."""
        with unit_of_work(self._database_url) as session:
            session.execute(RING_DETECTION_LOCK)
            if run.found_rings is None:
                found = find_rings(*match_store.barter_matches(session))
            else:
                # A full recompute's rings: a listing closed (or no longer bartered) since then
                # takes its rings out, as it would leave the stored barter matches.
                rings = [BarterRing.from_numbers(numbers) for numbers in run.found_rings]
                still = match_store.open_to_barter(session, {i for ring in rings for i in ring.listing_ids})
                found = [ring for ring in rings if ring.listing_ids <= still]
            busy = match_store.listings_in_live_rings(session)
            candidates = [ring for ring in found if not ring.listing_ids & busy]
            known = match_store.known_rings(session, [ring.key for ring in candidates])
            chosen = propose(ring for ring in candidates if ring.key not in known)
            titles = match_store.listing_titles(session, {leg.offer_id for ring in chosen for leg in ring.legs})
            now = _now()
            rings = tuple(ring_from(proposal, titles, now, run.ring_policy) for proposal in chosen)
            save_proposed_rings(session, rings, now)
        return RingProposals(rings)
