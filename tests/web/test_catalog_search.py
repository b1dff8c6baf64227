"""The search page and GET /api/v1/listings with filters; publishing delivery and lead time;
the admin's category tree. Bad filters: left out on the page, 422 with field errors in the API."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from integrations.db.app_models import Category
from integrations.db.session import unit_of_work
from tests.builders import a_staff_user


def word() -> str:
    return "qz" + uuid.uuid4().hex[:8]


def found_ids(answer) -> list[int]:
    assert answer.status_code == 200, answer.json
    return [item["id"] for item in answer.json["items"]]


def test_the_api_filters_sorts_and_shows_delivery_and_rating_fields(client, member, listing):
    owner, w = member(), word()
    lyon_cash = listing(owner, title=f"{w} print", category="business-cards", price_minor=None, cash_minor=80_00,
                        delivery_mode="on_site", city="Lyon", lead_time_days=3)
    remote_cash = listing(owner, title=f"{w} design", category="printing", price_minor=None, cash_minor=40_00)
    listing(owner, title=f"{w} credits", category="printing", price_minor=40_00)
    answer = client.get("/api/v1/listings", query_string={
        "q": w, "category": "printing", "payment": "cash", "currency": "EUR", "price_max": 100_00,
        "sort": "price_desc"})
    assert found_ids(answer) == [lyon_cash, remote_cash]
    first = answer.json["items"][0]
    assert (first["delivery_mode"], first["city"], first["lead_time_days"]) == ("on_site", "Lyon", 3)
    assert first["category"]["slug"] == "business-cards" and first["rating"] is None
    on_site = client.get("/api/v1/listings", query_string={"q": w, "delivery": "on_site", "city": "LYON"})
    assert found_ids(on_site) == [lyon_cash]
    several = client.get(f"/api/v1/listings?q={w}&payment=cash&payment=credits&sort=price_asc")
    assert len(found_ids(several)) == 3


def test_verified_only_on_the_search_page_and_in_the_api(client, member, listing):
    w = word()
    verified = listing(member(), title=f"{w} verified")
    unverified = listing(member(verified=False, credit_line_minor=0), title=f"{w} unverified")
    every = client.get("/api/v1/listings", query_string={"q": w})
    assert set(found_ids(every)) == {verified, unverified}
    assert {i["id"]: i["business_verified"] for i in every.json["items"]} == {verified: True, unverified: False}
    assert found_ids(client.get("/api/v1/listings", query_string={"q": w, "verified": "true"})) == [verified]
    page = client.get(f"/listings?q={w}&verified=true").get_data(as_text=True)
    assert f"/listings/{verified}\"" in page and f"/listings/{unverified}\"" not in page
    assert 'data-testid="filter-verified" checked' in page
    both = client.get(f"/listings?q={w}").get_data(as_text=True)
    assert f"/listings/{unverified}\"" in both and both.count('data-testid="verified-badge"') == 1
    assert client.get(f"/api/v1/listings/{verified}").json["business_verified"] is True


@pytest.mark.parametrize(("query", "field"), [
    ({"verified": "perhaps"}, "verified"),
    ({"sort": "cheapest"}, "sort"),
    ({"category": "no-such-category"}, "category"),
    ({"price_min": -1}, "price_min"),
    ({"price_min": 500, "price_max": 100}, "price_min"),
    ({"price_max": "lots"}, "price_max"),
    ({"currency": "USD"}, "currency"),
    ({"payment": "gold"}, "payment"),
    ({"min_rating": 9}, "min_rating"),
    ({"min_rating": "nan"}, "min_rating"),
    ({"delivery": "teleport"}, "delivery"),
    ({"city": "c" * 81}, "city"),
    ({"per_page": 1000}, "per_page"),
])
def test_the_api_refuses_bad_filters_with_field_errors(client, query, field):
    answer = client.get("/api/v1/listings", query_string=query)
    assert answer.status_code == 422 and field in str(answer.json["errors"]), answer.json


@pytest.mark.parametrize("query", [
    "sort=cheapest", "category=no-such-category", "price_min=abc", "price_min=9&price_max=1", "min_rating=99",
    "payment=gold", "currency=XXX", "page=-4", "q=%3Cscript%3Ealert(1)%3C/script%3E&sort=' OR 1=1 --",
])
def test_the_search_page_leaves_out_a_bad_filter_and_still_answers(client, query):
    answer = client.get(f"/listings?{query}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<script>alert(1)</script>" not in page
    assert 'data-testid="filter-error-' in page or "page=-4" in query


def test_the_search_page_filters_and_keeps_the_filters_in_its_pager(app, client, member, listing):
    owner, w = member(), word()
    per_page = app.config["LISTINGS_PER_PAGE"]
    ids = [listing(owner, title=f"{w} flyers {n}", delivery_mode="on_site", city="Annecy")
           for n in range(per_page + 1)]
    listing(owner, title=f"{w} remote flyers")
    page = client.get(f"/listings?q={w}&delivery=on_site&city=Annecy&sort=newest").get_data(as_text=True)
    assert f"/listings/{ids[-1]}\"" in page and "remote flyers" not in page and "On site in Annecy" in page
    next_link = page.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    assert "city=Annecy" in next_link and "delivery=on_site" in next_link and "page=2" in next_link
    assert f"/listings/{ids[0]}\"" in client.get(next_link).get_data(as_text=True)


def test_the_search_page_converts_decimal_prices(client, member, listing):
    owner, w = member(), word()
    inside = listing(owner, title=f"{w} a", price_minor=None, cash_minor=120_50)
    outside = listing(owner, title=f"{w} b", price_minor=None, cash_minor=130_00)
    page = client.get(f"/listings?q={w}&currency=EUR&price_min=120.50&price_max=125").get_data(as_text=True)
    assert f"/listings/{inside}\"" in page and f"/listings/{outside}\"" not in page


def test_a_member_publishes_an_on_site_listing_with_a_lead_time(visitor, api, member, client):
    person, w = member(), word()
    answer = visitor(person).post("/listings/new", {
        "kind": "offer", "title": f"{w} plumbing", "category": "plumbing", "price_cash": "90",
        "delivery_mode": "on_site", "city": "Grenoble", "lead_time_days": "2"})
    assert answer.status_code == 303
    assert "On site in Grenoble · ready in 2 days" in client.get(answer.headers["Location"]).get_data(as_text=True)
    created = api(person).post("/api/v1/listings", {
        "title": f"{w} remote fix", "category": "it-support", "open_to_barter": True, "lead_time_days": 0})
    assert created.status_code == 201
    assert (created.json["delivery_mode"], created.json["city"], created.json["lead_time_days"]) == ("remote", "", 0)


@pytest.mark.parametrize(("change", "field"), [
    ({"delivery_mode": "on_site"}, "city"),
    ({"delivery_mode": "on_site", "city": "   "}, "city"),
    ({"delivery_mode": "by-pigeon"}, "delivery_mode"),
    ({"lead_time_days": "366"}, "lead_time_days"),
    ({"lead_time_days": "-1"}, "lead_time_days"),
    ({"lead_time_days": "soon"}, "lead_time_days"),
    ({"city": "c" * 81, "delivery_mode": "on_site"}, "city"),
    ({"description": "d" * 20_000}, "description"),
    ({"price_cash": "99999999999"}, "price_cash"),
])
def test_publishing_refuses_bad_delivery_and_text_with_field_errors(visitor, member, change, field):
    form = {"kind": "offer", "title": "Flyers", "category": "printing", "price_credits": "50.00", **change}
    answer = visitor(member()).post("/listings/new", form)
    assert answer.status_code == 422 and f'data-testid="error-{field}"' in answer.get_data(as_text=True)


def test_the_categories_api_returns_the_tree(client):
    tree = client.get("/api/v1/categories").json
    by_slug = {c["slug"]: c for c in tree}
    assert by_slug["payroll"]["parent_id"] == by_slug["accounting"]["id"] and by_slug["payroll"]["depth"] == 1
    assert by_slug["accounting"]["parent_id"] is None
    slugs = [c["slug"] for c in tree]
    assert slugs.index("accounting") < slugs.index("payroll")


def category_id(database_url: str, slug: str) -> int | None:
    with unit_of_work(database_url) as session:
        return session.scalar(select(Category.id).where(Category.slug == slug))


def test_only_admins_manage_categories(visitor, member, database_url, client):
    assert client.get("/staff/categories").status_code == 302  # to log in
    assert visitor(member()).get("/staff/categories").status_code == 404
    assert visitor(a_staff_user(database_url, "finance")).get("/staff/categories").status_code == 404
    assert visitor(member()).post("/staff/categories", {"name": "Sneaky", "slug": "sneaky"}).status_code == 404
    assert category_id(database_url, "sneaky") is None


def test_an_admin_adds_renames_and_moves_categories_and_search_follows(visitor, database_url, client, member,
                                                                       listing):
    admin = visitor(a_staff_user(database_url, "admin"))
    slug, w = f"drones-{uuid.uuid4().hex[:6]}", word()
    assert admin.post("/staff/categories", {"name": "Drone filming", "slug": slug, "parent": "video"}).status_code == 303
    listing(member(), title=f"{w} aerial shots", category=slug)
    assert len(found_ids(client.get("/api/v1/listings", query_string={"q": w, "category": "photography"}))) == 1
    moved = admin.post(f"/staff/categories/{category_id(database_url, slug)}", {"name": "Drones", "parent": "it"})
    assert moved.status_code == 303
    assert found_ids(client.get("/api/v1/listings", query_string={"q": w, "category": "photography"})) == []
    assert len(found_ids(client.get("/api/v1/listings", query_string={"q": w, "category": "it"}))) == 1
    assert ">— Drones<" in admin.get("/staff/categories").get_data(as_text=True)


@pytest.mark.parametrize(("form", "field"), [
    ({"name": "Again", "slug": "design"}, "slug"),
    ({"name": "Bad slug", "slug": "Not A Slug"}, "slug"),
    ({"name": "Long", "slug": "s" * 61}, "slug"),
    ({"name": "", "slug": "no-name"}, "name"),
    ({"name": "Orphan", "slug": "orphan-x", "parent": "no-such-parent"}, "parent"),
])
def test_adding_a_category_refuses_bad_input(visitor, database_url, form, field):
    admin = visitor(a_staff_user(database_url, "admin"))
    with unit_of_work(database_url) as session:
        before = session.scalar(select(func.count()).select_from(Category))
    answer = admin.post("/staff/categories", form)
    assert answer.status_code == 422 and f'data-testid="error-{field}"' in answer.get_data(as_text=True)
    with unit_of_work(database_url) as session:
        assert session.scalar(select(func.count()).select_from(Category)) == before


def test_a_category_cannot_move_under_its_own_subcategory(visitor, database_url):
    admin = visitor(a_staff_user(database_url, "admin"))
    top, child = f"top-{uuid.uuid4().hex[:6]}", f"child-{uuid.uuid4().hex[:6]}"
    admin.post("/staff/categories", {"name": "Top", "slug": top})
    admin.post("/staff/categories", {"name": "Child", "slug": child, "parent": top})
    top_id = category_id(database_url, top)
    for parent in (child, top):
        answer = admin.post(f"/staff/categories/{top_id}", {"name": "Top", "parent": parent})
        assert answer.status_code == 422 and "cannot move under itself" in answer.get_data(as_text=True)
    assert admin.post("/staff/categories/999999999", {"name": "Ghost"}).status_code == 404
