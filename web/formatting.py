"""How values read on the page: money, stage names, action labels, times (absolute and relative).

Money is always shown with `str(Money)`; stages and actions by their human names.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_login import current_user

from domain.money import CREDITS, Money
from domain.stages import ACTION_LABELS, Action, Stage
from integrations.db import queries
from web.db import db

STAGE_LABELS = {
    Stage.PROPOSED: "Offer open",
    Stage.DECLINED: "Declined",
    Stage.EXPIRED: "Offer expired",
    Stage.FUNDING: "Awaiting payment into escrow",
    Stage.CANCELLED: "Cancelled",
    Stage.IN_DELIVERY: "In delivery",
    Stage.INSPECTION: "Delivered, under inspection",
    Stage.DISPUTED: "Disputed",
    Stage.SETTLING: "Settling",
    Stage.RATING: "Completed, rating open",
    Stage.CLOSED: "Closed",
}


def stage_label(stage: str) -> str:
    try:
        return STAGE_LABELS[Stage(stage)]
    except ValueError:
        return stage.replace("_", " ").capitalize()


def action_label(action: str) -> str:
    return ACTION_LABELS[Action(action)]


def money(value: Money | int | None, currency: str = CREDITS) -> str:
    """Money as the domain prints it; a bare int is minor units of `currency` (credits)."""
    if value is None:
        return "—"
    return str(value if isinstance(value, Money) else Money(value, currency))


def prices(values: tuple[Money, ...] | list[Money]) -> str:
    return " + ".join(str(v) for v in values) or "no payment"


def decimal_amount(value: Money | None) -> str:
    """An amount as a form field shows it ("120.00"); nothing for no amount (None or undefined)."""
    if not value:
        return ""
    whole, minor = divmod(value.amount_minor, 100)
    return f"{whole}.{minor:02d}"


def listing_price(listing) -> str:
    """What a listing asks: its prices, and whether a service in return would do."""
    asked = " + ".join(str(v) for v in listing.prices)
    if listing.open_to_barter:
        return f"{asked} or barter" if asked else "barter"
    return asked


def utc(moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def relative(moment: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """'in 3 days', '5 hours ago', 'in 2 minutes': coarse on purpose, the exact time is beside it."""
    if moment is None:
        return ""
    now = now or dt.datetime.now(dt.UTC)
    seconds = (moment - now).total_seconds()
    ahead, seconds = seconds >= 0, abs(seconds)
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            count = round(seconds / size)
            text = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {text}" if ahead else f"{text} ago"
    return "in less than a minute" if ahead else "just now"


def _nav() -> dict:
    unread = 0
    if current_user.is_authenticated and current_user.is_member:
        unread = queries.unread_count(db(), current_user.business_id)
    return {"unread_count": unread}


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money, prices=prices, listing_price=listing_price, decimal_amount=decimal_amount, utc=utc, relative=relative, stage_label=stage_label,
        action_label=action_label,
    )
    app.context_processor(_nav)
