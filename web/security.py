"""Security wiring: headers and CSP, CSRF, sessions and logins, rate limits.

The CSP allows nothing but this site's own files: every script and style is vendored under
static/ and no template carries inline script or style. Pico's form controls draw their
icons from `data:` SVG images, hence the one widening for images.
"""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

from web.auth.identity import SignedInUser, user_by_id
from web.db import db

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "img-src": ["'self'", "data:"],
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", headers_enabled=True)
talisman = Talisman()


class SessionCookieOverHttps(SecureCookieSessionInterface):
    """The session cookie is `Secure` whenever the site is reached over HTTPS.

    Locally the app is served on plain http://127.0.0.1, where a Secure cookie would never come
    back; `SESSION_COOKIE_SECURE=True` forces it on for deployments behind a TLS proxy.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask) -> None:
    app.config.setdefault("SESSION_COOKIE_SECURE", False)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.session_interface = SessionCookieOverHttps()
    talisman.init_app(
        app, force_https=False, session_cookie_secure=False, session_cookie_samesite="Lax",
        content_security_policy=CONTENT_SECURITY_POLICY, referrer_policy="same-origin",
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    limiter.init_app(app)


@login_manager.user_loader
def _load_user(user_id: str) -> SignedInUser | None:
    return user_by_id(db(), int(user_id)) if user_id.isdigit() else None


def login_attempt_key() -> str:
    """Login attempts are counted per client address and email, so one attacker cannot lock
    out a member from elsewhere, and one client cannot try many passwords on one account."""
    payload = request.get_json(silent=True) if request.is_json else None
    email = payload.get("email", "") if isinstance(payload, dict) else request.form.get("email", "")
    return f"{get_remote_address()}|{str(email).strip().lower()[:254]}"


LOGIN_LIMIT = "10 per minute"


def limit_login_attempts(view):
    return limiter.limit(LOGIN_LIMIT, key_func=login_attempt_key, methods=["POST"])(view)
