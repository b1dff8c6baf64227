"""The category tree as the catalog reads it: every category in tree order, and a subtree's ids.

The tree is small (tens to a few hundred rows), so it is read whole and walked in Python; a
search then filters listings by the subtree's ids with one `IN`, which the category index serves.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.db.app_models import Category
from integrations.db.queries.views import CategoryView

__all__ = ["category_tree", "subtree_ids", "descendant_ids"]


def _children(session: Session) -> dict[int | None, list[Category]]:
    children: dict[int | None, list[Category]] = defaultdict(list)
    for category in session.scalars(select(Category).order_by(Category.name, Category.id)):
        children[category.parent_id].append(category)
    return children


def category_tree(session: Session) -> list[CategoryView]:
    """Every category, each parent followed by its children (alphabetical), with its depth."""
    children = _children(session)
    ordered: list[CategoryView] = []

    def visit(parent_id: int | None, depth: int) -> None:
        for c in children.get(parent_id, []):
            ordered.append(CategoryView(c.id, c.slug, c.name, c.parent_id, depth))
            visit(c.id, depth + 1)

    visit(None, 0)
    return ordered


def descendant_ids(session: Session, category_id: int) -> set[int]:
    """The ids below `category_id` (not itself)."""
    children = _children(session)
    found: set[int] = set()
    pending = [category_id]
    while pending:
        for child in children.get(pending.pop(), []):
            if child.id not in found:  # moves refuse cycles; this guards the walk anyway
                found.add(child.id)
                pending.append(child.id)
    return found


def subtree_ids(session: Session, slug: str) -> set[int] | None:
    """The category called `slug` and everything below it; None when no such category exists."""
    root = session.scalar(select(Category.id).where(Category.slug == slug))
    return None if root is None else {root} | descendant_ids(session, root)
