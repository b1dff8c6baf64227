"""API: tokens, the caller, registering a business, a business's public profile."""

from __future__ import annotations

from flask import abort

from integrations.db import queries
from web.api.access import api_signed_in, api_user
from web.api.blueprint import ApiBlueprint
from web.api.schemas import BusinessOut, MeOut, RegisteredOut, TokenOut
from web.auth.identity import issue_token, user_for_password
from web.auth.inputs import LoginBody, RegistrationBody
from web.auth.registration import register
from web.db import db
from web.security import limit_login_attempts

blp = ApiBlueprint("api_members", __name__, description="Log in with a token; register; businesses")


@blp.route("/auth/token", methods=["POST"])
@limit_login_attempts
@blp.arguments(LoginBody)
@blp.response(200, TokenOut)
def create_token(credentials: dict):
    """Exchange email and password for an API token (it replaces the user's previous token)."""
    user = user_for_password(db(), credentials["email"], credentials["password"])
    if user is None:
        abort(401, description="That email and password do not match an account.")
    return {"token": issue_token(db(), user.id), "token_type": "Bearer"}


@blp.route("/me", methods=["GET"])
@api_signed_in
@blp.response(200, MeOut)
def me():
    """The user the request acts for, and its business."""
    return api_user()


@blp.route("/businesses", methods=["POST"])
@blp.arguments(RegistrationBody)
@blp.response(201, RegisteredOut)
def register_business(data: dict):
    """Register a business and its first login (then call /auth/token to get a token)."""
    return register(db(), data)


@blp.route("/businesses/<int:business_id>", methods=["GET"])
@blp.response(200, BusinessOut)
def business(business_id: int):
    """A business's public profile: its listings and revealed reviews."""
    return queries.business_profile(db(), business_id) or abort(404)
