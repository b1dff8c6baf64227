"""Publishing a listing: the catalog's one write, checked against the category table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError
from sqlalchemy.orm import Session

from domain.money import CASH_CURRENCY, CREDITS, Money
from integrations.db import queries
from integrations.db.app_models import Listing
from integrations.db.notification_models import ListingToMatch
from web.rings.service import listing_published


def price_columns(price: tuple[Money, ...]) -> dict[str, int | None]:
    by_currency = {m.currency: m.amount_minor for m in price}
    return {"price_cash_minor": by_currency.get(CASH_CURRENCY), "price_credits_minor": by_currency.get(CREDITS)}


def publish_listing(session: Session, business_id: int, data: dict[str, Any]) -> int:
    category = queries.category_by_slug(session, data["category"])
    if category is None:
        raise ValidationError({"category": ["Choose one of the listed categories."]})
    listing = Listing(business_id=business_id, kind=data["kind"], title=data["title"],
                      description=data["description"], category_id=category.id,
                      open_to_barter=data["open_to_barter"], delivery_mode=data["delivery_mode"],
                      city=data["city"].strip() if data["delivery_mode"] == "on_site" else "",
                      lead_time_days=data["lead_time_days"], **price_columns(data.get("price", ())))
    session.add(listing)
    session.flush()
    # Saved-search alerts are matched by the worker (activities/saved_search_alerts.py), not here.
    session.add(ListingToMatch(listing_id=listing.id, published_at=dt.datetime.now(dt.UTC)))
    session.commit()
    listing_published(listing.id)
    return listing.id
