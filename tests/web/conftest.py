"""The web app on the session's real services (PostgreSQL, Temporal dev server, a worker),
and clients that behave like a person with a browser or an integration with a token."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.builders import Login, a_business, a_listing, a_token
from web import create_app

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class Browser:
    """A test client used like a person: it reads the CSRF token from a page before a post."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, **kwargs)

    def csrf_token(self) -> str:
        match = CSRF_META.search(self.client.get("/login").get_data(as_text=True))
        assert match, "every page carries the CSRF token in a meta tag"
        return match.group(1)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        return self.client.post(url, data={"csrf_token": self.csrf_token(), **(data or {})}, **kwargs)

    def log_in(self, login: Login) -> Browser:
        answer = self.post("/login", {"email": login.email, "password": login.password})
        assert answer.status_code == 303, answer.get_data(as_text=True)
        return self


class Api:
    """A JSON client with a bearer token (or none)."""

    def __init__(self, client: FlaskClient, token: str | None = None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **headers: str) -> TestResponse:
        return self.client.get(path, headers={**self.headers, **headers})

    def post(self, path: str, body: Any = None, **headers: str) -> TestResponse:
        return self.client.post(path, json=body if body is not None else {}, headers={**self.headers, **headers})


@pytest.fixture(scope="session")
def app(settings, deal_worker) -> Flask:
    return create_app(settings, config={"TESTING": True, "ARGON2_FAST": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def visitor(app: Flask) -> Callable[..., Browser]:
    """A new visitor, logged in as `login` when one is given."""
    def open_visitor(login: Login | None = None) -> Browser:
        fresh = Browser(app.test_client())
        return fresh.log_in(login) if login else fresh
    return open_visitor


@pytest.fixture
def api(app: Flask, database_url: str) -> Callable[..., Api]:
    """A new API client, with a token of `login` when one is given."""
    def open_api(login: Login | None = None) -> Api:
        return Api(app.test_client(), a_token(database_url, login.user_id) if login else None)
    return open_api


@pytest.fixture
def member(database_url: str) -> Callable[..., Login]:
    def new_member(**kwargs: Any) -> Login:
        return a_business(database_url, **kwargs)
    return new_member


@pytest.fixture
def listing(database_url: str) -> Callable[..., int]:
    def new_listing(owner: Login, **kwargs: Any) -> int:
        return a_listing(database_url, owner.business_id, **kwargs)
    return new_listing


def in_days(days: int) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).date().isoformat()


def proposal(listing_id: int, price_minor: int = 100_00, due_in_days: int = 10, **extra: Any) -> dict:
    return {"listing_id": listing_id, "price": {"amount_minor": price_minor, "currency": "CRD"},
            "delivery_due_at": in_days(due_in_days), "inspection_days": 7,
            "acceptance_criteria": "Three drafts, vector files", **extra}
