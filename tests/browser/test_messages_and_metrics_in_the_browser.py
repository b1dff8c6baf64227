"""In Chromium, on the stack seeded with `make run`'s demo deals: two members talk in a deal's
message thread (the other one finds it in the inbox), and the admin reads the operator metrics,
every chart really drawn beside its table, with no console error and no CSP violation."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, expect

from devstack.demo_deals import ADA, CLEO
from devstack.run import LocalStack
from devstack.seed import DEMO_PASSWORD
from integrations.db.members import user_by_email
from integrations.db.session import unit_of_work
from tests.browser.journeys import ADMIN, log_in
from tests.browser.test_finance_in_the_browser import CHART_STATE, WATCH_CSP
from web.deals.ids import deal_id_for

pytestmark = pytest.mark.browser
METRICS = ("active", "retention", "listings", "started", "completed", "disputes", "volume", "fees", "arpu")


def brand_kit_deal(running_stack: LocalStack) -> str:
    """The demo deal Cleo (buyer) and Ada (seller) have in delivery."""
    with unit_of_work(running_stack.env["DATABASE_URL"]) as session:
        return deal_id_for(user_by_email(session, CLEO).business_id, "demo-credit-brand-kit")


def test_two_members_talk_in_the_deal_thread(chromium: Browser, running_stack: LocalStack):
    deal_id, question = brand_kit_deal(running_stack), f"Could the logo also come in black and white? {uuid.uuid4().hex[:6]}"
    cleo = log_in(chromium.new_context(base_url=running_stack.url).new_page(), CLEO, DEMO_PASSWORD)
    cleo.goto(f"/deals/{deal_id}")
    cleo.get_by_label("Your message").fill(question)
    cleo.get_by_test_id("send-message").click()
    expect(cleo.get_by_test_id("flash-success")).to_have_text("Message sent.")
    expect(cleo.get_by_test_id("message").filter(has_text=question)).to_contain_text("You")

    ada = log_in(chromium.new_context(base_url=running_stack.url).new_page(), ADA, DEMO_PASSWORD)
    ada.get_by_test_id("nav-inbox").click()
    notice = ada.get_by_test_id("notification").filter(has_text=question)
    expect(notice).to_contain_text("New message on “Logo and brand kit”")
    notice.get_by_role("link", name="Open the deal").click()
    ada.get_by_label("Your message").fill("Yes, both versions.")
    ada.get_by_test_id("send-message").click()
    thread = ada.get_by_test_id("messages")
    expect(thread.get_by_test_id("message").filter(has_text=question)).to_contain_text("Cleo")
    expect(thread.get_by_test_id("message").last).to_contain_text("Yes, both versions.")

    ada.get_by_test_id("send-message").click()  # nothing typed: refused on the field, nothing sent
    expect(ada.get_by_test_id("error-body")).to_have_text("Write a message first.")
    for page in (cleo, ada):
        page.context.close()


def test_the_admin_reads_the_metrics_with_every_chart_drawn(chromium: Browser, running_stack: LocalStack):
    context = chromium.new_context(base_url=running_stack.url)
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    log_in(page, ADMIN, DEMO_PASSWORD).get_by_test_id("nav-metrics").click()
    expect(page.get_by_role("heading", name="Operator metrics", level=1)).to_be_visible()
    page.wait_for_function("() => [...document.querySelectorAll('canvas[data-chart]')]"
                           ".every((c) => window.Chart && Chart.getChart(c))")
    charts = {chart["id"]: chart for chart in page.evaluate(CHART_STATE)}
    assert sorted(charts) == sorted(METRICS)
    assert all(chart["drawn"] > 0 for chart in charts.values()), charts
    assert charts["volume"]["total"] > 0 and charts["started"]["total"] >= 4  # the demo deals, this week or last
    for metric in METRICS:
        expect(page.get_by_test_id(f"table-{metric}").get_by_role("row")).to_have_count(13)  # header + 12 weeks
    page.select_option("#weeks", "4")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("table-active").get_by_role("row")).to_have_count(5)
    assert page.evaluate("window.__cspViolations") == [] and problems == []
    context.close()
