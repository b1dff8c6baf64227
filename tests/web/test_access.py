"""Every route's access rule, checked over the whole URL map so a new route cannot slip by."""

from __future__ import annotations

import re

import pytest

from tests.builders import a_staff_user

# The webhook is public but signed: tests/web/test_stripe_webhooks.py checks its own refusals.
PUBLIC_PAGES = {"catalog.index", "catalog.listing_detail", "catalog.business", "auth.login", "auth.register",
                "static", "webhooks.stripe_event"}
PUBLIC_API = {"api_members.create_token", "api_members.register_business", "api_members.business",
              "api_catalog.categories", "api_catalog.listings", "api_catalog.listing", "api-docs.openapi_json",
              "api_reputation.reputation"}
STAFF_PAGES = {"staff.overview", "staff.deal"}
# Plans and fees are the admin's: finance and arbitrators get 404 there like members.
ADMIN_ONLY = {"plan_admin.plans", "plan_admin.update", "api_plans.admin_plans", "api_plans.edit_plan",
              "api_dispute_staff.all_open_disputes", "api_dispute_staff.operator_alerts",  # operators are admins
              "dispute_ops.open_disputes",
              "catalog.categories", "catalog.add", "catalog.change",
              "metrics.metrics", "api_metrics.metrics"} | {  # the category tree, metrics; the KYB review queue
    "verification_admin.queue", "verification_admin.case", "verification_admin.decide",
    "verification_admin.case_document_file", "api_verification.queue", "api_verification.case",
    "api_verification.case_document_file", "api_verification.decide_approve", "api_verification.decide_reject",
    "api_verification.decide_request_info"} | {  # matching's on-demand recompute
    "matching_admin.overview", "matching_admin.recompute", "api_rings.recompute"}
ARBITRATOR_ONLY = {"api_dispute_staff.my_cases", "api_dispute_staff.my_alerts"}
# The arbitrator's desk page is for arbitrators (and admins); finance gets 404 there like members.
DESK_PAGES = {"arbitration.queue"}


def concrete(rule: str) -> str:
    """A URL for a rule: 1 for ints, a word for strings, a real action name for actions."""
    url = rule.replace("<action_name>", "accept").replace("<path:filename>", "app.css")
    url = re.sub(r"<int:[a-z_]+>", "1", url)
    return re.sub(r"<[a-z_]+>", "nope", url)


def routes(app, prefix_api: bool):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") == prefix_api:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.endpoint, method, concrete(rule.rule)


def test_anonymous_visitors_are_sent_to_log_in_on_every_private_page(app, visitor):
    person = visitor()
    for endpoint, method, url in routes(app, prefix_api=False):
        if endpoint in PUBLIC_PAGES:
            continue
        answer = person.post(url) if method == "POST" else person.get(url)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], (endpoint, method)


def test_anonymous_api_calls_get_401_except_the_public_ones(app, client):
    for endpoint, method, url in routes(app, prefix_api=True):
        if endpoint in PUBLIC_API:
            continue
        answer = client.open(url, method=method, json={})
        assert answer.status_code == 401, (endpoint, method, answer.status_code)
        assert answer.json["code"] == "unauthorized" and answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("role", ["admin", "finance", "arbitrator"])
def test_staff_get_404_on_member_pages_and_member_api(app, visitor, api, database_url, role):
    staff_login = a_staff_user(database_url, role)
    person, caller = visitor(staff_login), api(staff_login)
    finance = role in {"admin", "finance"}  # they have the finance section; arbitrators get 404 there too
    for endpoint, method, url in routes(app, prefix_api=False):
        if endpoint in PUBLIC_PAGES | STAFF_PAGES | {"auth.logout"} or (finance and endpoint.startswith(("finance.", "finance_payouts.", "finance_reconciliation."))):
            continue
        if role == "admin" and endpoint in ADMIN_ONLY:
            continue
        if role in ("admin", "arbitrator") and endpoint in DESK_PAGES:
            continue
        answer = person.post(url) if method == "POST" else person.get(url)
        assert answer.status_code == 404, (endpoint, method, answer.status_code)
    for endpoint, method, url in routes(app, prefix_api=True):
        if endpoint in PUBLIC_API | {"api_members.me"} or (finance and endpoint.startswith(("api_finance.", "api_settlements."))):
            continue
        if (role == "admin" and endpoint in ADMIN_ONLY) or (role == "arbitrator" and endpoint in ARBITRATOR_ONLY):
            continue
        assert caller.client.open(url, method=method, json={}, headers=caller.headers).status_code == 404, endpoint


def test_pages_carry_no_inline_script_or_style(visitor, member, listing):
    owner = member()
    listing_id = listing(member())
    person = visitor(owner)
    for url in ["/", "/login", "/register", f"/listings/{listing_id}", f"/listings/{listing_id}/propose",
                "/listings/new", "/deals", "/inbox", "/balance", "/profile", f"/businesses/{owner.business_id}",
                "/plans", "/account/verification/", "/staff/verifications/"]:
        page = person.get(url).get_data(as_text=True)
        assert " style=" not in page and "<style" not in page, url
        assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", page)), url
        assert re.search(r" on[a-z]+=", page) is None, url


def test_members_get_404_on_every_admin_only_page_and_call(app, visitor, api, member):
    someone = member()
    person, caller = visitor(someone), api(someone)
    for endpoint, method, url in routes(app, prefix_api=False):
        if endpoint in ADMIN_ONLY:
            answer = person.post(url) if method == "POST" else person.get(url)
            assert answer.status_code == 404, (endpoint, method, answer.status_code)
    for endpoint, method, url in routes(app, prefix_api=True):
        if endpoint in ADMIN_ONLY:
            assert caller.client.open(url, method=method, json={}, headers=caller.headers).status_code == 404, endpoint
