"""Choosing an arbitrator: nobody with a conflict, the least loaded, ties drawn by a seeded lot."""

from __future__ import annotations

import random

import pytest

from domain.arbitration import Arbitrator, Party, choose_appeal_arbitrator, choose_arbitrator, conflicts
from domain.dispute_errors import NoArbitratorAvailable
from domain.errors import ERRORS_BY_CODE, RuleViolation
from tests.domain.builders import BUYER, SELLER

ANN, BEN = Party(BUYER, "Ann's Cafe"), Party(SELLER, "Ben's Books")
PARTIES = (ANN, BEN)
ADA = Arbitrator(101, "Ada", open_cases=2)
BO = Arbitrator(102, "Bo", open_cases=0, past_deals_with=(SELLER, 77))
CY = Arbitrator(103, "Cy", open_cases=2, shares_staff_with=(BUYER,))
DI = Arbitrator(104, "Di", open_cases=2)
EVE = Arbitrator(105, "Eve", open_cases=5, is_senior=True)
FAY = Arbitrator(106, "Fay", open_cases=1, is_senior=True)


def test_conflicts_are_past_deals_and_shared_staff_with_either_party():
    assert conflicts(BO, PARTIES) == ("past deal with Ben's Books",)
    assert conflicts(CY, PARTIES) == ("shares a staff member with Ann's Cafe",)
    assert conflicts(ADA, PARTIES) == ()
    both = Arbitrator(9, "Gus", past_deals_with=(BUYER,), shares_staff_with=(SELLER,))
    assert conflicts(both, PARTIES) == ("past deal with Ann's Cafe", "shares a staff member with Ben's Books")


def test_the_least_loaded_arbitrator_without_a_conflict_is_chosen_and_the_reason_says_why():
    choice = choose_arbitrator((ADA, BO, CY, FAY), PARTIES, rng=1)
    assert choice.arbitrator == FAY
    assert choice.reason == ("Fay (1 open case): least loaded of 2 arbitrators without conflicts; excluded: "
                             "Bo (past deal with Ben's Books), Cy (shares a staff member with Ann's Cafe)")


def test_a_tie_is_drawn_by_lot_from_the_seed_the_same_way_every_time():
    first = choose_arbitrator((ADA, DI, BO), PARTIES, rng=42)
    assert first.reason.endswith("drawn by lot among 2 equally loaded; excluded: Bo (past deal with Ben's Books)")
    for _ in range(5):
        assert choose_arbitrator((ADA, DI, BO), PARTIES, rng=42) == first
    # The order the arbitrators are listed in does not change the draw (replays stay identical).
    assert choose_arbitrator((BO, DI, ADA), PARTIES, rng=42) == first
    assert choose_arbitrator((ADA, DI), PARTIES, rng=random.Random(42)).arbitrator == first.arbitrator


def test_over_many_seeds_every_equally_loaded_arbitrator_gets_cases():
    chosen = {choose_arbitrator((ADA, DI, EVE), PARTIES, rng=seed).arbitrator.name for seed in range(40)}
    assert chosen == {"Ada", "Di"}  # never Eve, who has more open cases


def test_arbitrators_taken_off_the_case_are_not_chosen_again():
    choice = choose_arbitrator((ADA, DI), PARTIES, rng=3, not_again=(ADA.arbitrator_id,))
    assert choice.arbitrator == DI
    assert choice.reason == "Di (2 open cases): the only arbitrator without a conflict; excluded: " \
                            "Ada (taken off this case before)"


def test_no_arbitrator_without_a_conflict_is_a_clear_refusal_naming_each_conflict():
    with pytest.raises(NoArbitratorAvailable) as refused:
        choose_arbitrator((BO, CY), PARTIES, rng=1)
    assert refused.value.message == ("no arbitrator without a conflict is available: Bo (past deal with "
                                     "Ben's Books), Cy (shares a staff member with Ann's Cafe)")
    assert isinstance(refused.value, RuleViolation)
    assert ERRORS_BY_CODE[refused.value.code] is RuleViolation  # answered 409 like any rule
    with pytest.raises(NoArbitratorAvailable, match="no arbitrator without a conflict is available$"):
        choose_arbitrator((), PARTIES, rng=1)


def test_an_appeal_goes_to_a_senior_arbitrator_who_did_not_work_on_the_first_ruling():
    choice = choose_appeal_arbitrator((ADA, EVE, FAY), PARTIES, rng=5, first_round=(FAY.arbitrator_id,))
    assert choice.arbitrator == EVE and choice.for_appeal
    assert choice.reason == ("Eve (5 open cases): the only senior arbitrator without a conflict; excluded: "
                             "Ada (not senior), Fay (worked on the first ruling)")


def test_an_appeal_without_an_eligible_senior_is_refused():
    with pytest.raises(NoArbitratorAvailable, match=r"no senior arbitrator .*Fay \(worked on the first ruling\)"):
        choose_appeal_arbitrator((ADA, FAY), PARTIES, rng=5, first_round=(FAY.arbitrator_id,))
    conflicted = Arbitrator(107, "Hal", is_senior=True, past_deals_with=(BUYER,))
    with pytest.raises(NoArbitratorAvailable, match=r"Hal \(past deal with Ann's Cafe\)"):
        choose_appeal_arbitrator((conflicted,), PARTIES, rng=5, first_round=())
