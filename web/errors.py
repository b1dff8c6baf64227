"""Every error answer in one place: the domain's error tree, the deal service being away,
and HTTP errors, each answered as JSON or HTML as the client asked.

    InvalidInput, marshmallow ValidationError   422  field errors
    RuleViolation, FundsError (any TradepactError)  409  the rule's reason
    TemporalUnavailable, an update's RPC timeout  503  "try again"
    StripeUnavailable (payout set-up)             503  "try again"
    HTTPException (404, 401, 429, CSRF 400...)  its own status

JSON is always `{"code": ..., "message": ..., "errors": {field: [messages]}}`. A refused
HTML form post is flashed and sent back to the page it came from; anything else gets a page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from temporalio.client import RPCTimeoutOrCancelledError
from werkzeug.exceptions import HTTPException

from domain.errors import InvalidInput, TradepactError
from integrations.stripe import StripeUnavailable
from integrations.temporal import TemporalUnavailable

UNAVAILABLE = "The deal service is not answering right now; please try again in a moment."
STRIPE_UNAVAILABLE = "Stripe is not answering right now; please try again in a moment."
TOO_MANY_LOGINS = "Too many login attempts. Wait a minute, then try again."
CSRF_FAILED = "This form has expired or lacks its security token. Reload the page and try again."


def init_app(app: Flask) -> None:
    # Registered after flask-smorest's Api, so these replace its HTTPException handler.
    app.register_error_handler(InvalidInput, _invalid_input)
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(TradepactError, _refused)
    app.register_error_handler(TemporalUnavailable, _unavailable)
    # An update's RPC deadline passing (no worker polling) means the same to the user as the
    # service being down; the gateway does not translate it yet, so it is caught here too.
    app.register_error_handler(RPCTimeoutOrCancelledError, _unavailable)
    app.register_error_handler(StripeUnavailable, _stripe_unavailable)
    app.register_error_handler(HTTPException, _http_error)


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/webhooks/")):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def form_errors(error: ValidationError | InvalidInput) -> dict[str, list[str]]:
    """A form's refusal — marshmallow's or the domain's malformed input — as its field errors."""
    if isinstance(error, ValidationError):
        return field_errors(error.messages)
    return {error.field or "_body": [error.message]}


def field_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow/webargs messages, however nested, as {"a.b": ["..."]}."""
    if isinstance(messages, list | tuple):
        return {prefix or "_body": [str(m) for m in messages]}
    if not isinstance(messages, dict):
        return {prefix or "_body": [str(messages)]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        # webargs nests errors under their location ("json", "query"): the field is what matters.
        name = prefix if key in ("json", "query", "querystring", "form", "headers") and not prefix \
            else (f"{prefix}.{key}" if prefix else str(key))
        for field, found in field_errors(value, name).items():
            flat.setdefault(field, []).extend(found)
    return flat


def json_error(status: int, code: str, message: str, errors: dict[str, list[str]] | None = None,
               headers: dict[str, str] | None = None) -> tuple[Response, int, dict[str, str]]:
    return jsonify(code=code, message=message, errors=errors or {}), status, headers or {}


def _answer(status: int, code: str, message: str, errors: dict[str, list[str]] | None = None,
            headers: dict[str, str] | None = None):
    if wants_json():
        return json_error(status, code, message, errors, headers)
    if request.method == "POST" and status in (409, 422, 503):
        flash(_with_details(message, errors), "error")
        return redirect(back_url(), 303)
    title = {404: "Not found", 409: "Not possible now", 422: "Please check your input",
             429: "Slow down", 503: "Try again"}.get(status, "Something went wrong")
    return render_template("errors/error.html", status=status, title=title, message=message), status, headers or {}


def _with_details(message: str, errors: dict[str, list[str]] | None) -> str:
    details = [f"{field.replace('_', ' ')}: {m}" if field != "_body" else m
               for field, found in (errors or {}).items() for m in found if m != message]
    return " ".join([message, *details])


def back_url() -> str:
    """The page a form was posted from, if it is one of ours; else the home page."""
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if referrer and parts.netloc == request.host and parts.scheme in ("http", "https"):
        return referrer
    return url_for("catalog.index")


def _invalid_input(error: InvalidInput):
    return _answer(422, error.code, error.message, {error.field or "_body": [error.message]})


def _validation_error(error: ValidationError):
    errors = field_errors(error.messages)
    return _answer(422, "invalid_input", "Some fields are not valid.", errors)


def _refused(error: TradepactError):
    return _answer(409, error.code, error.message)


def _unavailable(_error: Exception):
    return _answer(503, "temporal_unavailable", UNAVAILABLE, headers={"Retry-After": "5"})


def _stripe_unavailable(_error: Exception):
    return _answer(503, "stripe_unavailable", STRIPE_UNAVAILABLE, headers={"Retry-After": "5"})


def _http_error(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = field_errors(data["messages"]) if "messages" in data else field_errors(data.get("errors", {}))
    message = data.get("message") or _message_for(error)
    code = "invalid_input" if status == 422 else _snake(error.name)
    headers = dict(data.get("headers") or {})
    if isinstance(error, RateLimitExceeded):
        headers["Retry-After"] = "60"
    if status == 401 and wants_json():
        headers["WWW-Authenticate"] = 'Bearer realm="tradepact"'
    if wants_json():
        return json_error(status, code, message, errors, headers)
    page_title = {401: "Please log in", 404: "Not found", 429: "Slow down"}.get(status, error.name)
    return render_template("errors/error.html", status=status, title=page_title, message=message), status, headers


def _message_for(error: HTTPException) -> str:
    if isinstance(error, RateLimitExceeded):
        return TOO_MANY_LOGINS
    if isinstance(error, CSRFError):
        return CSRF_FAILED
    if error.description and error.description != type(error).description:
        return error.description  # a view's own words, e.g. abort(401, description=...)
    if error.code == 404:
        return "There is nothing here, or it is not yours to see."
    if error.code == 401:
        return "Log in, or send an API token as 'Authorization: Bearer <token>'."
    if error.code == 422:
        return "Some fields are not valid."
    return error.description or error.name


def _snake(name: str) -> str:
    return name.lower().replace(" ", "_").replace("-", "_")
