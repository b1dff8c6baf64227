"""Finance staff use every page of the Finance section in Chromium, on the stack seeded with
`make run`'s demo deals: escrow, the ledger explorer down to a transfer's deal, settlements and
payouts, an on-demand reconciliation, a four-eyes adjustment, and the charts (really drawn, no
console error, no CSP violation) with their CSV exports. Members get 404 there."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from devstack.demo_deals import ADA
from devstack.run import LocalStack
from devstack.seed import DEMO_PASSWORD
from domain.ledger import member_account
from integrations.db.members import user_by_email
from integrations.db.session import unit_of_work
from tests.browser.journeys import WAIT_MS, log_in, register

pytestmark = pytest.mark.browser
FINANCE, FINANCE2 = "finance@tradepact.example", "finance2@tradepact.example"

# Recorded from the first script on, so a violation while the page loads is caught too.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));
"""

# For each chart: its Chart.js instance (if any), the sum of its data, and how many pixels it drew.
CHART_STATE = """
() => [...document.querySelectorAll("canvas[data-chart]")].map((canvas) => {
  const chart = Chart.getChart(canvas);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) drawn++; }
  const values = chart ? chart.data.datasets.flatMap((d) => d.data).filter((v) => v !== null) : [];
  return {id: canvas.dataset.chart, type: chart ? chart.config.type : null,
          total: values.reduce((a, b) => a + b, 0), drawn: drawn, width: canvas.width};
})
"""


@pytest.fixture
def finance(chromium: Browser, running_stack: LocalStack) -> Iterator[tuple[Page, list[str]]]:
    """Finance@ logged in, with every console error and uncaught exception of the page collected."""
    context = chromium.new_context(base_url=running_stack.url, accept_downloads=True)
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield log_in(page, FINANCE, DEMO_PASSWORD), problems
    context.close()


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Finance").get_by_role("link", name=name).click()
    expect(page.get_by_role("link", name=name)).to_have_attribute("aria-current", "page")


def test_escrow_ledger_explorer_and_settlements(finance):
    page, problems = finance
    page.get_by_test_id("nav-finance").click()
    expect(page.get_by_role("heading", name="Escrow held")).to_be_visible()
    expect(page.get_by_test_id("escrow-total-CRD")).not_to_have_text("0.00 CRD")  # the demo brand kit
    expect(page.get_by_test_id("escrow-in_delivery-CRD")).to_be_visible()
    expect(page.get_by_test_id("failed-payouts-waiting")).to_be_visible()

    nav(page, "Ledger explorer")
    for currency in ("CRD", "EUR"):
        expect(page.get_by_test_id(f"trial-balance-{currency}")).to_have_text(f"{currency} 0.00 {currency}")
    page.get_by_role("search").get_by_role("searchbox").fill("platform:fees")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    page.get_by_test_id("accounts").get_by_role("link", name="platform:fees:EUR").click()
    expect(page.get_by_role("heading", name="platform:fees:EUR")).to_be_visible()
    expect(page.get_by_test_id("account-posted")).not_to_have_text("0.00 EUR")
    page.get_by_test_id("account-lines").get_by_role("link").first.click()
    expect(page.get_by_test_id("transfer-status")).to_have_text("posted")
    expect(page.get_by_test_id("transfer-entries").get_by_role("row").filter(has_text="platform:fees:EUR")).to_have_count(1)
    deal_title = page.get_by_test_id("transfer-deal").inner_text()
    page.get_by_test_id("transfer-deal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(deal_title)  # the deal that paid the fee
    # The fee is taken when the deal completes, or (a disputed deal, as the dispute browser test leaves
    # one) when the ruling is executed: exactly one of those on the deal that paid it.
    taken = '[data-testid="timeline-entry"][data-kind="completed"], [data-testid="timeline-entry"][data-kind="ruling_executed"]'
    expect(page.locator(taken)).to_have_count(1)

    page.get_by_test_id("nav-finance").click()
    nav(page, "Settlements & payouts")
    posters = page.get_by_test_id("movement").filter(has_text="A1 posters, 50 copies")
    expect(posters).to_have_count(2)  # the card payment and the payout, both with Stripe ids
    expect(posters.filter(has_text="charge")).to_contain_text("220.00 EUR")
    expect(posters.filter(has_text="payout")).to_contain_text("209.00 EUR")
    for row in posters.all():
        expect(row).to_have_attribute("data-status", "succeeded")
        expect(row.locator("small").first).to_contain_text("_")  # pi_… / tr_…
    assert problems == []


def test_reconciliation_runs_on_demand(finance):
    page, problems = finance
    page.goto("/finance/")
    nav(page, "Reconciliation")
    page.get_by_test_id("start-reconciliation").click()
    expect(page.get_by_test_id("flash-success")).to_contain_text("Reconciliation started")
    latest = page.get_by_test_id("run").first
    for _attempt in range(40):  # the run shows once the workflow records it, then "running" until done
        if latest.count() and latest.get_attribute("data-status") != "running":
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(latest).to_have_attribute("data-status", "done")
    expect(latest).to_contain_text("on demand")
    expect(latest.get_by_test_id("mismatch-count")).to_have_text("0")
    expect(latest).to_contain_text("Ledger and Stripe agree.")
    checked = re.search(r"(\d+) movements? checked", latest.locator("header").inner_text())
    assert checked and int(checked.group(1)) >= 4  # at least the demo deals' two charges and two payouts
    assert problems == []


def _member_credits_address(running_stack: LocalStack, email: str) -> str:
    with unit_of_work(running_stack.env["DATABASE_URL"]) as session:
        return member_account(user_by_email(session, email).business_id, "CRD")


def test_an_adjustment_needs_a_second_finance_user(finance, chromium: Browser, running_stack: LocalStack):
    page, problems = finance
    to_account = _member_credits_address(running_stack, ADA)
    page.goto(f"/finance/ledger/accounts/{to_account}")
    before = page.get_by_test_id("account-posted").inner_text()

    page.goto("/finance/")
    nav(page, "Adjustments")
    page.fill("#from_account", "platform:fees:CRD")
    page.fill("#to_account", to_account)
    page.fill("#amount", "1.50")
    page.select_option("#currency", "CRD")
    page.fill("#reason", "Goodwill credit for a late payout")
    page.get_by_test_id("propose-adjustment").click()
    expect(page.get_by_test_id("adjustment-status")).to_have_text("proposed")
    expect(page.get_by_test_id("awaiting-second-approver")).to_be_visible()
    expect(page.get_by_test_id("approve-adjustment")).to_have_count(0)
    adjustment_url = page.url

    # The proposer's own approval, sent the way a crafted form would (the page offers no button).
    page.evaluate("""async (url) => {
        const form = new FormData();
        form.append("csrf_token", document.querySelector('meta[name="csrf-token"]').content);
        await fetch(url + "/approve", {method: "POST", body: form, redirect: "manual"});
    }""", adjustment_url)
    page.reload()
    expect(page.get_by_test_id("flash-error")).to_contain_text("a second finance user must approve it")
    expect(page.get_by_test_id("adjustment-status")).to_have_text("proposed")

    second = log_in(chromium.new_context(base_url=running_stack.url).new_page(), FINANCE2, DEMO_PASSWORD)
    second.goto(adjustment_url)
    second.get_by_test_id("approve-adjustment").click()
    expect(second.get_by_test_id("adjustment-status")).to_have_text("approved", timeout=WAIT_MS)
    expect(second.get_by_test_id("adjustment-proposed")).to_contain_text("Felix Finance")
    expect(second.get_by_test_id("adjustment-decided")).to_contain_text("Fatima Finance")
    second.get_by_test_id("adjustment-transfer").click()
    expect(second.get_by_test_id("transfer-adjustment")).to_be_visible()
    second.context.close()

    page.goto(f"/finance/ledger/accounts/{to_account}")
    after = page.get_by_test_id("account-posted").inner_text()
    assert _amount(after) - _amount(before) == 150
    page.goto("/finance/ledger")
    expect(page.get_by_test_id("trial-balance-CRD")).to_have_text("CRD 0.00 CRD")
    assert problems == []


def _amount(shown: str) -> int:
    """"1,234.50 CRD" as minor units."""
    return round(float(shown.split()[0].replace(",", "")) * 100)


def test_the_charts_render_and_the_csv_exports_download(finance):
    page, problems = finance
    page.goto("/finance/")
    nav(page, "Revenue & activity")
    page.select_option("#days", "7")
    page.get_by_test_id("period").get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"days=7"))
    page.wait_for_function("() => typeof Chart !== 'undefined' && "
                           "[...document.querySelectorAll('canvas[data-chart]')].every((c) => Chart.getChart(c))")
    charts = {chart["id"]: chart for chart in page.evaluate(CHART_STATE)}
    assert list(charts) == ["fees", "volume", "average", "members", "models"]
    for chart in charts.values():
        assert chart["width"] > 0 and chart["drawn"] > 1000, chart  # axes, bars, slices: not a blank canvas
        assert chart["total"] > 0, chart  # the demo deals are in the period
    assert charts["models"]["type"] == "doughnut" and charts["fees"]["type"] == "bar"
    expect(page.get_by_test_id("fees-total-EUR")).not_to_have_text("0.00 EUR")

    for dataset, header in (("fees", "day,currency,amount_minor,amount"),
                            ("volume", "day,currency,amount_minor,amount,completed_deals"),
                            ("average", "day,currency,amount_minor,amount"), ("members", "day,active_members"),
                            ("models", "model,deals")):
        with page.expect_download() as caught:
            page.get_by_test_id(f"csv-{dataset}").click()
        download = caught.value
        assert download.suggested_filename.startswith(f"tradepact-{dataset}-7d-by-day-")
        rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read())))
        assert ",".join(rows[0]) == header
        assert any(int(row[-1] if dataset in ("members", "models") else row[2] or 0) > 0 for row in rows[1:])

    assert page.evaluate("window.__cspViolations") == []
    assert problems == []


def test_a_member_gets_404_in_finance(chromium: Browser, running_stack: LocalStack):
    member = register(chromium, running_stack.url, "Curious")
    expect(member.get_by_test_id("nav-finance")).to_have_count(0)
    for path in ("/finance/", "/finance/ledger", "/finance/activity", "/finance/activity/fees.csv",
                 "/finance/reconciliation", "/finance/payouts", "/finance/adjustments"):
        assert member.goto(path).status == 404, path
