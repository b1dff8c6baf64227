"""The API's blueprint class: webargs parsing that answers malformed JSON with 422, and the
authentication every API blueprint runs before its views."""

from __future__ import annotations

from typing import Any, NoReturn

import flask
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser, abort

from web.api.access import authenticate

API_PREFIX = "/api/v1"


class ApiParser(FlaskParser):
    DEFAULT_VALIDATION_STATUS = 422

    def _handle_invalid_json_error(self, error: Exception, req: flask.Request, *args: Any,
                                   **kwargs: Any) -> NoReturn:
        abort(422, exc=error, messages={"json": {"_body": ["The body is not valid JSON."]}})


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = ApiParser()

    def __init__(self, name: str, import_name: str, **kwargs: Any) -> None:
        super().__init__(name, import_name, url_prefix=API_PREFIX, **kwargs)
        self.before_request(authenticate)
