"""A listing's optional picture or brochure: PNG, JPEG or PDF, at most 5 MB, its type read from
its content. Refused files answer 422 with the reason, on the publish form and in the API, and
nothing is stored."""

from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import func, select

from integrations.db.app_models import Listing
from integrations.db.catalog_models import ListingAttachment
from integrations.db.session import unit_of_work

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
PDF = b"%PDF-1.7\n" + b"0" * 100
MB = 1024 * 1024
LISTING = {"kind": "offer", "category": "printing", "price_credits": "50.00"}


def counts(database_url: str) -> tuple[int, int]:
    with unit_of_work(database_url) as session:
        return (session.scalar(select(func.count()).select_from(Listing)),
                session.scalar(select(func.count()).select_from(ListingAttachment)))


def publish(person, title: str, name: str, body: bytes, declared: str, **fields: str):
    return person.post("/listings/new", {**LISTING, "title": title, **fields,
                                         "attachment": (io.BytesIO(body), name, declared)},
                       content_type="multipart/form-data")


def put_file(api_client, listing_id: int, *file: object):
    data = {"file": (io.BytesIO(file[1]), file[0], file[2])} if file else {}
    return api_client.client.put(f"/api/v1/listings/{listing_id}/attachment", data=data,
                                 headers=api_client.headers, content_type="multipart/form-data")


def test_a_member_publishes_a_listing_with_a_picture_shown_on_its_page(visitor, member, client):
    title = f"Flyers {uuid.uuid4().hex[:6]}"
    answer = publish(visitor(member()), title, "flyer.png", PNG, "image/png")
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    listing_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    assert f'<img src="/listings/{listing_id}/attachment"' in page and 'alt="flyer.png"' in page
    served = client.get(f"/listings/{listing_id}/attachment")
    assert served.status_code == 200 and served.data == PNG and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"].startswith("inline")


def test_the_type_is_read_from_the_content_not_the_name(visitor, member, client):
    answer = publish(visitor(member()), "Brochure inside", "photo.png", PDF, "image/png")
    assert answer.status_code == 303
    listing_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    served = client.get(f"/listings/{listing_id}/attachment")
    assert served.mimetype == "application/pdf" and served.headers["Content-Disposition"].startswith("attachment")
    assert "(PDF, 0.0 MB)" in client.get(f"/listings/{listing_id}").get_data(as_text=True)


@pytest.mark.parametrize(("name", "body", "declared", "reason"), [
    ("flyer.png", b"<html><script>alert(1)</script></html>", "image/png", "not a PNG, JPEG or PDF file"),
    ("tool.pdf", b"MZ\x90\x00" + b"\x00" * 50, "application/pdf", "not a PNG, JPEG or PDF file"),
    ("huge.jpg", JPEG + b"\x00" * (5 * MB), "image/jpeg", "larger than 5 MB"),
    ("empty.png", b"", "image/png", "is empty"),
])
def test_the_publish_form_refuses_a_file_with_the_reason_and_stores_nothing(visitor, member, database_url,
                                                                           name, body, declared, reason):
    before = counts(database_url)
    answer = publish(visitor(member()), "Flyers", name, body, declared)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'data-testid="error-attachment"' in page and reason in page
    assert counts(database_url) == before


def test_a_bad_file_and_bad_fields_are_reported_together(visitor, member, database_url):
    before = counts(database_url)
    answer = publish(visitor(member()), "", "flyer.png", b"GIF89a", "image/gif", price_credits="-5")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert all(f'data-testid="error-{field}"' in page for field in ("attachment", "title", "price_credits"))
    assert counts(database_url) == before


def test_a_listing_without_a_file_publishes_as_before(visitor, member, client):
    answer = publish(visitor(member()), "No file", "", b"", "application/octet-stream")
    assert answer.status_code == 303
    assert 'data-testid="listing-attachment"' not in client.get(answer.headers["Location"]).get_data(as_text=True)


def test_the_api_attaches_a_file_to_the_owners_listing_only(api, member, database_url, client):
    owner = member()
    listing_id = api(owner).post("/api/v1/listings", {"title": "Menus", "category": "printing",
                                                      "open_to_barter": True}).json["id"]
    attached = put_file(api(owner), listing_id, "menu.jpg", JPEG, "image/jpeg")
    assert attached.status_code == 200, attached.json
    assert attached.json["attachment"]["media_type"] == "image/jpeg" and attached.json["attachment"]["size_bytes"] == len(JPEG)
    replaced = put_file(api(owner), listing_id, "menu.pdf", PDF, "application/pdf")
    assert replaced.json["attachment"]["name"] == "menu.pdf"
    assert client.get(f"/api/v1/listings/{listing_id}").json["attachment"]["media_type"] == "application/pdf"
    assert put_file(api(member()), listing_id, "x.png", PNG, "image/png").status_code == 404
    assert put_file(api(), listing_id, "x.png", PNG, "image/png").status_code == 401
    assert client.get("/listings/999999999/attachment").status_code == 404


@pytest.mark.parametrize(("file", "reason"), [
    (("page.png", b"<svg onload=alert(1)>", "image/png"), "not a PNG, JPEG or PDF file"),
    (("big.pdf", b"%PDF-" + b"0" * (5 * MB), "application/pdf"), "larger than 5 MB"),
    ((), "multipart field `file`"),
])
def test_the_api_refuses_a_file_with_the_reason(api, member, database_url, file, reason):
    owner = member()
    listing_id = api(owner).post("/api/v1/listings", {"title": "Menus", "category": "printing",
                                                      "open_to_barter": True}).json["id"]
    before = counts(database_url)
    answer = put_file(api(owner), listing_id, *file)
    assert answer.status_code == 422 and reason in answer.json["errors"]["attachment"][0], answer.json
    assert counts(database_url) == before
