"""Counter-offers say exactly what they changed, acceptance criteria included, and the deal page
reads the change lines back from the timeline summary."""

from __future__ import annotations

from dataclasses import replace

from domain.terms import Obligation, Role, counter_offer_changes
from tests.domain.builders import NOW, SELLER, a_deal, terms


def with_criteria(criteria: str, **terms_args):
    base = terms(**terms_args)
    return replace(base, obligations=(Obligation(Role.SELLER, "A logo", criteria),))


def test_a_counter_offer_names_the_old_and_new_acceptance_criteria():
    outcome = a_deal().counter(SELLER, with_criteria("Two drafts, PNG only", price_minor=120_00), NOW)
    assert counter_offer_changes(outcome.step.summary) == (
        "price 100.00 CRD → 120.00 CRD",
        "acceptance criteria of the seller's service “Three drafts” → “Two drafts, PNG only”",
    )


def test_a_long_criteria_text_is_quoted_short_on_one_line():
    outcome = a_deal().counter(SELLER, with_criteria("Every file\nin " + "vector format " * 20), NOW)
    (line,) = counter_offer_changes(outcome.step.summary)
    assert "\n" not in line and line.endswith("…”") and len(line) < 200


def test_only_counter_offer_summaries_have_change_lines():
    assert counter_offer_changes("Offer accepted") == ()
