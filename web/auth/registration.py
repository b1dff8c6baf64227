"""Registering a business and its first login; refusing names and emails already taken."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from integrations.db import queries
from integrations.db.app_models import Business
from integrations.db.members import Registered, register_business
from web.auth.passwords import hash_password

NAME_TAKEN = "A business with this name is already registered."
EMAIL_TAKEN = "This email already has an account; log in instead."


def _duplicates(session: Session, data: dict[str, Any]) -> dict[str, list[str]]:
    errors = {}
    if queries.business_name_taken(session, data["business_name"]):
        errors["business_name"] = [NAME_TAKEN]
    if queries.email_taken(session, data["email"]):
        errors["email"] = [EMAIL_TAKEN]
    return errors


def register(session: Session, data: dict[str, Any]) -> Registered:
    """Raises ValidationError naming the taken field(s); commits on success."""
    errors = _duplicates(session, data)
    if errors:
        raise ValidationError(errors)
    try:
        registered = register_business(
            session, name=data["business_name"], email=data["email"], display_name=data["display_name"],
            password_hash=hash_password(data["password"]), city=data["city"], description=data["description"],
            credit_line_minor=0,  # no credit line until the business is verified (KYB)
        )
        session.commit()
    except IntegrityError as error:
        # Someone registered the same name or email between the check and the insert.
        session.rollback()
        raise ValidationError(_duplicates(session, data) or {"email": [EMAIL_TAKEN]}) from error
    return registered


def update_profile(session: Session, business_id: int, data: dict[str, Any]) -> None:
    session.execute(update(Business).where(Business.id == business_id)
                    .values(city=data["city"], description=data["description"]))
    session.commit()
