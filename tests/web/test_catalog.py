"""Browsing, searching and publishing listings; business profiles; categories."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Engine, event, func, select

from integrations.db.app_models import Listing
from integrations.db.session import unit_of_work


def count_listings(database_url: str) -> int:
    with unit_of_work(database_url) as session:
        return session.scalar(select(func.count()).select_from(Listing))


def test_browsing_is_newest_first_and_paginated(app, client, member, listing):
    owner = member()
    titles = [f"Paged listing {uuid.uuid4().hex[:6]} #{n}" for n in range(app.config["LISTINGS_PER_PAGE"] + 1)]
    for title in titles:
        listing(owner, title=title)
    first = client.get("/").get_data(as_text=True)
    assert titles[-1] in first and titles[0] not in first  # newest first; the oldest is on page 2
    assert 'rel="next"' in first
    assert titles[0] in client.get("/listings?page=2").get_data(as_text=True)
    assert client.get("/listings?page=nonsense").status_code == 200


def test_search_ranks_matches_and_finds_partial_title_words(client, member, listing):
    owner = member()
    word = f"zebrawood{uuid.uuid4().hex[:6]}"
    best = listing(owner, title=f"{word} carpentry", description=f"Fine {word} {word} furniture")
    other = listing(owner, title="Carpentry for offices", description=f"Uses {word} sometimes")
    unrelated = listing(owner, title="Bookkeeping")
    page = client.get(f"/listings?q={word}").get_data(as_text=True)
    assert page.index(f"/listings/{best}") < page.index(f"/listings/{other}")
    assert f"/listings/{unrelated}\"" not in page
    partial = client.get(f"/listings?q={word[:7]}").get_data(as_text=True)  # not a whole word
    assert f"/listings/{best}" in partial


@pytest.mark.parametrize("query", ["", " ", "x" * 1000, "x" * 10_000, "logo design " * 900,
                                   "'; DROP TABLE listings; --", "<script>alert(1)</script>",
                                   "a\x00b", "%_\\", "\"unbalanced", "-", "!!!", "the"])
def test_search_is_safe_for_any_query(client, database_url, query):
    before = count_listings(database_url)
    answer = client.get("/listings", query_string={"q": query})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "<script>alert(1)</script>" not in page
    assert count_listings(database_url) == before
    api_answer = client.get("/api/v1/listings", query_string={"q": query})
    assert api_answer.status_code == 200 and "items" in api_answer.json


def test_a_very_long_query_reaches_the_database_cut_short_as_a_few_bound_parameters(client):
    """Fast by construction: ten thousand characters cost what two hundred do (the text is cut,
    and at most eight of its words are looked up), and never enter the SQL text itself."""
    typed = "bookkeeping' OR 1=1 -- <b>" + " payroll" * 1250
    sent: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        sent.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        answers = [client.get("/listings", query_string={"q": typed}),
                   client.get("/api/v1/listings", query_string={"q": typed})]
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert [a.status_code for a in answers] == [200, 200]
    assert sent and not any("payroll" in statement or "1=1" in statement for statement, _ in sent)
    values = [v for _, parameters in sent if isinstance(parameters, dict) for v in parameters.values()]
    assert max(len(v) for v in values if isinstance(v, str)) <= 202  # 200, and a LIKE pattern's two %
    assert max((len(v) for v in values if isinstance(v, list)), default=0) <= 8


def test_a_search_query_is_shown_escaped_and_cut_to_200_characters(client):
    page = client.get("/listings", query_string={"q": "<b>bold</b> " + "y" * 500}).get_data(as_text=True)
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    shown = page.split('data-testid="search-query">')[1].split("<")[0]
    assert len(shown.replace("&lt;", "<").replace("&gt;", ">")) == 200


def test_listing_page_and_business_profile(client, member, listing):
    owner = member(city="Annecy")
    listing_id = listing(owner, title="Menu design", price_minor=120_50)
    page = client.get(f"/listings/{listing_id}").get_data(as_text=True)
    assert "Menu design" in page and "120.50 CRD" in page
    profile = client.get(f"/businesses/{owner.business_id}").get_data(as_text=True)
    assert owner.name in profile and "Annecy" in profile and "Menu design" in profile
    assert client.get("/listings/999999999").status_code == 404
    assert client.get("/businesses/999999999").status_code == 404


def test_publishing_needs_a_member(visitor, client, member):
    assert client.get("/listings/new").status_code == 302
    assert visitor(member()).get("/listings/new").status_code == 200


def test_a_member_publishes_a_listing_with_a_decimal_price(visitor, member, client):
    person = visitor(member())
    answer = person.post("/listings/new", {"kind": "want", "title": "Bookkeeping help", "description": "Q3",
                                           "category": "accounting", "price_credits": "120.5"})
    assert answer.status_code == 303
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Bookkeeping help" in shown and "120.50 CRD" in shown and "Wanted" in shown


@pytest.mark.parametrize(("field", "value", "message"), [
    ("price_credits", "-5", "greater than zero"),
    ("price_credits", "0", "greater than zero"),
    ("price_credits", "0.00", "greater than zero"),
    ("price_credits", "10.005", "two decimals"),
    ("price_credits", "1000000.01", "1,000,000.00"),
    ("price_credits", "1e3", "like 120.00"),
    ("price_credits", "NaN", "like 120.00"),
    ("price_credits", "twelve", "like 120.00"),
    ("price_cash", "-1", "greater than zero"),
    ("price_cash", "1000000.01", "1,000,000.00 euros"),
    ("price", "", "Give a price in cash, in credits or both"),
    ("category", "no-such-category", "Choose one of the listed categories"),
    ("title", "x" * 201, "Length must be between"),
    ("title", "", "Missing data"),
])
def test_publishing_refuses_bad_input_with_field_errors(visitor, member, database_url, field, value, message):
    person = visitor(member())
    form = {"kind": "offer", "title": "Flyers", "category": "printing", "price_credits": "50.00", field: value}
    if field == "price":  # no price at all, and not open to barter
        del form["price_credits"]
    before = count_listings(database_url)
    answer = person.post("/listings/new", form)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert f'data-testid="error-{field}"' in page and message in page
    assert count_listings(database_url) == before


@pytest.mark.parametrize(("price", "field"), [
    ({"amount_minor": -100, "currency": "CRD"}, "price.amount_minor"),
    ({"amount_minor": 0, "currency": "CRD"}, "price.amount_minor"),
    ({"amount_minor": 12.5, "currency": "CRD"}, "price.amount_minor"),
    ({"amount_minor": 10**14, "currency": "CRD"}, "price.amount_minor"),
    ({"amount_minor": 100, "currency": "USD"}, "price.currency"),
    ([{"amount_minor": 100, "currency": "CRD"}, {"amount_minor": 200, "currency": "CRD"}], "price"),
    (None, "price"),
    ({"amount_minor": "100", "currency": "CRD"}, "price.amount_minor"),
])
def test_the_api_refuses_bad_listing_prices(api, member, price, field):
    body = {"title": "Flyers", "category": "printing", "price": price}
    if price is None:
        del body["price"]
    answer = api(member()).post("/api/v1/listings", body)
    assert answer.status_code == 422 and field in answer.json["errors"], answer.json


@pytest.mark.parametrize(("change", "field"), [
    ({"category": "no-such-category"}, "category"),
    ({"category": ""}, "category"),
    ({"title": "t" * 201}, "title"),
    ({"title": "ab"}, "title"),
    ({"description": "d" * 20_001}, "description"),
    ({"city": "c" * 81, "delivery_mode": "on_site"}, "city"),
    ({"kind": "gift"}, "kind"),
    ({"price": {"amount_minor": -1, "currency": "EUR"}}, "price.amount_minor"),
    ({"price": {"amount_minor": 10**18, "currency": "EUR"}}, "price.amount_minor"),
])
def test_the_api_refuses_a_bad_listing_with_field_errors(api, member, database_url, change, field):
    before = count_listings(database_url)
    body = {"title": "Flyers", "category": "printing", "price": {"amount_minor": 50_00, "currency": "CRD"}, **change}
    answer = api(member()).post("/api/v1/listings", body)
    assert answer.status_code == 422 and field in answer.json["errors"], answer.json
    assert count_listings(database_url) == before


def test_the_api_publishes_reads_and_searches_listings(api, member, client):
    caller = api(member())
    word = f"quokka{uuid.uuid4().hex[:6]}"
    created = caller.post("/api/v1/listings", {"kind": "offer", "title": f"{word} illustrations",
                                                "category": "design", "price": {"amount_minor": 75_00, "currency": "CRD"}})
    assert created.status_code == 201
    assert created.json["price"] == [{"amount_minor": 75_00, "currency": "CRD", "display": "75.00 CRD"}]
    read = client.get(f"/api/v1/listings/{created.json['id']}")
    assert read.status_code == 200 and read.json["category"]["slug"] == "design"
    found = client.get("/api/v1/listings", query_string={"q": word}).json
    assert [item["id"] for item in found["items"]] == [created.json["id"]]
    unknown = caller.post("/api/v1/listings", {"title": "X listing", "category": "nope",
                                               "price": {"amount_minor": 1, "currency": "CRD"}, "color": "red"})
    assert unknown.status_code == 422 and "color" in unknown.json["errors"]
    assert api().post("/api/v1/listings", {}).status_code == 401


def test_categories_and_public_business_profile_in_the_api(client, member, listing):
    slugs = [c["slug"] for c in client.get("/api/v1/categories").json]
    assert "design" in slugs and "accounting" in slugs
    owner = member()
    listing(owner, title="Signage")
    profile = client.get(f"/api/v1/businesses/{owner.business_id}").json
    assert profile["name"] == owner.name and [item["title"] for item in profile["listings"]] == ["Signage"]
    assert client.get("/api/v1/businesses/999999999").status_code == 404


def test_a_listing_may_ask_cash_credits_both_or_barter(visitor, member, client):
    person = visitor(member())
    for form, shown in (({"price_cash": "700", "price_credits": "500"}, "700.00 EUR + 500.00 CRD"),
                        ({"price_cash": "80"}, "80.00 EUR"),
                        ({"open_to_barter": "on"}, "barter"),
                        ({"price_credits": "45", "open_to_barter": "on"}, "45.00 CRD or barter")):
        answer = person.post("/listings/new", {"kind": "offer", "title": "Flyer printing", "category": "printing",
                                               **form})
        assert answer.status_code == 303, form
        page = client.get(answer.headers["Location"]).get_data(as_text=True)
        assert f'data-testid="listing-price">{shown}<' in page


def test_the_api_takes_a_hybrid_price_as_a_list(api, member):
    created = api(member()).post("/api/v1/listings", {
        "title": "Website", "category": "it", "open_to_barter": True,
        "price": [{"amount_minor": 700_00, "currency": "EUR"}, {"amount_minor": 500_00, "currency": "CRD"}]})
    assert created.status_code == 201, created.json
    assert [p["display"] for p in created.json["price"]] == ["700.00 EUR", "500.00 CRD"]
    assert created.json["open_to_barter"] is True
