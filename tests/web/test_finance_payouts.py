"""Finance's pages for payouts and reconciliation, as a finance person uses them: the dashboard
counts failed payouts, the queue's Retry button sends one once (a second click is refused with
the reason), a run is started from the reconciliation page, and members get 404 everywhere."""

from __future__ import annotations

import re
import time

import pytest

from tests.builders import a_staff_user
from tests.web.conftest import Browser
from tests.web.test_cash_and_barter_deals import a_hybrid_deal, act
from tests.web.test_payout_retries import payouts_enabled, stripe_transfers
from tests.web.test_temporal_unavailable import app_without_temporal  # noqa: F401
from tests.workflows.test_credit_deal import assert_ledger_invariants

PAGES = ["/finance/payouts", "/finance/payouts?status=failed&kind=payout", "/finance/reconciliation"]


def follow(person: Browser, answer) -> str:
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return person.get(answer.headers["Location"]).get_data(as_text=True)


def test_finance_retries_a_failed_payout_from_the_queue_once(api, member, listing, database_url, settings, visitor):
    _seller_api, buyer_api, deal_id, seller, _buyer = a_hybrid_deal(api, member, listing, "accept", "fund", "deliver")
    payouts_enabled(database_url, seller.business_id, False)
    act(buyer_api, deal_id, "confirm")
    key = f"deal:{deal_id}:release:EUR"
    finance = visitor(a_staff_user(database_url, "finance"))

    waiting = re.search(r'data-testid="failed-payouts-waiting">.*?(\d+) failed payouts?</strong>',
                        finance.get("/finance/").get_data(as_text=True), re.S)
    assert waiting and int(waiting.group(1)) >= 1
    queue = finance.get("/finance/payouts").get_data(as_text=True)
    row = re.search(rf'data-testid="queued-payout" data-key="{re.escape(key)}">(.*?)</tr>', queue, re.S).group(1)
    assert "57.00 EUR" in row and "has not finished setting up Stripe payouts" in row and "none yet" in row

    page = follow(finance, finance.post(f"/finance/payouts/{key}/retry", headers={"Referer": "http://localhost/finance/payouts"}))
    assert "has not finished setting up Stripe payouts" in page and "1, last by Staff finance" in page

    payouts_enabled(database_url, seller.business_id, True)
    page = follow(finance, finance.post(f"/finance/payouts/{key}/retry", headers={"Referer": "http://localhost/finance/payouts"}))
    assert "sent to the seller as tr_" in page and f'data-testid="queued-payout" data-key="{key}"' not in page
    assert re.search(rf'data-key="{re.escape(key)}" data-status="succeeded"', page)

    page = follow(finance, finance.post(f"/finance/payouts/{key}/retry", headers={"Referer": "http://localhost/finance/payouts"}))
    assert "would pay the seller twice" in page  # the 409's reason, flashed
    assert stripe_transfers(settings, deal_id) == [57_00]
    assert_ledger_invariants(database_url, deal_id, closed=True)


def test_movements_filter_by_status_and_kind(api, member, listing, database_url, visitor):
    _s, _b, deal_id, _seller, _buyer = a_hybrid_deal(api, member, listing, "accept", "fund", "deliver", "confirm")
    finance = visitor(a_staff_user(database_url, "finance"))
    charges = finance.get("/finance/payouts?kind=charge").get_data(as_text=True)
    assert f'data-key="deal:{deal_id}:fund:EUR" data-status="succeeded"' in charges
    assert f'data-key="deal:{deal_id}:release:EUR"' not in charges
    failed = finance.get("/finance/payouts?status=failed").get_data(as_text=True)
    assert f"deal:{deal_id}:" not in failed


def test_a_run_started_from_the_page_shows_as_a_run(database_url, visitor):
    finance = visitor(a_staff_user(database_url, "finance"))
    page = follow(finance, finance.post("/finance/reconciliation", {"start": "2025-01-01", "end": "2025-01-02"}))
    assert "Reconciliation started" in page
    period = "2025-01-01 00:00 UTC → 2025-01-03 00:00 UTC"  # both days included
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not re.search(rf'data-status="done">\s*<header><strong>{period}', page):
        time.sleep(0.2)  # the run's row appears once its activity starts, and is done soon after
        page = finance.get("/finance/reconciliation").get_data(as_text=True)
    run = re.search(rf'data-status="done">\s*<header><strong>{period}</strong>(.*?)</article>', page, re.S)
    assert run and "on demand" in run.group(1) and "Ledger and Stripe agree." in run.group(1)


def test_an_inverted_period_is_refused_with_the_reason(database_url, visitor):
    finance = visitor(a_staff_user(database_url, "finance"))
    answer = finance.post("/finance/reconciliation", {"start": "2026-01-05", "end": "2026-01-02"},
                          headers={"Referer": "http://localhost/finance/reconciliation"})
    assert "The period ends before it starts." in follow(finance, answer)


@pytest.mark.parametrize("url", PAGES)
def test_members_get_404_and_finance_200(url, member, database_url, visitor):
    assert visitor(member()).get(url).status_code == 404
    assert visitor(a_staff_user(database_url, "finance")).get(url).status_code == 200


def test_with_temporal_away_a_retry_or_a_run_answers_try_again(
        app_without_temporal, api, member, listing, database_url):  # noqa: F811
    _s, buyer_api, deal_id, seller, _b = a_hybrid_deal(api, member, listing, "accept", "fund", "deliver")
    payouts_enabled(database_url, seller.business_id, False)
    act(buyer_api, deal_id, "confirm")
    person = Browser(app_without_temporal.test_client()).log_in(a_staff_user(database_url, "finance"))
    back = {"Referer": "http://localhost/finance/payouts"}
    assert "try again" in follow(person, person.post(f"/finance/payouts/deal:{deal_id}:release:EUR/retry", headers=back))
    answer = person.post("/finance/reconciliation", {}, headers={"Referer": "http://localhost/finance/reconciliation"})
    assert "try again" in follow(person, answer)
