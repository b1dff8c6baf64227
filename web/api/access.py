"""Who calls the API: a bearer token, or the browser session (then CSRF-checked on writes).

A bearer token wins over a session cookie, and an invalid token is a 401 even where
anonymous calls are allowed, so a client learns at once that its token no longer works.
Signed-in users without the needed role get 404, as on the HTML side.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, current_app, g, request
from flask_login import current_user

from web.auth.access import FINANCE_ROLES
from web.auth.identity import SignedInUser, user_for_token
from web.db import db
from web.security import csrf

P = ParamSpec("P")
R = TypeVar("R")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def authenticate() -> None:
    g.viewer = None
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        user = user_for_token(db(), token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            abort(401, description="The API token is missing, malformed or revoked.")
        g.viewer = user
    elif current_user.is_authenticated:
        if request.method not in SAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
        g.viewer = current_user._get_current_object()


def api_user() -> SignedInUser:
    return g.viewer


def _requires(allowed: Callable[[SignedInUser], bool]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            if g.get("viewer") is None:
                abort(401)
            if not allowed(g.viewer):
                abort(404)
            return view(*args, **kwargs)
        return checked
    return decorate


api_signed_in = _requires(lambda user: True)
api_member = _requires(lambda user: user.is_member)
api_finance = _requires(lambda user: user.role in FINANCE_ROLES)
api_arbitrator = _requires(lambda user: user.role == "arbitrator")
api_operator = _requires(lambda user: user.role == "admin")  # operators are the platform's admins
