"""Role checks for HTML pages: who may open which page.

Anonymous visitors are sent to log in. A signed-in user without the right role gets 404,
not 403: a member must not learn that a staff page (or another member's deal) exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, current_app, g
from flask_login import current_user

P = ParamSpec("P")
R = TypeVar("R")


def _requires(allowed: Callable[[object], bool]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            user = current_user._get_current_object()
            if not allowed(user):
                abort(404)
            g.viewer = user
            return view(*args, **kwargs)
        return checked
    return decorate


signed_in = _requires(lambda user: True)
member_required = _requires(lambda user: user.is_member)
staff_required = _requires(lambda user: user.is_staff)
# Finance pages move and show money: finance users and admins only, not arbitrators.
FINANCE_ROLES = frozenset({"finance", "admin"})
finance_required = _requires(lambda user: user.role in FINANCE_ROLES)
