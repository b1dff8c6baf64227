"""The admin's categories page (/staff/categories): the tree, a form to add a category, and one
per category to rename or move it. Admins only; every other signed-in user gets 404."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from integrations.db.queries.category_tree import category_tree
from web.auth.access import staff_required
from web.auth.identity import viewer
from web.catalog.categories import add_category, change_category
from web.catalog.inputs import CategoryChange, NewCategory
from web.catalog.views import blueprint
from web.db import db
from web.errors import field_errors
from web.fields import form_data

P = ParamSpec("P")
R = TypeVar("R")


def admin_required(view: Callable[P, R]) -> Callable[P, R]:
    @staff_required
    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        if viewer().role != "admin":
            abort(404)
        return view(*args, **kwargs)
    return checked


def _render(errors: dict | None = None, values: dict | None = None, editing: int | None = None, status: int = 200):
    return render_template("catalog/categories.html", tree=category_tree(db()), errors=errors or {},
                           values=values or {}, editing=editing), status


@blueprint.get("/staff/categories")
@admin_required
def categories():
    return _render()


@blueprint.post("/staff/categories")
@admin_required
def add():
    raw = form_data(request.form)
    try:
        add_category(db(), NewCategory().load(raw))
    except ValidationError as error:
        db().rollback()
        return _render(field_errors(error.messages), raw, status=422)
    flash(f"Category “{raw['name']}” added.", "success")
    return redirect(url_for("catalog.categories"), 303)


@blueprint.post("/staff/categories/<int:category_id>")
@admin_required
def change(category_id: int):
    raw = form_data(request.form)
    try:
        change_category(db(), category_id, CategoryChange().load(raw))
    except LookupError:
        abort(404)
    except ValidationError as error:
        db().rollback()
        return _render(field_errors(error.messages), raw, editing=category_id, status=422)
    flash("Category saved.", "success")
    return redirect(url_for("catalog.categories"), 303)
