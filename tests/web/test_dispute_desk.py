"""The arbitrator's desk and the operators' view: who sees which case, the ruling form and its
refusals, a split ruled and executed exactly, and a reassignment. Real Temporal and PostgreSQL;
the dispute's windows are seconds long (fixed when the deal starts)."""

from __future__ import annotations

import hashlib
import io

import pytest

from integrations.db.dispute_models import Arbitrator as ArbitratorRow
from integrations.db.session import unit_of_work
from tests.builders import a_business, a_staff_user
from tests.web.deal_checks import balance
from tests.web.dispute_setup import (
    assigned_arbitrator,
    delivered_credit_deal,
    dispute_row,
    short_policy,
    wait_for,
    wait_for_deal_stage,
    wait_for_stage,
)
from tests.workflows.dispute_driver import assert_ledger_invariants

OPEN = {"reason": "incomplete", "details": "Only one of three drafts", "asked_for": "A full refund"}
NOTES = b"3 Nov: draft 1 received. 10 Nov: nothing else.\n"
SPLIT = {"CRD_decision": "split_by_percent", "CRD_refund_percent": "40",
         "reasons": "One draft of three was late; the other two meet the criteria."}


@pytest.fixture(scope="module")
def pool(database_url):
    """Arbitrators enough for a case to be reassigned to another one."""
    return [a_staff_user(database_url, "arbitrator") for _ in range(2)]


def case_awaiting_ruling(visitor, worker, database_url, appeal_s: int = 600):
    deal = delivered_credit_deal(worker, database_url, short_policy(settlement_s=1, evidence_s=4, appeal_s=appeal_s))
    buyer, seller = visitor(deal.buyer), visitor(deal.seller)
    assert buyer.post(f"/deals/{deal.deal_id}/dispute", OPEN).status_code == 303
    wait_for_stage(database_url, deal.deal_id, "evidence")
    url = f"/deals/{deal.deal_id}/dispute/evidence"
    assert buyer.post(url, {"statement": "Drafts 2 and 3 never arrived", "files": (io.BytesIO(NOTES), "log.txt")},
                      content_type="multipart/form-data").status_code == 303
    assert seller.post(url, {"statement": "Draft 1 on time, 2 and 3 a week late"}).status_code == 303
    wait_for_stage(database_url, deal.deal_id, "awaiting_ruling")
    return deal, buyer, seller


def test_the_assigned_arbitrator_rules_a_split_and_the_money_moves_as_ruled(visitor, deal_worker, database_url, pool):
    deal, buyer, _seller = case_awaiting_ruling(visitor, deal_worker, database_url, appeal_s=3)
    arbitrator = visitor(assigned_arbitrator(database_url, deal.deal_id))

    queue = arbitrator.get("/desk/").get_data(as_text=True)
    assert f'data-testid="case-row" data-deal="{deal.deal_id}"' in queue
    case_url = f"/desk/cases/{deal.deal_id}"
    page = arbitrator.get(case_url).get_data(as_text=True)
    assert "Three drafts offered" in page and 'data-testid="checklist"' in page  # the terms' criteria
    assert "Drafts 2 and 3 never arrived" in page and "Draft 1 on time, 2 and 3 a week late" in page
    assert page.count('data-testid="party-record"') == 2 and 'data-testid="deal-timeline"' in page
    assert 'data-testid="form-rule"' in page and 'data-testid="pack-html"' in page

    not_held = arbitrator.post(f"{case_url}/ruling", {"CRD_decision": "split_by_amount", "CRD_to_payee": "50.00",
                                                      "CRD_to_payer": "40.00", "reasons": "Half each"})
    assert not_held.status_code == 422 and "100.00 CRD is held" in not_held.get_data(as_text=True)
    no_reasons = arbitrator.post(f"{case_url}/ruling", {**SPLIT, "reasons": ""})
    assert no_reasons.status_code == 422 and "Write the reasons." in no_reasons.get_data(as_text=True)
    assert dispute_row(database_url, deal.deal_id)[0] == "awaiting_ruling"

    ruled = arbitrator.post(f"{case_url}/ruling", SPLIT)
    assert ruled.status_code == 303
    wait_for_deal_stage(database_url, deal.deal_id, "rating")  # no appeal: final, then executed
    seen = buyer.get(f"/deals/{deal.deal_id}/dispute").get_data(as_text=True)
    assert 'data-stage="final"' in seen and "40.00 CRD back to the buyer" in seen
    # 40.00 back less 60 % of the 5.00 fee; 60.00 to the seller less 3.00 commission and 40 % of the fee.
    assert balance(database_url, deal.buyer.business_id).posted == -63_00
    assert balance(database_url, deal.seller.business_id).posted == 55_00
    assert_ledger_invariants(database_url, deal.deal_id)
    late = buyer.post(f"/deals/{deal.deal_id}/dispute/appeal", follow_redirects=True).get_data(as_text=True)
    assert "the appeal window closed" in late


def test_only_the_assigned_arbitrator_and_admins_open_a_case(visitor, deal_worker, database_url, pool):
    deal, buyer, _seller = case_awaiting_ruling(visitor, deal_worker, database_url)
    assigned_arbitrator(database_url, deal.deal_id)
    case_url = f"/desk/cases/{deal.deal_id}"
    other = visitor(a_staff_user(database_url, "arbitrator"))  # made after the assignment: never on this case
    assert f'data-deal="{deal.deal_id}"' not in other.get("/desk/").get_data(as_text=True)
    assert other.get(case_url).status_code == 404
    assert other.post(f"{case_url}/ruling", SPLIT).status_code == 404
    for login in (deal.buyer, a_business(database_url), a_staff_user(database_url, "finance")):
        assert visitor(login).get(case_url).status_code == 404
        assert visitor(login).get("/desk/").status_code == 404
    assert buyer.post(f"{case_url}/ruling", SPLIT).status_code == 404
    file_url = f"{case_url}/files/{hashlib.sha256(NOTES).hexdigest()}"
    assert other.get(file_url).status_code == 404
    assert visitor(assigned_arbitrator(database_url, deal.deal_id)).get(file_url).data == NOTES

    admin = visitor(a_staff_user(database_url, "admin"))
    assert admin.get(file_url).data == NOTES
    page = admin.get(case_url).get_data(as_text=True)
    assert 'data-testid="no-ruling-form"' in page and "Only the arbitrator assigned now rules" in page
    refused = admin.post(f"{case_url}/ruling", SPLIT, follow_redirects=True).get_data(as_text=True)
    assert "only the arbitrator assigned to this case may rule on it" in refused


def test_an_operator_reassigns_a_case_and_the_arbitrator_taken_off_can_no_longer_rule(visitor, deal_worker,
                                                                                    database_url, pool):
    deal, _buyer, _seller = case_awaiting_ruling(visitor, deal_worker, database_url)
    first = assigned_arbitrator(database_url, deal.deal_id)
    for role in ("arbitrator", "finance"):
        assert visitor(a_staff_user(database_url, role)).get("/staff/disputes/").status_code == 404
    assert visitor(deal.seller).get("/staff/disputes/").status_code == 404
    for login in (deal.seller, first):
        assert visitor(login).post(f"/staff/disputes/{deal.deal_id}/reassign", {"note": "mine"}).status_code == 404

    admin = visitor(a_staff_user(database_url, "admin"))
    listing = admin.get("/staff/disputes/").get_data(as_text=True)
    assert f'data-testid="dispute-row" data-deal="{deal.deal_id}"' in listing and "opened " in listing
    assert admin.post(f"/staff/disputes/{'x' * 20}/reassign", {"note": "test"}).status_code == 404
    moved = admin.post(f"/staff/disputes/{deal.deal_id}/reassign", {"note": "on leave this week"})
    assert moved.status_code == 303

    wait_for(lambda: dispute_row(database_url, deal.deal_id)[1] not in (None, first.user_id), True,
             "another arbitrator assigned")
    taken_off = visitor(first)
    page = taken_off.get(f"/desk/cases/{deal.deal_id}").get_data(as_text=True)
    assert "on leave this week" in page and 'data-testid="form-rule"' not in page
    refused = taken_off.post(f"/desk/cases/{deal.deal_id}/ruling", SPLIT, follow_redirects=True)
    assert "you can no longer rule on it" in refused.get_data(as_text=True)
    assert dispute_row(database_url, deal.deal_id)[0] == "awaiting_ruling"


def test_a_party_appeals_within_the_window_and_a_senior_arbitrator_takes_the_appeal(visitor, deal_worker,
                                                                                  database_url, pool):
    a_senior(database_url), a_senior(database_url)  # the first round may go to one: the appeal never does
    deal, buyer, seller = case_awaiting_ruling(visitor, deal_worker, database_url)
    first = assigned_arbitrator(database_url, deal.deal_id)
    assert visitor(first).post(f"/desk/cases/{deal.deal_id}/ruling", SPLIT).status_code == 303

    page = buyer.get(f"/deals/{deal.deal_id}/dispute").get_data(as_text=True)
    assert 'data-stage="ruled"' in page and 'data-testid="form-appeal"' in page and "Appeal window closes" in page
    assert "5.00 EUR" not in page and "Fee: 5.00 CRD" in page  # capped at 5 % of the 100.00 CRD held
    assert buyer.post(f"/deals/{deal.deal_id}/dispute/appeal").status_code == 303
    wait_for(lambda: dispute_row(database_url, deal.deal_id)[1] not in (None, first.user_id), True,
             "a senior arbitrator assigned to the appeal")
    page = buyer.get(f"/deals/{deal.deal_id}/dispute").get_data(as_text=True)
    assert 'data-stage="appealed"' in page and 'data-testid="form-appeal"' not in page
    again = seller.post(f"/deals/{deal.deal_id}/dispute/appeal", follow_redirects=True).get_data(as_text=True)
    assert "already appealed once" in again


def a_senior(database_url: str) -> None:
    login = a_staff_user(database_url, "arbitrator")
    with unit_of_work(database_url) as session:
        session.add(ArbitratorRow(user_id=login.user_id, is_senior=True))
