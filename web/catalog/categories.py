"""The category tree's writes, for admins: add a category, rename it, move it under another.

A move never makes a category its own ancestor: the search walks the tree from a parent down,
and a cycle would hide the categories in it from every browse by parent.
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.db.app_models import Category
from integrations.db.queries.category_tree import descendant_ids

NOT_FOUND = "No such category."


def _parent_id(session: Session, slug: str | None) -> int | None:
    if not slug:
        return None
    found = session.scalar(select(Category.id).where(Category.slug == slug))
    if found is None:
        raise ValidationError({"parent": [NOT_FOUND]})
    return found


def add_category(session: Session, data: dict[str, Any]) -> int:
    if session.scalar(select(Category.id).where(Category.slug == data["slug"])) is not None:
        raise ValidationError({"slug": ["Another category already has this slug."]})
    category = Category(slug=data["slug"], name=data["name"], parent_id=_parent_id(session, data.get("parent")))
    session.add(category)
    session.commit()
    return category.id


def change_category(session: Session, category_id: int, data: dict[str, Any]) -> None:
    """Rename and/or move; raises LookupError for an unknown category (404)."""
    category = session.get(Category, category_id)
    if category is None:
        raise LookupError(category_id)
    parent_id = _parent_id(session, data.get("parent"))
    if parent_id is not None and (parent_id == category.id or parent_id in descendant_ids(session, category.id)):
        raise ValidationError({"parent": ["A category cannot move under itself or one of its subcategories."]})
    category.name, category.parent_id = data["name"], parent_id
    session.commit()
