"""Every dispute path through the JSON API of the stack `make run` starts, each ending with the
ledger invariants checked and, where a leg is cash, the local Stripe server holding exactly the
ruled movements. (The split is in test_dispute_through_the_api.py.)

All the deals are built and disputed at once by one module fixture, so their dispute windows run
side by side; each test then drives its case to the end. Hybrid deals are 60.00 EUR + 40.00 CRD,
credit deals 100.00 CRD; the commission is 5 % (minimum 1.00) per leg and the dispute fee 5.00 (the
minimum) per leg, from the loser's part: a cash fee that part cannot cover is waived, a credit
one is charged to its account.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.dispute_flow import (
    CREDITS,
    HYBRID,
    Case,
    delivered_deal,
    disputed,
    extra_arbitrators,
    judges,
    until,
    web_apps_with_windows,
    with_evidence,
)
from tests.e2e.money_checks import assert_money_moved
from tests.e2e.test_credit_deal_through_the_api import a_member, as_admin
from tests.web.dispute_setup import stored_files
from tests.workflows.dispute_driver import assert_ledger_invariants

pytestmark = pytest.mark.e2e

# Windows of the extra web apps (the shared stack's are settlement=2,evidence=15,ruling=3600,appeal=2).
LONG_TALKS = "settlement=600,evidence=600,ruling=3600,appeal=600"
LONG_APPEALS = "settlement=2,evidence=15,ruling=3600,appeal=600"
SHORT_SLA = "settlement=2,evidence=8,ruling=12,appeal=2"


@pytest.fixture(scope="module")
def cases(api, running_stack):
    with extra_arbitrators(running_stack) as extra, \
            web_apps_with_windows(running_stack, LONG_TALKS, LONG_APPEALS, SHORT_SLA) as (talks, appeals, sla):
        builds = {
            "settled": lambda: disputed(delivered_deal(talks, HYBRID, "Logo, settled")),
            "for_buyer": lambda: with_evidence(disputed(delivered_deal(api, HYBRID, "Logo, for the buyer"))),
            "for_seller": lambda: with_evidence(disputed(delivered_deal(api, HYBRID, "Logo, for the seller"))),
            "silent_buyer": lambda: with_evidence(disputed(delivered_deal(api, HYBRID, "Logo, silent buyer")),
                                                  sides="seller"),
            "upheld": lambda: with_evidence(disputed(delivered_deal(appeals, CREDITS, "Logo, appeal upheld"))),
            "reversed": lambda: with_evidence(disputed(delivered_deal(appeals, CREDITS, "Logo, appeal reversed"))),
            "sla": lambda: with_evidence(disputed(delivered_deal(sla, HYBRID, "Logo, slow arbitrator"))),
        }
        with ThreadPoolExecutor(len(builds)) as pool:
            futures = {name: pool.submit(build) for name, build in builds.items()}
            built = {name: future.result(timeout=180) for name, future in futures.items()}
        yield built, judges(api, extra)


def ruled(case: Case, judge, legs: list[dict], reasons: str):
    answer = judge.post(f"{case.url}/dispute/ruling", {"legs": legs, "reasons": reasons})
    assert answer.status == 200, answer.body
    return answer


def assigned(case: Case, arbitrators) -> tuple[int, object]:
    current = case.dispute_stage("awaiting_ruling")["arbitrator"]
    assert current is not None
    return current["id"], arbitrators[current["id"]]


def whole(decision: str, *currencies: str) -> list[dict]:
    return [{"currency": c, "decision": decision} for c in currencies]


def test_no_ruling_within_the_sla_reassigns_the_case_and_the_operators_are_told(cases, api, running_stack):
    built, arbitrators = cases
    case = built["sla"]
    moved = until(case.dispute, lambda c: len(c["assignments"]) >= 2, seconds=90)
    slow = moved["assignments"][0]
    assert slow["ended_at"] and not slow["for_appeal"]
    assert moved["arbitrator"]["id"] != slow["arbitrator_id"]
    refused = arbitrators[slow["arbitrator_id"]].post(f"{case.url}/dispute/ruling",
                                                      {"legs": whole("refund", "EUR", "CRD"), "reasons": "Too late"})
    assert refused.status == 409 and "taken off" in refused.body["message"]
    alerts = as_admin(api, lambda admin: admin.get("/api/v1/operator/alerts")).body["items"]
    assert any(a["deal_id"] == case.deal_id and a["kind"] == "reassign" for a in alerts)

    half = [{"currency": c, "decision": "split_by_percent", "refund_bps": 5_000} for c in ("EUR", "CRD")]
    for _ in range(3):  # the SLA runs on: should it lapse again between reading and ruling, rule again
        now_id = case.dispute()["arbitrator"]["id"]
        answer = arbitrators[now_id].post(f"{case.url}/dispute/ruling", {"legs": half, "reasons": "Half met."})
        if answer.status == 200:
            break
    assert answer.status == 200, answer.body
    assert case.deal_stage("rating") == "rating"
    # Each leg halved; each side's half less its 2.50 of the fee, the seller's less 5 % commission.
    case.assert_balances((-22_50, 16_50))
    assert_money_moved_and_balanced(running_stack, case, {"charges": [60_00], "refunds": [27_50], "transfers": [26_00]})


def test_a_settlement_offer_accepted_moves_the_money_as_offered_with_no_dispute_fee(cases, running_stack):
    case = cases[0]["settled"]
    offer = case.seller.post(f"{case.url}/dispute/offers", {
        "legs": [{"currency": "EUR", "decision": "split_by_percent", "refund_bps": 3_000},
                 {"currency": "CRD", "decision": "split_by_percent", "refund_bps": 5_000}],
        "reasons": "30 % of the cash and half the credits back"})
    assert offer.status == 200, offer.body
    number = offer.body["dispute"]["offers"][-1]["number"]
    assert case.seller.post(f"{case.url}/dispute/offers/{number}/accept").status == 409  # not the offeree
    accepted = case.buyer.post(f"{case.url}/dispute/offers/{number}/accept")
    assert accepted.status == 200 and accepted.body["stage"] == "settled", accepted.body

    assert case.deal_stage("rating") == "rating"
    # EUR: 18.00 back, 42.00 less 2.10 commission to the seller. CRD: 20.00 back, 20.00 less 1.00.
    case.assert_balances((-20_00, 19_00))
    assert_money_moved_and_balanced(running_stack, case, {"charges": [60_00], "refunds": [18_00], "transfers": [39_90]})


def test_ruled_for_the_buyer_everything_goes_back_and_the_seller_pays_the_credit_fee(cases, running_stack):
    built, arbitrators = cases
    case = built["for_buyer"]
    judge_id, judge = assigned(case, arbitrators)
    other = next(login for user_id, login in arbitrators.items() if user_id != judge_id)
    refused = other.post(f"{case.url}/dispute/ruling", {"legs": whole("refund", "EUR", "CRD"), "reasons": "Mine"})
    assert refused.status == 404  # another arbitrator's case is not theirs to see
    ruled(case, judge, whole("refund", "EUR", "CRD"), "None of the three criteria is met.")

    assert case.deal_stage("rating") == "rating"
    assert case.dispute()["stage"] == "final"
    # The seller's part is nothing: its EUR fee is waived, its CRD fee is charged to its account.
    case.assert_balances((0, -5_00))
    assert_money_moved_and_balanced(running_stack, case, {"charges": [60_00], "refunds": [60_00], "transfers": []})


def test_ruled_for_the_seller_everything_is_released_and_the_buyer_pays_the_credit_fee(cases, running_stack):
    built, arbitrators = cases
    case = built["for_seller"]
    ruled(case, assigned(case, arbitrators)[1], whole("release", "EUR", "CRD"), "All three criteria are met.")

    assert case.deal_stage("rating") == "rating"
    # EUR 60.00 less 3.00 commission to the seller; CRD 40.00 less 2.00; the buyer pays the 5.00 CRD fee.
    case.assert_balances((-45_00, 38_00))
    assert_money_moved_and_balanced(running_stack, case, {"charges": [60_00], "refunds": [], "transfers": [57_00]})


def test_a_buyer_who_submits_no_evidence_loses_by_default(cases, running_stack):
    case = cases[0]["silent_buyer"]
    assert case.deal_stage("rating") == "rating"
    ruling = case.dispute()["ruling"]
    assert ruling["default_loser"] == "buyer"
    assert [leg["decision"] for leg in ruling["legs"]] == ["release", "release"]
    case.assert_balances((-45_00, 38_00))
    assert_money_moved_and_balanced(running_stack, case, {"charges": [60_00], "refunds": [], "transfers": [57_00]})


def appealed(case: Case, arbitrators, first_legs: list[dict]) -> object:
    first_id, first = assigned(case, arbitrators)
    ruled(case, first, first_legs, "The drafts meet the criteria.")
    appeal = case.buyer.post(f"{case.url}/dispute/appeal")
    assert appeal.status == 200, appeal.body
    assert case.buyer.post(f"{case.url}/dispute/appeal").status == 409  # once only
    senior = until(case.dispute, lambda c: c["arbitrator"] and c["arbitrator"]["id"] != first_id)["arbitrator"]
    assert senior["id"] != first_id
    assert [a["is_senior"] for a in case.dispute()["assignments"] if a["for_appeal"]] == [True]
    return arbitrators[senior["id"]]


def test_an_appeal_upheld_keeps_the_appeal_fee(cases, running_stack):
    built, arbitrators = cases
    case = built["upheld"]
    senior = appealed(case, arbitrators, whole("release", "CRD"))
    ruled(case, senior, whole("release", "CRD"), "The first ruling stands.")

    assert case.deal_stage("rating") == "rating"
    assert case.dispute()["appeal"]["succeeded"] is False
    # The seller gets 100.00 less 5.00 commission; the buyer pays the 5.00 dispute fee and the 5.00 appeal fee.
    case.assert_balances((-110_00, 95_00))
    assert_money_moved_and_balanced(running_stack, case, None)


def test_an_appeal_that_reverses_the_ruling_costs_the_appellant_nothing(cases, running_stack):
    built, arbitrators = cases
    case = built["reversed"]
    senior = appealed(case, arbitrators, whole("release", "CRD"))
    ruled(case, senior, whole("refund", "CRD"), "Criteria 2 and 3 are not met.")

    assert case.deal_stage("rating") == "rating"
    assert case.dispute()["appeal"]["succeeded"] is True
    case.assert_balances((0, -5_00))
    assert_money_moved_and_balanced(running_stack, case, None)


def test_evidence_after_the_deadline_is_refused_and_nothing_is_stored(cases, running_stack):
    case = cases[0]["for_buyer"]
    database_url = running_stack.env["DATABASE_URL"]
    before = case.buyer.get(f"{case.url}/dispute/pack").body["evidence"]
    assert stored_files(database_url, case.deal_id) == 1  # the buyer's photo, in time
    late = case.evidence(case.buyer, "One more photo", [("late.png", b"\x89PNG\r\n\x1a\n" + b"\x02" * 64, "image/png")])
    assert late.status_code == 409 and "the evidence deadline passed" in late.json()["message"], late.text
    assert case.buyer.get(f"{case.url}/dispute/pack").body["evidence"] == before
    assert stored_files(database_url, case.deal_id) == 1


def test_a_dispute_on_a_deal_not_under_inspection_is_refused_with_the_reason(api):
    seller, buyer = a_member(api, "Seller"), a_member(api, "Buyer")
    listing = seller.post("/api/v1/listings", {"kind": "offer", "title": "Menu", "category": "design",
                                               "description": "A menu", "price": CREDITS})
    due = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    deal = buyer.post("/api/v1/deals", {"listing_id": listing.body["id"], "price": CREDITS, "delivery_due_at": due,
                                        "acceptance_criteria": "Readable"}).body["deal_id"]
    assert seller.post(f"/api/v1/deals/{deal}/actions/accept").status == 200
    opened = buyer.post(f"/api/v1/deals/{deal}/dispute", {"reason": "not_as_described", "details": "Nothing yet",
                                                         "asked_for": "A refund"})
    assert opened.status == 409 and "while a delivery is being inspected" in opened.body["message"], opened.body


def assert_money_moved_and_balanced(stack, case: Case, stripe_expected: dict | None) -> None:
    if stripe_expected is not None:
        assert_money_moved(stack, case.deal_id, stripe_expected, closed=True)
    assert_ledger_invariants(stack.env["DATABASE_URL"], case.deal_id)
