"""The finance section: escrow by stage, the ledger explorer, two-person adjustments, revenue
and activity (charts and CSV), over real PostgreSQL, Temporal and the deal worker."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from integrations.db.session import unit_of_work
from tests.builders import a_staff_user
from tests.web.conftest import Api, proposal

PAGES = ["/finance/", "/finance/ledger", "/finance/ledger/accounts/platform:fees:CRD",
         "/finance/ledger/transfers/nope", "/finance/adjustments", "/finance/adjustments/1",
         "/finance/activity", "/finance/activity/fees.csv"]
API = ["/api/v1/finance/escrow", "/api/v1/finance/accounts?prefix=member", "/api/v1/finance/adjustments",
       "/api/v1/finance/activity", "/api/v1/finance/transfers/nope"]


def act(caller: Api, deal_id: str, action: str, body: dict | None = None):
    answer = caller.post(f"/api/v1/deals/{deal_id}/actions/{action}", body or {})
    assert answer.status_code == 200, answer.json
    return answer


def a_deal(api, member, listing, price_minor: int = 200_00, steps=("accept", "fund")):
    seller, buyer = member(), member()
    seller_api, buyer_api = api(seller), api(buyer)
    deal_id = buyer_api.post("/api/v1/deals", proposal(listing(seller), price_minor=price_minor)).json["deal_id"]
    for step in steps:
        act(buyer_api if step in ("fund", "confirm") else seller_api, deal_id, step)
    return deal_id, seller, buyer


def ledger_sums(database_url: str) -> tuple[dict, dict, dict]:
    """Posted entries per currency, held entries per currency, posted balances per currency."""
    with unit_of_work(database_url) as session:
        def sums(sql):
            return dict(session.execute(text(sql)).all())
        return (sums("SELECT currency, sum(amount) FROM ledger_entries WHERE NOT pending GROUP BY 1"),
                sums("SELECT currency, sum(amount) FROM ledger_entries WHERE pending GROUP BY 1"),
                sums("SELECT currency, sum(posted) FROM ledger_accounts GROUP BY 1"))


def finance_pair(database_url):
    return a_staff_user(database_url, "finance"), a_staff_user(database_url, "finance")


# ---- who may see it -------------------------------------------------------------------------
def test_members_and_arbitrators_get_404_and_anonymous_visitors_must_log_in(visitor, api, member, database_url):
    someone = member()
    arbitrator = a_staff_user(database_url, "arbitrator")
    for login in (someone, arbitrator):
        person, caller = visitor(login), api(login)
        for url in PAGES:
            assert person.get(url).status_code == 404, (login.email, url)
        for url in API:
            assert caller.get(url).status_code == 404, (login.email, url)
        assert caller.post("/api/v1/finance/adjustments/1/approve").status_code == 404
        assert person.post("/finance/adjustments", {"reason": "x"}).status_code == 404
        assert "nav-finance" not in person.get("/").get_data(as_text=True)
    anonymous, stranger = visitor(), api()
    for url in PAGES:
        answer = anonymous.get(url)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], url
    for url in API:
        assert stranger.get(url).status_code == 401, url


@pytest.mark.parametrize("role", ["finance", "admin"])
def test_finance_and_admin_see_escrow_held_by_currency_and_stage(visitor, api, member, listing, database_url, role):
    deal_id, _seller, _buyer = a_deal(api, member, listing, price_minor=230_00)
    login = a_staff_user(database_url, role)
    page = visitor(login).get("/finance/").get_data(as_text=True)
    assert 'data-testid="nav-finance"' in page
    row = re.search(r'data-testid="escrow-in_delivery-CRD">(.*?)</tr>', page, re.S).group(1)
    held = re.findall(r"<strong>([\d,]+\.\d\d) CRD</strong>", row)[0]
    assert float(held.replace(",", "")) >= 230.00
    escrow = api(login).get("/api/v1/finance/escrow").json
    in_delivery = [r for r in escrow["by_stage"] if r["stage"] == "in_delivery" and r["currency"] == "CRD"][0]
    assert in_delivery["held"] >= 230_00 and in_delivery["incoming_holds"] >= 230_00 and in_delivery["deals"] >= 1
    assert escrow["held_by_currency"]["CRD"] >= 230_00
    assert deal_id not in {w["deal_id"] for w in escrow["waiting"]}  # a live deal is not finance's to fix


# ---- ledger explorer ------------------------------------------------------------------------
def test_the_ledger_explorer_finds_accounts_pages_their_transfers_and_links_to_the_deal(
        visitor, api, member, listing, database_url):
    deal_id, _seller, buyer = a_deal(api, member, listing)
    login = a_staff_user(database_url, "finance")
    person, caller = visitor(login), api(login)
    escrow = f"deal:{deal_id}:escrow:CRD"
    found = person.get(f"/finance/ledger?prefix=deal:{deal_id}").get_data(as_text=True)
    assert f"/finance/ledger/accounts/{escrow}" in found and "200.00 CRD" in found
    assert caller.get(f"/api/v1/finance/accounts?prefix=deal:{deal_id}").json["items"][0]["pending_in"] == 200_00
    assert "No account address starts with" in person.get("/finance/ledger?prefix=zz_nothing%25").get_data(as_text=True)

    account = person.get(f"/finance/ledger/accounts/{escrow}").get_data(as_text=True)
    assert f"/staff/deals/{deal_id}" in account and f"deal:{deal_id}:fund:CRD" in account
    member_account = f"member:{buyer.business_id}:credits"
    assert f"deal:{deal_id}:fund:CRD" in person.get(f"/finance/ledger/accounts/{member_account}").get_data(as_text=True)
    first = caller.get(f"/api/v1/finance/accounts/{escrow}?per_page=1").json
    assert first["balance"]["pending_in"] == 200_00 and first["deal_id"] == deal_id
    assert [line["transfer_id"] for line in first["items"]] == [f"deal:{deal_id}:fund:CRD"]
    assert first["has_next"] is False and caller.get(f"/api/v1/finance/accounts/{escrow}?page=2").json["items"] == []

    transfer = person.get(f"/finance/ledger/transfers/deal:{deal_id}:fund:CRD").get_data(as_text=True)
    assert 'data-testid="transfer-status">pending<' in transfer and f"/staff/deals/{deal_id}" in transfer
    assert "-200.00 CRD" in transfer and "reserved (hold)" in transfer
    entries = caller.get(f"/api/v1/finance/transfers/deal:{deal_id}:fund:CRD").json["entries"]
    assert sorted(e["amount"]["amount_minor"] for e in entries) == [-200_00, 200_00]
    assert person.get("/finance/ledger/accounts/member:0:nope").status_code == 404
    assert caller.get("/api/v1/finance/transfers/nope").status_code == 404


def test_the_account_page_paginates_with_a_running_balance(visitor, api, member, listing, database_url):
    _deal, seller, buyer = a_deal(api, member, listing, steps=("accept", "fund", "deliver", "confirm"))
    caller = api(a_staff_user(database_url, "finance"))
    address = f"member:{buyer.business_id}:credits"
    first = caller.get(f"/api/v1/finance/accounts/{address}?per_page=1").json
    second = caller.get(f"/api/v1/finance/accounts/{address}?per_page=1&page=2").json
    assert first["has_next"] is True and first["items"][0]["running_balance"] == -200_00
    assert second["items"][0]["pending"] is True  # the hold's reservation, older than its posting
    page = visitor(a_staff_user(database_url, "admin")).get(f"/finance/ledger/accounts/{address}?per_page=1")
    assert 'rel="next"' in page.get_data(as_text=True)


# ---- adjustments ----------------------------------------------------------------------------
def test_an_adjustment_is_posted_only_when_a_second_finance_user_approves(visitor, api, member, database_url):
    payer, payee = member(), member()
    alice, bob = finance_pair(database_url)
    alice_page, bob_page = visitor(alice), visitor(bob)
    proposed = alice_page.post("/finance/adjustments", {
        "from_account": f"member:{payer.business_id}:credits", "to_account": f"member:{payee.business_id}:credits",
        "amount": "12.50", "currency": "CRD", "reason": "Refund of a double charge"})
    assert proposed.status_code == 303
    adjustment_id = int(proposed.headers["Location"].rsplit("/", 1)[1])
    url = f"/finance/adjustments/{adjustment_id}"
    mine = alice_page.get(url).get_data(as_text=True)
    assert 'data-testid="awaiting-second-approver"' in mine and "approve-adjustment" not in mine

    refused = api(alice).post(f"/api/v1/finance/adjustments/{adjustment_id}/approve")
    assert refused.status_code == 409 and refused.json["code"] == "self_approval"
    assert "second finance user" in refused.json["message"]
    by_form = alice_page.post(f"{url}/approve", headers={"Referer": f"http://localhost{url}"}, follow_redirects=True)
    assert "second finance user must approve it" in by_form.get_data(as_text=True)
    assert api(bob).get(f"/api/v1/finance/accounts/member:{payee.business_id}:credits").json["balance"]["posted"] == 0

    approved = bob_page.post(f"{url}/approve")
    assert approved.status_code == 303
    shown = bob_page.get(url).get_data(as_text=True)
    assert 'data-testid="adjustment-status">approved<' in shown
    assert "by Staff finance" in re.search(r'adjustment-proposed">(.*?)</dd>', shown, re.S).group(1)
    assert re.search(r'adjustment-decided">by Staff finance, <time', shown)
    document = api(bob).get(f"/api/v1/finance/adjustments/{adjustment_id}").json
    assert (document["proposed_by"], document["decided_by"]) == (alice.user_id, bob.user_id)
    assert document["decided_at"] and document["transfer_id"] == f"adjustment:{adjustment_id}"
    balances = {who: api(bob).get(f"/api/v1/finance/accounts/member:{who.business_id}:credits").json["balance"]["posted"]
                for who in (payer, payee)}
    assert balances == {payer: -12_50, payee: 12_50}
    transfer = bob_page.get(f"/finance/ledger/transfers/adjustment:{adjustment_id}").get_data(as_text=True)
    assert f"/finance/adjustments/{adjustment_id}" in transfer and "Refund of a double charge" in transfer

    posted, held, balances_by_currency = ledger_sums(database_url)
    assert all(total == 0 for total in posted.values()) and all(total == 0 for total in held.values())
    assert balances_by_currency["CRD"] == 0  # credits are mutual: every balance sums to zero
    again = api(bob).post(f"/api/v1/finance/adjustments/{adjustment_id}/approve")
    assert again.status_code == 409 and "already approved" in again.json["message"]


def test_a_posting_the_ledger_refuses_leaves_the_proposal_open_with_the_reason(visitor, api, member, database_url):
    broke, payee = member(credit_line_minor=0), member()
    alice, bob = finance_pair(database_url)
    created = api(alice).post("/api/v1/finance/adjustments", {
        "from_account": f"member:{broke.business_id}:credits", "to_account": f"member:{payee.business_id}:credits",
        "amount": {"amount_minor": 10_00, "currency": "CRD"}, "reason": "Goodwill transfer"})
    assert created.status_code == 201 and created.json["status"] == "proposed"
    adjustment_id = created.json["id"]
    refused = api(bob).post(f"/api/v1/finance/adjustments/{adjustment_id}/approve")
    assert refused.status_code == 409 and "not enough" in refused.json["message"]
    still = api(bob).get(f"/api/v1/finance/adjustments/{adjustment_id}").json
    assert still["status"] == "proposed" and still["decided_by"] is None and "not enough" in still["last_error"]
    page = visitor(bob).get(f"/finance/adjustments/{adjustment_id}").get_data(as_text=True)
    assert 'data-testid="adjustment-last-error"' in page and "not enough" in page
    assert f"adjustment:{adjustment_id}" not in visitor(bob).get(
        f"/finance/ledger/accounts/member:{broke.business_id}:credits").get_data(as_text=True)

    rejected = api(alice).post(f"/api/v1/finance/adjustments/{adjustment_id}/reject", {"note": "Withdrawn"})
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert rejected.json["decided_by"] == alice.user_id and rejected.json["decision_note"] == "Withdrawn"
    assert api(bob).post(f"/api/v1/finance/adjustments/{adjustment_id}/approve").status_code == 409
    listed = api(bob).get("/api/v1/finance/adjustments?status=rejected").json["items"]
    assert adjustment_id in {a["id"] for a in listed}


@pytest.mark.parametrize(("changes", "field"), [
    ({"amount": {"amount_minor": -5, "currency": "CRD"}}, "amount.amount_minor"),
    ({"amount": {"amount_minor": 5_00, "currency": "XXX"}}, "amount.currency"),
    ({"reason": "  "}, "reason"),
    ({"to_account": "member:999999999:credits"}, "to_account"),
    ({"from_account": "platform:fees:EUR"}, "from_account"),  # a EUR account for a CRD amount
    ({"to_account": "platform:fees:CRD", "from_account": "platform:fees:CRD"}, "to_account"),
])
def test_malformed_proposals_get_422_with_the_field_at_fault(api, member, database_url, changes, field):
    payer = member()
    body = {"from_account": f"member:{payer.business_id}:credits", "to_account": "platform:fees:CRD",
            "amount": {"amount_minor": 5_00, "currency": "CRD"}, "reason": "Correction", **changes}
    if field == "from_account":
        with unit_of_work(database_url) as session:
            session.execute(text("INSERT INTO ledger_accounts (address, currency, kind, credit_limit) "
                                 "VALUES ('platform:fees:EUR', 'EUR', 'platform', 0) ON CONFLICT DO NOTHING"))
    answer = api(a_staff_user(database_url, "finance")).post("/api/v1/finance/adjustments", body)
    assert answer.status_code == 422 and field in answer.json["errors"], answer.json


def test_the_proposal_form_shows_its_errors_and_keeps_the_input(visitor, database_url):
    person = visitor(a_staff_user(database_url, "finance"))
    answer = person.post("/finance/adjustments", {"from_account": "platform:fees:CRD", "to_account": "member:1:credits",
                                                  "amount": "twelve", "currency": "CRD", "reason": "Typo fix"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'data-testid="error-amount"' in page and 'value="platform:fees:CRD"' in page


def test_an_ended_deal_still_holding_escrow_is_waiting_on_finance(visitor, api, member, listing, database_url):
    deal_id, _seller, buyer = a_deal(api, member, listing, steps=("decline",))
    alice, bob = finance_pair(database_url)
    created = api(alice).post("/api/v1/finance/adjustments", {
        "from_account": f"member:{buyer.business_id}:credits", "to_account": f"deal:{deal_id}:escrow:CRD",
        "amount": {"amount_minor": 5_00, "currency": "CRD"}, "reason": "Stray payment into a declined deal"})
    assert api(bob).post(f"/api/v1/finance/adjustments/{created.json['id']}/approve").status_code == 200
    page = visitor(bob).get("/finance/").get_data(as_text=True)
    row = re.search(rf'data-testid="waiting-{deal_id}">(.*?)</tr>', page, re.S).group(1)
    assert "5.00 CRD" in row and "Declined" in row and f"/staff/deals/{deal_id}" in row
    waiting = {w["deal_id"]: w for w in api(bob).get("/api/v1/finance/escrow").json["waiting"]}
    assert waiting[deal_id]["held"] == [{"amount_minor": 5_00, "currency": "CRD", "display": "5.00 CRD"}]


# ---- revenue and activity -------------------------------------------------------------------
def test_revenue_and_activity_as_charts_and_csv(visitor, api, member, listing, database_url):
    _deal, _seller, _buyer = a_deal(api, member, listing, price_minor=300_00,
                                    steps=("accept", "fund", "deliver", "confirm"))
    login = a_staff_user(database_url, "finance")
    person = visitor(login)
    answer = person.get("/finance/activity?days=7")
    page = answer.get_data(as_text=True)
    fees = float(re.search(r'fees-total-CRD"><strong>([\d,.]+) CRD', page).group(1).replace(",", ""))
    assert fees >= 15.00  # 5 % of 300.00
    assert int(re.search(r'active-members-total">(\d+)<', page).group(1)) >= 2
    charts = json.loads(re.search(r'<script type="application/json" id="finance-charts">(.*?)</script>',
                                  page, re.S).group(1))
    assert [c["id"] for c in charts] == ["fees", "volume", "average", "members", "models"]
    volume = {d["label"]: d["data"] for d in charts[1]["datasets"]}
    assert sum(volume["CRD"]) >= 300_00 and len(charts[1]["labels"]) == 7
    assert charts[4]["labels"] == ["credits", "cash", "hybrid", "barter"] and charts[4]["datasets"][0]["data"][0] >= 1
    # The CSP allows no inline script: only the JSON data block and vendored files.
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "/static/vendor/chart.umd.min.js" in page and "/static/finance_charts.js" in page
    assert "'unsafe-inline'" not in answer.headers["Content-Security-Policy"]
    assert person.get("/static/vendor/chart.umd.min.js").status_code == 200

    export = person.get("/finance/activity/fees.csv?days=7")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert re.fullmatch(r'attachment; filename="tradepact-fees-7d-by-day-[\d-]+\.csv"',
                        export.headers["Content-Disposition"])
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    crd = [r for r in rows if r["currency"] == "CRD"]
    assert len(crd) == 7 and sum(int(r["amount_minor"]) for r in crd) >= 15_00
    assert all(r["amount"] == f"{int(r['amount_minor']) // 100}.{int(r['amount_minor']) % 100:02d}" for r in crd)
    for dataset, header in [("volume", "day,currency,amount_minor,amount,completed_deals"),
                            ("average", "day,currency,amount_minor,amount"), ("members", "day,active_members"),
                            ("models", "model,deals")]:
        body = person.get(f"/finance/activity/{dataset}.csv?days=7").get_data(as_text=True)
        assert body.splitlines()[0] == header, dataset
    weekly = person.get("/finance/activity/members.csv?days=14&bucket=week").get_data(as_text=True)
    assert weekly.startswith("week,active_members") and len(weekly.splitlines()) in (3, 4)
    assert person.get("/finance/activity/secrets.csv").status_code == 404

    document = api(login).get("/api/v1/finance/activity?days=7").json
    assert sum(document["fees"]["CRD"]) >= 15_00 and document["deals_by_model"]["credits"] >= 1
    # Gross volume over completed deals: the session's other deals share these days, so check the rule.
    volume, completed = document["volume"]["CRD"], document["completed"]["CRD"]
    assert document["average_deal_size"]["CRD"] == [v // c if c else None for v, c in zip(volume, completed, strict=True)]
    assert completed[-1] >= 1 and volume[-1] >= 300_00
    assert api(login).get("/api/v1/finance/activity?days=0").status_code == 422


def test_the_table_itself_refuses_self_approval_and_non_positive_amounts(api, member, database_url):
    payer = member()
    alice = a_staff_user(database_url, "finance")
    created = api(alice).post("/api/v1/finance/adjustments", {
        "from_account": f"member:{payer.business_id}:credits", "to_account": "platform:fees:CRD",
        "amount": {"amount_minor": 1_00, "currency": "CRD"}, "reason": "Constraint check"}).json
    for change, constraint in [
        (f"status = 'approved', decided_by = {alice.user_id}, decided_at = now(), "
         f"transfer_id = 'adjustment:{created['id']}'", "four_eyes"),
        ("amount_minor = 0", "positive_amount"),
        ("status = 'settled', decided_by = proposed_by, decided_at = now()", "known_status"),
        ("status = 'rejected'", "decided_iff_closed"),
    ]:
        with pytest.raises(IntegrityError, match=constraint), unit_of_work(database_url) as session:
            if "transfer_id" in change:  # the transfer must exist for the foreign key to pass first
                session.execute(text("INSERT INTO ledger_transfers (id, kind, status) "
                                     f"VALUES ('adjustment:{created['id']}', 'posted', 'posted')"))
            session.execute(text(f"UPDATE finance_adjustments SET {change} WHERE id = :id"), {"id": created["id"]})
