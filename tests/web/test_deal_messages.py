"""The deal's message thread, through the API and the deal page, on the real stack: the parties
write and read, the other party is notified once per message, strangers get 404, a bad message
422, a closed thread 409; once disputed, the case's arbitrator reads it, and it is in the
evidence pack (JSON and HTML)."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from domain.dispute_policy import DisputePolicy
from domain.messages import MAX_MESSAGE
from integrations.db.app_models import DealRow
from integrations.db.message_models import DealMessageRow
from integrations.db.session import unit_of_work
from tests.web.conftest import Api, proposal
from tests.web.dispute_setup import login_for
from tests.web.test_deals_api import act
from tests.web.test_disputes_api import OPEN, as_user, delivered_deal
from tests.workflows.dispute_driver import an_arbitrator
from web import create_app

REQUEST_ID = re.compile(r'name="request_id" value="([^"]+)"')
# Settlement talks of two seconds: the case reaches evidence, and its arbitrator, at once.
TALKS_SHORT = DisputePolicy(settlement_talks_s=2, evidence_s=600, ruling_sla_s=3_600, appeal_window_s=600)


@pytest.fixture
def proposed(app, database_url, member, listing):
    """A deal the buyer has proposed; both parties' API clients and logins."""
    seller, buyer = member(), member()
    seller_api, buyer_api = as_user(app, database_url, seller.user_id), as_user(app, database_url, buyer.user_id)
    answer = buyer_api.post("/api/v1/deals", proposal(listing(seller)))
    assert answer.status_code == 201, answer.json
    return answer.json["deal_id"], buyer_api, seller_api, buyer, seller


def messages(caller: Api, deal_id: str):
    return caller.get(f"/api/v1/deals/{deal_id}/messages")


def message_notices(caller: Api, deal_id: str) -> list[dict]:
    return [n for n in caller.get("/api/v1/notifications").json["items"]
            if n["kind"] == "message" and n["deal_id"] == deal_id]


def test_the_parties_talk_through_the_api_and_the_other_side_is_notified_once(proposed, api, member):
    deal_id, buyer_api, seller_api, buyer, seller = proposed
    sent = buyer_api.post(f"/api/v1/deals/{deal_id}/messages",
                          {"body": "  Could the drafts come as SVG too?\nThanks ", "request_id": "q-1"})
    assert sent.status_code == 201, sent.json
    assert sent.json["body"] == "Could the drafts come as SVG too?\nThanks"
    again = buyer_api.post(f"/api/v1/deals/{deal_id}/messages", {"body": "Could the drafts come as SVG too?",
                                                                 "request_id": "q-1"})
    assert again.status_code == 201 and again.json["id"] == sent.json["id"]  # a retry, not a second message
    reply = seller_api.post(f"/api/v1/deals/{deal_id}/messages", {"body": "Yes, SVG and PDF."})
    assert reply.status_code == 201

    thread = messages(seller_api, deal_id).json
    assert [(m["author_name"], m["body"]) for m in thread["items"]] == [
        (buyer.name, "Could the drafts come as SVG too?\nThanks"), (seller.name, "Yes, SVG and PDF.")]
    assert thread["open"] is True and thread["closes_at"] is None
    assert messages(buyer_api, deal_id).json == thread

    to_seller = message_notices(seller_api, deal_id)
    assert len(to_seller) == 1 and to_seller[0]["body"] == f"{buyer.name}: Could the drafts come as SVG too?\nThanks"
    assert "New message on" in to_seller[0]["subject"]
    assert [n["body"] for n in message_notices(buyer_api, deal_id)] == [f"{seller.name}: Yes, SVG and PDF."]

    stranger = api(member())
    assert messages(stranger, deal_id).status_code == 404
    assert stranger.post(f"/api/v1/deals/{deal_id}/messages", {}).status_code == 404  # 404 before any 422
    assert stranger.post(f"/api/v1/deals/{deal_id}/messages", {"body": "Hello"}).status_code == 404
    assert messages(api(), deal_id).status_code == 401


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": " \n "}, {"body": "x" * (MAX_MESSAGE + 1)},
                                  {"body": "bell\x07"}])
def test_an_empty_or_oversized_message_is_refused_with_its_field_and_nothing_is_stored(proposed, body):
    deal_id, buyer_api, *_ = proposed
    refused = buyer_api.post(f"/api/v1/deals/{deal_id}/messages", body)
    assert refused.status_code == 422 and "body" in refused.json["errors"], refused.json
    assert messages(buyer_api, deal_id).json["items"] == []


def test_the_longest_message_is_kept_whole(proposed):
    deal_id, buyer_api, *_ = proposed
    assert buyer_api.post(f"/api/v1/deals/{deal_id}/messages", {"body": "y" * MAX_MESSAGE}).status_code == 201
    assert messages(buyer_api, deal_id).json["items"][0]["body"] == "y" * MAX_MESSAGE


def test_the_thread_of_an_ended_deal_closes_thirty_days_later(proposed, database_url):
    deal_id, buyer_api, seller_api, *_ = proposed
    assert act(seller_api, deal_id, "decline", {"note": "Booked until spring"}).status_code == 200
    assert buyer_api.post(f"/api/v1/deals/{deal_id}/messages", {"body": "Maybe in April then?"}).status_code == 201
    ended_long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=31)).isoformat()
    with unit_of_work(database_url) as session:
        row = session.get(DealRow, deal_id)
        session.execute(update(DealRow).where(DealRow.deal_id == deal_id).values(
            state={**row.state, "stage_since": ended_long_ago}))
    late = buyer_api.post(f"/api/v1/deals/{deal_id}/messages", {"body": "Hello again"})
    assert late.status_code == 409 and "can only be read" in late.json["message"]
    thread = messages(buyer_api, deal_id).json
    assert thread["open"] is False and [m["body"] for m in thread["items"]] == ["Maybe in April then?"]


def test_messages_are_append_only_in_the_database(proposed, database_url):
    deal_id, buyer_api, *_ = proposed
    assert buyer_api.post(f"/api/v1/deals/{deal_id}/messages", {"body": "On the record"}).status_code == 201
    with pytest.raises(DBAPIError, match="never changed"), unit_of_work(database_url) as session:
        session.execute(update(DealMessageRow).where(DealMessageRow.deal_id == deal_id).values(body="Edited"))
    with unit_of_work(database_url) as session:
        assert session.scalars(select(DealMessageRow.body).where(DealMessageRow.deal_id == deal_id)).all() \
            == ["On the record"]


def test_on_the_deal_page_a_party_reads_and_writes_with_the_form(proposed, visitor, member):
    deal_id, buyer_api, _seller_api, buyer, seller = proposed
    assert buyer_api.post(f"/api/v1/deals/{deal_id}/messages", {"body": "Is Tuesday fine for a call?"}).status_code == 201
    page = visitor(seller)
    html = page.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert "Is Tuesday fine for a call?" in html and 'data-testid="form-message"' in html
    request_id = REQUEST_ID.search(html).group(1)

    sent = page.post(f"/deals/{deal_id}/messages", {"body": "Tuesday <b>10:00</b> works.", "request_id": request_id})
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/deals/{deal_id}#messages")
    double = page.post(f"/deals/{deal_id}/messages", {"body": "Tuesday <b>10:00</b> works.", "request_id": request_id})
    assert double.status_code == 303
    shown = page.get(f"/deals/{deal_id}").get_data(as_text=True)
    assert shown.count("Tuesday &lt;b&gt;10:00&lt;/b&gt; works.") == 1  # escaped, and posted once

    empty = page.post(f"/deals/{deal_id}/messages", {"body": "   ", "request_id": "r-empty"})
    assert empty.status_code == 422 and "Write a message first." in empty.get_data(as_text=True)
    too_long = page.post(f"/deals/{deal_id}/messages", {"body": "z" * (MAX_MESSAGE + 1), "request_id": "r-long"})
    assert too_long.status_code == 422 and "z" * (MAX_MESSAGE + 1) in too_long.get_data(as_text=True)  # kept to fix
    no_csrf = page.client.post(f"/deals/{deal_id}/messages", data={"body": "Hi", "request_id": "r-csrf"})
    assert no_csrf.status_code == 400
    assert len(buyer_api.get(f"/api/v1/deals/{deal_id}/messages").json["items"]) == 2

    outsider = visitor(member())
    assert outsider.get(f"/deals/{deal_id}").status_code == 404
    assert outsider.post(f"/deals/{deal_id}/messages", {"body": "Hi", "request_id": "r-x"}).status_code == 404


@pytest.fixture(scope="module")
def talks_short_app(settings):
    return create_app(settings, config={"TESTING": True, "ARGON2_FAST": True, "DISPUTE_POLICY": TALKS_SHORT})


def wait_for_arbitrator(caller: Api, deal_id: str, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while (arbitrator := caller.get(f"/api/v1/deals/{deal_id}/dispute").json["arbitrator"]) is None:
        assert time.monotonic() < deadline, "no arbitrator was assigned"
        time.sleep(0.2)
    return arbitrator["id"]


def test_once_disputed_the_arbitrator_reads_the_thread_and_it_is_in_the_evidence_pack(
        talks_short_app, database_url, member, listing, visitor):
    an_arbitrator(database_url)
    deal_id, buyer_api, seller_api, *_ = delivered_deal(talks_short_app, database_url, member, listing)
    assert seller_api.post(f"/api/v1/deals/{deal_id}/messages", {"body": "All three drafts are in the zip."}).status_code == 201
    assert buyer_api.post(f"/api/v1/deals/{deal_id}/messages", {"body": "The zip holds one draft."}).status_code == 201
    arbitrator_id = wait_for_arbitrator(buyer_api, deal_id) if buyer_api.post(
        f"/api/v1/deals/{deal_id}/dispute", OPEN).status_code == 201 else None
    assert arbitrator_id is not None

    judge = as_user(talks_short_app, database_url, arbitrator_id)
    read = messages(judge, deal_id)
    assert read.status_code == 200 and [m["body"] for m in read.json["items"]] == [
        "All three drafts are in the zip.", "The zip holds one draft."]
    assert judge.post(f"/api/v1/deals/{deal_id}/messages", {"body": "Staff never write here"}).status_code == 404
    other_arbitrator = as_user(talks_short_app, database_url, an_arbitrator(database_url))
    assert messages(other_arbitrator, deal_id).status_code == 404

    desk = visitor(login_for(database_url, arbitrator_id)).get(f"/desk/cases/{deal_id}").get_data(as_text=True)
    assert "The zip holds one draft." in desk and 'data-testid="form-message"' not in desk

    pack = seller_api.get(f"/api/v1/deals/{deal_id}/dispute/pack").json
    assert [(m["side"], m["body"]) for m in pack["messages"]] == [
        ("seller", "All three drafts are in the zip."), ("buyer", "The zip holds one draft.")]
    html = buyer_api.get(f"/api/v1/deals/{deal_id}/dispute/pack.html").get_data(as_text=True)
    assert "Messages between the parties" in html and "The zip holds one draft." in html
