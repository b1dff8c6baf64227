"""Register, log in, log out; the member's business profile and API token."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user
from marshmallow import ValidationError

from integrations.db import queries
from web.auth.access import member_required, signed_in
from web.auth.identity import issue_token, revoke_token, user_by_id, user_for_password, viewer
from web.auth.inputs import LoginForm, ProfileForm, RegistrationForm
from web.auth.registration import register as register_member
from web.auth.registration import update_profile
from web.db import db
from web.errors import field_errors
from web.fields import form_data
from web.security import limit_login_attempts

blueprint = Blueprint("auth", __name__, template_folder="templates")

WRONG_LOGIN = "That email and password do not match an account."


def _safe_next(target: str | None) -> str:
    """Only same-site paths: a `next` pointing elsewhere would make the login an open redirect."""
    parts = urlsplit(target or "")
    if target and target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return url_for("catalog.index")


@blueprint.route("/register", methods=["GET", "POST"])
def register():
    values, errors, status = {}, {}, 200
    if request.method == "POST":
        values = form_data(request.form)
        try:
            registered = register_member(db(), RegistrationForm().load(values))
        except ValidationError as error:
            errors, status = field_errors(error.messages), 422
        else:
            login_user(user_by_id(db(), registered.user_id))
            flash("Welcome to Tradepact! Your business is registered.", "success")
            return redirect(url_for("auth.profile"), 303)
    values.pop("password", None)
    return render_template("auth/register.html", values=values, errors=errors), status


@blueprint.route("/login", methods=["GET", "POST"])
@limit_login_attempts
def login():
    if request.method == "GET":
        return render_template("auth/login.html", values={}, errors={}, next=request.args.get("next", ""))
    values = form_data(request.form)
    try:
        data = LoginForm().load(values)
    except ValidationError as error:
        return render_template("auth/login.html", values=values, errors=field_errors(error.messages),
                               next=values.get("next", "")), 422
    user = user_for_password(db(), data["email"], data["password"])
    if user is None:
        return render_template("auth/login.html", values={"email": data["email"]},
                               errors={"_body": [WRONG_LOGIN]}, next=values.get("next", "")), 401
    login_user(user)
    flash(f"Welcome back, {user.display_name}.", "success")
    return redirect(_safe_next(values.get("next")), 303)


@blueprint.post("/logout")
@signed_in
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("catalog.index"), 303)


def _render_profile(token: str | None = None, errors: dict | None = None, status: int = 200):
    me = viewer()
    profile = queries.business_profile(db(), me.business_id)
    return render_template("auth/profile.html", profile=profile, me=me, token=token, errors=errors or {},
                           has_token=queries.has_api_token(db(), me.id)), status


@blueprint.get("/profile")
@member_required
def profile():
    return _render_profile()


@blueprint.post("/profile")
@member_required
def edit_profile():
    try:
        update_profile(db(), viewer().business_id, ProfileForm().load(form_data(request.form)))
    except ValidationError as error:
        return _render_profile(errors=field_errors(error.messages), status=422)
    flash("Your profile is saved.", "success")
    return redirect(url_for("auth.profile"), 303)


@blueprint.post("/profile/token")
@member_required
def create_token():
    # Rendered, not redirected: the token is shown this once and never stored in a cookie.
    return _render_profile(token=issue_token(db(), viewer().id))


@blueprint.post("/profile/token/revoke")
@member_required
def revoke():
    revoke_token(db(), viewer().id)
    flash("Your API token is revoked.", "success")
    return redirect(url_for("auth.profile"), 303)
