"""Verification (KYB) on the web and the API, through the real worker: a business submits its
documents, an admin asks for more and approves; the badge, the credit line and the deal-size
limit follow. Bad documents are refused with the reason and nothing of them is stored."""

from __future__ import annotations

import dataclasses
import io

import pytest
from sqlalchemy import func, select

from devstack.ports import free_port
from domain.ledger import member_account
from integrations.db.ledger import Ledger
from integrations.db.session import unit_of_work
from integrations.db.verification_models import VerificationDocument, VerificationRow
from tests.builders import a_staff_user, a_token
from tests.web.conftest import Api, proposal
from web import create_app

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
IDENTITY = {"registration_number": "RCS Lyon 812 345 678", "address": "4 quai Perrache, 69002 Lyon",
            "representative": "Ada Martin, managing director"}


@pytest.fixture
def newcomer(member):
    """A business as registration leaves it: not verified, no credit line."""
    return member(credit_line_minor=0, verified=False)


@pytest.fixture(scope="module")
def admin(database_url):
    return a_staff_user(database_url, "admin")


def send_documents(caller: Api, *files: tuple[str, bytes, str], **fields: str):
    data = {**IDENTITY, **fields, "documents": [(io.BytesIO(body), name, kind) for name, body, kind in files]}
    return caller.client.post("/api/v1/verification", data=data, headers=caller.headers,
                              content_type="multipart/form-data")


def stored(database_url: str, business_id: int) -> tuple[int, str | None]:
    with unit_of_work(database_url) as session:
        documents = session.scalar(select(func.count()).select_from(VerificationDocument)
                                   .where(VerificationDocument.business_id == business_id))
        row = session.get(VerificationRow, business_id)
        return documents, row.status if row else None


def credit_line(database_url: str, business_id: int) -> int | None:
    with unit_of_work(database_url) as session:
        return Ledger(session).balance(member_account(business_id, "CRD")).credit_limit


def test_through_the_api_submit_ask_for_more_answer_and_approve(api, newcomer, admin, database_url):
    me, staff = api(newcomer), api(admin)
    assert me.get("/api/v1/verification").json["status"] == "none"

    sent = send_documents(me, ("extract.pdf", PDF, "application/pdf"), ("id.png", PNG, "image/png"))
    assert sent.status_code == 200, sent.json
    assert sent.json["status"] == "submitted"
    case = staff.get(f"/api/v1/admin/verifications/{newcomer.business_id}").json
    assert case["registration_number"] == IDENTITY["registration_number"]
    assert {d["name"] for d in case["documents"]} == {"extract.pdf", "id.png"}
    digest = next(d["sha256"] for d in case["documents"] if d["name"] == "extract.pdf")
    download = staff.get(f"/api/v1/admin/verifications/{newcomer.business_id}/documents/{digest}")
    assert download.data == PDF and download.headers["Content-Disposition"].startswith("attachment")
    assert newcomer.business_id in [c["business_id"] for c in staff.get("/api/v1/admin/verifications").json["items"]]

    asked = staff.post(f"/api/v1/admin/verifications/{newcomer.business_id}/request-info",
                       {"reason": "The extract is older than three months"})
    assert asked.status_code == 200 and asked.json["status"] == "info_requested"
    mine = me.get("/api/v1/verification").json
    assert mine["status"] == "info_requested" and mine["reason"] == "The extract is older than three months"

    answered = send_documents(me, ("extract-2026.pdf", PDF + b"% new\n", "application/pdf"), note="A fresh one")
    assert answered.status_code == 200 and answered.json["status"] == "submitted"
    approved = staff.post(f"/api/v1/admin/verifications/{newcomer.business_id}/approve", {})
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    assert me.get("/api/v1/verification").json["verified"] is True
    assert credit_line(database_url, newcomer.business_id) == 500_00
    timeline = [e["kind"] for e in me.get("/api/v1/verification").json["timeline"]]
    assert timeline == ["submitted", "info_requested", "resubmitted", "approved"]


@pytest.mark.parametrize("document, reason", [
    (("contract.docx", b"PK\x03\x04" + b"\x00" * 40,
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), "are not accepted"),
    (("notes.txt", b"hello", "text/plain"), "are not accepted"),
    (("scan.pdf", PNG, "application/pdf"), "its content does not match its type"),
    (("huge.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "application/pdf"), "files are limited to 10 MB"),
])
def test_documents_of_a_refused_type_or_size_are_refused_with_the_reason(api, newcomer, database_url, document,
                                                                         reason):
    answer = send_documents(api(newcomer), document)
    assert answer.status_code == 422
    assert reason in answer.json["errors"]["documents"][0]
    assert stored(database_url, newcomer.business_id) == (0, None)  # nothing kept, no case opened


def test_missing_fields_and_documents_get_422_with_field_errors(api, newcomer, database_url):
    me = api(newcomer)
    blank = me.client.post("/api/v1/verification", data={"address": "x"}, headers=me.headers,
                           content_type="multipart/form-data")
    assert blank.status_code == 422
    assert {"registration_number", "representative"} <= set(blank.json["errors"])
    no_files = send_documents(me)
    assert no_files.status_code == 422 and "at least one document" in no_files.json["errors"]["documents"][0]
    assert stored(database_url, newcomer.business_id) == (0, None)


def test_decisions_out_of_turn_get_409_and_a_missing_reason_422(api, newcomer, admin):
    staff = api(admin)
    early = staff.post(f"/api/v1/admin/verifications/{newcomer.business_id}/approve", {})
    assert early.status_code == 409 and "waits for review" in early.json["message"]
    send_documents(api(newcomer), ("extract.pdf", PDF, "application/pdf"))
    unreasoned = staff.post(f"/api/v1/admin/verifications/{newcomer.business_id}/reject", {"reason": ""})
    assert unreasoned.status_code == 422 and unreasoned.json["errors"] == {"reason": ["give the reason, the business "
                                                                                      "reads it"]}
    again = send_documents(api(newcomer), ("other.pdf", PDF + b"%2\n", "application/pdf"))
    assert again.status_code == 409
    assert staff.post("/api/v1/admin/verifications/999999999/approve", {}).status_code == 404


def test_members_and_other_staff_get_404_on_the_queue(api, visitor, member, database_url):
    someone = member()
    for login in (someone, a_staff_user(database_url, "finance"), a_staff_user(database_url, "arbitrator")):
        assert api(login).get("/api/v1/admin/verifications").status_code == 404
        assert visitor(login).get("/staff/verifications/").status_code == 404
        assert visitor(login).get(f"/staff/verifications/{someone.business_id}").status_code == 404


def test_pages_submit_and_review_with_the_badge_after_approval(visitor, newcomer, admin, database_url):
    person, staff = visitor(newcomer), visitor(admin)
    page = person.get("/account/verification/").get_data(as_text=True)
    assert 'data-status="none"' in page and 'enctype="multipart/form-data"' in page
    refused = person.post("/account/verification/", {**IDENTITY, "documents": (io.BytesIO(b"MZ"), "tool.exe",
                                                                                "application/octet-stream")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "are not accepted" in refused.get_data(as_text=True)
    sent = person.post("/account/verification/", {**IDENTITY, "documents": (io.BytesIO(PDF), "extract.pdf",
                                                                             "application/pdf")},
                       content_type="multipart/form-data")
    assert sent.status_code == 303

    queue = staff.get("/staff/verifications/").get_data(as_text=True)
    assert f'data-business="{newcomer.business_id}"' in queue
    assert "extract.pdf" in staff.get(f"/staff/verifications/{newcomer.business_id}").get_data(as_text=True)
    profile = f"/businesses/{newcomer.business_id}"
    assert 'data-testid="verified-badge"' not in person.get(profile).get_data(as_text=True)
    decided = staff.post(f"/staff/verifications/{newcomer.business_id}/approve", {})
    assert decided.status_code == 303
    assert 'data-status="approved"' in person.get("/account/verification/").get_data(as_text=True)
    assert 'data-testid="verified-badge"' in person.get(profile).get_data(as_text=True)
    again = person.post("/account/verification/", {**IDENTITY}, headers={"Referer": "/account/verification/"})
    assert again.status_code == 303  # refused (409) on a form: flashed and sent back
    assert "there is nothing to submit now" in person.get("/account/verification/").get_data(as_text=True)


def test_unverified_businesses_are_held_to_small_deals(api, member, newcomer, listing, admin):
    seller = member()
    big_listing, small_listing = listing(seller, price_minor=900_00), listing(seller, price_minor=200_00)
    buyer = api(newcomer)
    big = buyer.post("/api/v1/deals", proposal(big_listing, price_minor=900_00))
    assert big.status_code == 409
    assert "your business is not verified" in big.json["message"] and "250.00 CRD" in big.json["message"]
    small = buyer.post("/api/v1/deals", proposal(small_listing, price_minor=200_00))
    assert small.status_code == 201, small.json
    # A verified seller cannot raise an unverified buyer's deal past the limit either.
    raised = api(seller).post(f"/api/v1/deals/{small.json['deal_id']}/actions/counter",
                              {"price": [{"amount_minor": 400_00, "currency": "CRD"}]})
    assert raised.status_code == 409 and newcomer.name in raised.json["message"]

    send_documents(buyer, ("extract.pdf", PDF, "application/pdf"))
    api(admin).post(f"/api/v1/admin/verifications/{newcomer.business_id}/approve", {})
    assert buyer.post("/api/v1/deals", proposal(big_listing, price_minor=900_00)).status_code == 201


def test_with_the_workflow_service_away_a_submission_answers_503_and_keeps_nothing(settings, database_url,
                                                                                 newcomer):
    closed = dataclasses.replace(settings, temporal_address=f"127.0.0.1:{free_port()}")
    app = create_app(closed, config={"TESTING": True, "ARGON2_FAST": True})
    answer = send_documents(Api(app.test_client(), a_token(database_url, newcomer.user_id)),
                            ("extract.pdf", PDF, "application/pdf"))
    assert answer.status_code == 503 and "try again" in answer.json["message"]
    assert stored(database_url, newcomer.business_id) == (0, None)
