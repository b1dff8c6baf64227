"""Registering, logging in and out, the profile, API tokens, CSRF, rate limits, headers."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from integrations.db.app_models import User
from integrations.db.session import unit_of_work
from tests.builders import PASSWORD
from tests.web.conftest import CSRF_META, Api, Browser


def registration(**overrides: str) -> dict:
    tag = uuid.uuid4().hex[:8]
    return {"business_name": f"Atelier {tag}", "city": "Lyon", "description": "Posters and flyers",
            "display_name": "Ada", "email": f"ada-{tag}@example.test", "password": PASSWORD, **overrides}


def test_a_business_registers_and_lands_on_its_profile(visitor):
    person: Browser = visitor()
    form = registration()
    answer = person.post("/register", form)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/profile")
    page = person.get("/profile").get_data(as_text=True)
    assert form["business_name"] in page and form["email"] in page


def test_registration_refuses_taken_names_and_emails_and_short_passwords(visitor):
    first = registration()
    assert visitor().post("/register", first).status_code == 303
    again = visitor().post("/register", registration(business_name=first["business_name"], email=first["email"]))
    page = again.get_data(as_text=True)
    assert again.status_code == 422
    assert "already registered" in page and "already has an account" in page
    short = visitor().post("/register", registration(password="short"))
    assert short.status_code == 422 and "at least 10 characters" in short.get_data(as_text=True)


def test_log_in_and_out(visitor, member):
    login = member()
    person = visitor()
    wrong = person.post("/login", {"email": login.email, "password": "not the password"})
    assert wrong.status_code == 401 and "do not match" in wrong.get_data(as_text=True)
    assert person.get("/profile").status_code == 302  # to the login page
    person.log_in(login)
    assert person.get("/profile").status_code == 200
    assert person.post("/logout").status_code == 303
    assert person.get("/profile").status_code == 302


def test_login_goes_back_only_to_our_own_pages(visitor, member):
    login = member()
    answer = visitor().post("/login", {"email": login.email, "password": PASSWORD, "next": "https://evil.test/"})
    assert answer.headers["Location"] == "/"
    answer = visitor().post("/login", {"email": login.email, "password": PASSWORD, "next": "/deals"})
    assert answer.headers["Location"] == "/deals"


def test_a_form_post_without_csrf_token_is_refused(client, member):
    answer = client.post("/login", data={"email": member().email, "password": PASSWORD})
    assert answer.status_code == 400
    assert "security token" in answer.get_data(as_text=True)


def test_the_api_needs_csrf_for_session_writes_but_not_for_tokens(visitor, api, member, listing):
    owner = member()
    body = {"kind": "offer", "title": "Flyers", "category": "printing",
            "price": {"amount_minor": 50_00, "currency": "CRD"}}
    person = visitor(owner)
    assert person.client.post("/api/v1/listings", json=body).status_code == 400
    with_token = person.client.post("/api/v1/listings", json=body, headers={"X-CSRFToken": person.csrf_token()})
    assert with_token.status_code == 201
    assert api(owner).post("/api/v1/listings", body).status_code == 201


def test_login_attempts_are_rate_limited(visitor, api, member):
    login = member()
    person = visitor()
    statuses = [person.post("/login", {"email": login.email, "password": "wrong password!"}).status_code
                for _ in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    blocked = person.post("/login", {"email": login.email, "password": PASSWORD})
    assert blocked.status_code == 429 and "Too many login attempts" in blocked.get_data(as_text=True)

    other = member()
    caller: Api = api()
    for _ in range(10):
        assert caller.post("/api/v1/auth/token", {"email": other.email, "password": "nope"}).status_code == 401
    answer = caller.post("/api/v1/auth/token", {"email": other.email, "password": PASSWORD})
    assert answer.status_code == 429 and "Too many login attempts" in answer.json["message"]


def test_pages_carry_a_strict_content_security_policy_and_safe_cookies(visitor, member):
    person = visitor()
    answer = person.get("/")
    policy = answer.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    assert answer.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    logged_in = person.post("/login", {"email": member().email, "password": PASSWORD})
    cookie = logged_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # local http

    over_https = visitor().client
    page = over_https.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = CSRF_META.search(page).group(1)
    secure = over_https.post("/login", base_url="https://localhost", headers={"Referer": "https://localhost/login"},
                             data={"email": member().email, "password": PASSWORD, "csrf_token": token})
    assert secure.status_code == 303 and "Secure" in secure.headers["Set-Cookie"]


def test_profile_edit_and_api_token_lifecycle(visitor, member, client):
    login = member()
    person = visitor(login)
    saved = person.post("/profile", {"city": "Grenoble", "description": "Now also bookbinding"})
    assert saved.status_code == 303
    assert "Now also bookbinding" in person.get(f"/businesses/{login.business_id}").get_data(as_text=True)

    shown = person.post("/profile/token")
    token = shown.get_data(as_text=True).split('data-testid="api-token">')[1].split("<")[0]
    with unit_of_work(person.client.application.config["DATABASE_URL"]) as session:
        stored = session.scalar(select(User.api_token_hash).where(User.id == login.user_id))
    assert stored != token and len(stored) == 64  # only the SHA-256 digest is kept
    assert token not in person.get("/profile").get_data(as_text=True)  # shown once

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json["business_id"] == login.business_id
    assert person.post("/profile/token/revoke").status_code == 303
    revoked = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401 and revoked.json["code"] == "unauthorized"


def test_api_registration_and_token(api):
    caller = api()
    body = registration()
    created = caller.post("/api/v1/businesses", body)
    assert created.status_code == 201 and created.json["business_id"] > 0
    duplicate = caller.post("/api/v1/businesses", body)
    assert duplicate.status_code == 422 and set(duplicate.json["errors"]) == {"business_name", "email"}
    token = caller.post("/api/v1/auth/token", {"email": body["email"], "password": PASSWORD}).json["token"]
    me = Api(caller.client, token).get("/api/v1/me").json
    assert me["business_name"] == body["business_name"] and me["role"] == "member"
    assert caller.get("/api/v1/me").status_code == 401
    assert Api(caller.client, "not-a-token").get("/api/v1/me").status_code == 401


def test_api_registration_refuses_unknown_fields_and_malformed_json(api, client):
    unknown = api().post("/api/v1/businesses", registration(is_admin=True))
    assert unknown.status_code == 422 and "is_admin" in unknown.json["errors"]
    malformed = client.post("/api/v1/businesses", data="{not json", content_type="application/json")
    assert malformed.status_code == 422 and malformed.json["code"] == "invalid_input"
