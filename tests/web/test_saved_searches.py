"""Saved searches (the search page's "Save this search", Account → Saved searches, the API) and
their alerts when another business publishes a matching listing."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from activities.saved_search_alerts import SavedSearchAlerts
from integrations.db.app_models import Notification
from integrations.db.session import session_factory
from tests.builders import a_staff_user

SAVED = "/api/v1/saved-searches"


def a_word() -> str:
    """A word no other test's listing has, so a search for it sees only this test's listings."""
    return "zq" + uuid.uuid4().hex[:10]


def publish(client, title: str, category: str = "design", credits_minor: int = 80_00, kind: str = "offer") -> int:
    answer = client.post("/api/v1/listings", {"kind": kind, "title": title, "category": category,
                                              "price": [{"amount_minor": credits_minor, "currency": "CRD"}]})
    assert answer.status_code == 201, answer.json
    return answer.json["id"]


def match_all(database_url: str) -> None:
    alerts = SavedSearchAlerts(database_url)
    while alerts.match_published() > 0:
        pass


def alerts_of(database_url: str, business_id: int) -> list[Notification]:
    with session_factory(database_url)() as session:
        return list(session.scalars(select(Notification).where(
            Notification.business_id == business_id, Notification.kind == "saved_search_alert")
            .order_by(Notification.id)))


def test_a_member_saves_the_search_on_the_page_and_runs_or_deletes_it(visitor, member):
    word, saver = a_word(), member()
    person = visitor(saver)
    page = person.get(f"/listings?q={word}&category=design&price_max=90.50&payment=credits").get_data(as_text=True)
    assert 'data-testid="save-search"' in page
    for hidden in (f'name="q" value="{word}"', 'name="price_max" value="90.50"', 'name="payment" value="credits"'):
        assert f'<input type="hidden" {hidden}>' in page  # the form saves the search on show
    assert 'data-testid="save-search"' not in visitor().get(f"/listings?q={word}").get_data(as_text=True)

    saved = person.post("/account/saved-searches", {"q": word, "category": "design", "price_max": "90.50",
                                                    "payment": "credits", "name": "Cheap logos", "alerts": "digest"})

    assert saved.status_code == 303
    mine = person.get("/account/saved-searches").get_data(as_text=True)
    assert "Cheap logos" in mine and "In my daily digest" in mine
    run = re.search(r'href="([^"]+)" data-testid="run-saved-search"', mine).group(1).replace("&amp;", "&")
    assert f"q={word}" in run and "price_max=90.50" in run and "payment=credits" in run
    assert person.get(run).status_code == 200
    search_id = re.search(r'/account/saved-searches/(\d+)/delete', mine).group(1)
    assert visitor(member()).post(f"/account/saved-searches/{search_id}/delete").status_code == 404
    assert person.post(f"/account/saved-searches/{search_id}/delete").status_code == 303
    assert 'data-testid="no-saved-searches"' in person.get("/account/saved-searches").get_data(as_text=True)


def test_saving_a_malformed_search_on_the_page_is_refused_with_field_errors(visitor, member):
    person = visitor(member())
    refused = person.post("/account/saved-searches", {"q": "logo", "category": "no-such-thing", "alerts": "hourly"})
    assert refused.status_code == 422
    assert "Must be one of" in refused.get_data(as_text=True)
    assert person.client.post("/account/saved-searches", data={"q": "logo"}).status_code == 400  # no CSRF token


def test_saved_searches_through_the_api(api, member, database_url):
    owner = api(member())
    created = owner.post(SAVED, {"name": "", "alerts": "immediate",
                                 "search": {"q": "flyers", "kind": "offer", "price_min": 10_00, "payment": ["cash"]}})
    assert created.status_code == 201
    assert created.json["name"] == "“flyers”"
    assert created.json["search"] == {"q": "flyers", "kind": "offer", "price_min": 10_00, "payment": ["cash"],
                                      "currency": "EUR"}
    listed = owner.get(SAVED).json
    assert [s["id"] for s in listed] == [created.json["id"]]

    for bad in ({"search": {"category": "no-such-thing"}}, {"alerts": "hourly"}, {"search": {"price_min": -1}},
                {"name": "x" * 121}):
        answer = owner.post(SAVED, bad)
        assert answer.status_code == 422, bad
        assert answer.json["errors"]

    other = api(member())
    assert other.get(SAVED).json == []
    delete = lambda client, sid: client.client.delete(f"{SAVED}/{sid}", headers=client.headers)  # noqa: E731
    assert delete(other, created.json["id"]).status_code == 404
    assert delete(owner, created.json["id"]).status_code == 204
    assert delete(owner, created.json["id"]).status_code == 404
    assert api().get(SAVED).status_code == 401
    assert api(a_staff_user(database_url, "finance")).get(SAVED).status_code == 404


def test_a_new_listing_alerts_each_saver_whose_search_shows_it_once(api, member, visitor, database_url):
    word = a_word()
    saver, digest_saver, seller = member(), member(), member()
    designs = api(saver).post(SAVED, {"alerts": "immediate", "search": {"q": word, "category": "design"}}).json
    anything = api(saver).post(SAVED, {"search": {"q": word}}).json
    api(digest_saver).post(SAVED, {"alerts": "digest", "search": {"q": word, "currency": "CRD", "price_max": 50_00}})
    seller_api = api(seller)

    logo = publish(seller_api, f"Logo pack {word}", category="logo-design", credits_minor=80_00)  # design's child
    flyer = publish(seller_api, f"Cheap {word} flyer", category="printing", credits_minor=40_00)
    publish(seller_api, "Something else entirely", category="design")
    publish(api(saver), f"My own {word} logo", category="design")  # never alerts its own publisher
    match_all(database_url)
    match_all(database_url)  # a second pass adds nothing

    alerts = alerts_of(database_url, saver.business_id)
    assert sorted(a.dedupe_key for a in alerts) == sorted([
        f"saved-search:{designs['id']}:listing:{logo}", f"saved-search:{anything['id']}:listing:{logo}",
        f"saved-search:{anything['id']}:listing:{flyer}"])
    first = next(a for a in alerts if a.link == f"/listings/{logo}")
    assert first.subject == f"New for your search “{designs['name']}”: Logo pack {word}"
    assert first.email_status == "pending" and "Logos & identity, 80.00 CRD" in first.body
    assert [(a.link, a.email_status) for a in alerts_of(database_url, digest_saver.business_id)] == \
        [(f"/listings/{flyer}", "digest")]

    inbox = api(saver).get("/api/v1/notifications").json["items"]
    assert any(n["kind"] == "saved_search_alert" and n["link"] == f"/listings/{logo}" for n in inbox)
    assert f'<a href="/listings/{logo}" data-testid="notification-link">' in visitor(saver).get("/inbox").get_data(
        as_text=True)


def test_listings_published_before_the_search_was_saved_do_not_alert(api, member, database_url):
    word, saver, seller = a_word(), member(), member()
    publish(api(seller), f"Old {word} listing")
    api(saver).post(SAVED, {"search": {"q": word}})
    match_all(database_url)
    assert alerts_of(database_url, saver.business_id) == []


def test_a_misspelt_saved_search_alerts_what_the_page_shows_for_it(api, member, visitor, database_url):
    word, saver, seller = "bookkeep" + uuid.uuid4().hex[:6], member(), member()
    typo = word[:2] + word[3:]  # "bokkeep…": matches nothing as typed, so it is read as a typo
    api(saver).post(SAVED, {"search": {"q": typo}})

    listing_id = publish(api(seller), f"Monthly {word}", category="accounting")
    match_all(database_url)

    assert f"/listings/{listing_id}" in visitor().get(f"/listings?q={typo}").get_data(as_text=True)
    assert [a.link for a in alerts_of(database_url, saver.business_id)] == [f"/listings/{listing_id}"]


def test_a_search_for_wants_is_not_alerted_by_an_offer(api, member, database_url):
    word, saver, seller = a_word(), member(), member()
    api(saver).post(SAVED, {"search": {"q": word, "kind": "want"}})
    publish(api(seller), f"Offered {word}", kind="offer")
    wanted = publish(api(seller), f"Wanted {word}", kind="want")
    match_all(database_url)
    assert [a.link for a in alerts_of(database_url, saver.business_id)] == [f"/listings/{wanted}"]
