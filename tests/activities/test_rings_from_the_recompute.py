"""A full recompute finds the barter rings in the matches it stores and hands them to ring
detection (through the workflow's history) instead of ring detection reading them back: the
same rings, and a listing closed in between still takes its ring out. It runs with the cycle
collector paused, and leaves it as it found it."""

from __future__ import annotations

import gc
import uuid

from sqlalchemy import update
from temporalio.converter import DataConverter

from activities import matching_steps
from activities.matching_steps import MatchingSteps
from domain.barter_rings import BarterRing, find_rings
from integrations.db import match_store
from integrations.db.app_models import Listing
from integrations.db.matching_models import BarterRingRow
from integrations.db.session import unit_of_work
from tests.builders import a_business, a_listing
from workflows.ring_messages import MatchRun, MatchSummary, ring_detection_run

SERVICES = ("bookkeeping", "logo-design", "web-development")
PAYLOADS = DataConverter.default.payload_converter


def a_ring_of_three(database_url: str) -> tuple[str, list[int]]:
    """Three businesses on site in a city of their own, each wanting what the next offers, all
    by barter: the ring's key and its listings."""
    place = dict(price_minor=None, open_to_barter=True, delivery_mode="on_site",
                 city=f"Recompute Ringtown {uuid.uuid4().hex[:8]}")
    offers, wants = [], []
    for i, service in enumerate(SERVICES):
        business = a_business(database_url).business_id
        offers.append(a_listing(database_url, business, category=service, **place))
        wants.append(a_listing(database_url, business, kind="want", category=SERVICES[(i + 1) % 3], **place))
    key = "ring-" + "-".join(f"{wants[i]}.{offers[(i + 1) % 3]}" for i in range(3))
    return key, offers + wants


def through_history(value: object) -> object:
    return PAYLOADS.from_payloads(PAYLOADS.to_payloads([value]), [type(value)])[0]


def set_active(database_url: str, listing_id: int, active: bool) -> None:
    with unit_of_work(database_url) as session:
        session.execute(update(Listing).where(Listing.id == listing_id).values(active=active))


def test_the_recompute_finds_the_rings_the_stored_barter_matches_make(database_url):
    key, listings = a_ring_of_three(database_url)
    try:
        summary = through_history(MatchingSteps(database_url).recompute(MatchRun()))

        rings = [BarterRing.from_numbers(numbers) for numbers in summary.rings]
        assert key in {ring.key for ring in rings}
        with unit_of_work(database_url) as session:
            assert rings == find_rings(*match_store.barter_matches(session))
        assert ring_detection_run(MatchRun(), summary) == MatchRun(found_rings=summary.rings)
    finally:
        for listing_id in listings:  # closed: the next test's ring detection must not propose it
            set_active(database_url, listing_id, False)


def test_a_listing_closed_after_the_recompute_keeps_its_ring_from_being_proposed(database_url):
    steps = MatchingSteps(database_url)
    key, listings = a_ring_of_three(database_url)
    summary = steps.recompute(MatchRun())
    # Only this ring, so the session's other listings are left as they are.
    run = through_history(MatchRun(found_rings=tuple(
        numbers for numbers in summary.rings if BarterRing.from_numbers(numbers).key == key)))

    set_active(database_url, listings[0], False)
    assert steps.propose_rings(run).rings == ()
    set_active(database_url, listings[0], True)
    assert [ring.key for ring in steps.propose_rings(run).rings] == [key]
    with unit_of_work(database_url) as session:
        row = session.get(BarterRingRow, key)
        assert (row.status, row.version, sorted(row.listing_ids)) == ("proposed", 0, sorted(listings))
    assert steps.propose_rings(run).rings == ()  # proposed once


def test_more_rings_than_a_history_should_carry_are_left_for_ring_detection_to_read(database_url, monkeypatch):
    monkeypatch.setattr(matching_steps, "RINGS_CARRIED", 0)
    _key, listings = a_ring_of_three(database_url)
    try:
        summary = through_history(MatchingSteps(database_url).recompute(MatchRun()))
        assert summary.rings is None
        assert ring_detection_run(MatchRun(), summary) == MatchRun()
    finally:
        for listing_id in listings:
            set_active(database_url, listing_id, False)


def test_a_run_for_one_listing_carries_no_rings_and_a_summary_without_them_leaves_the_run_as_it_was():
    summary = through_history(MatchSummary(2, 1))
    assert summary.rings is None
    assert ring_detection_run(MatchRun(7), summary) == MatchRun(7)


def test_the_collector_paused_for_a_recompute_is_back_on_after_it_even_when_it_fails():
    assert gc.isenabled()
    try:
        with matching_steps.collector_paused():
            assert not gc.isenabled()
            with matching_steps.collector_paused():  # another thread's run inside this one
                pass
            assert not gc.isenabled()
            raise RuntimeError("the database went away")
    except RuntimeError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with matching_steps.collector_paused():
            pass
        assert not gc.isenabled()  # whoever turned it off turns it back on
    finally:
        gc.enable()
