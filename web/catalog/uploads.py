"""A listing's attachment as uploaded: read within the limit, checked by its content
(domain/listing_files.py) before anything is stored, for the publish form and the API alike."""

from __future__ import annotations

from flask import Blueprint, request
from werkzeug.datastructures import FileStorage

from domain.evidence import MB
from domain.listing_files import MAX_BYTES, ListingFile, checked_listing_file

# The app's 1 MB body limit would answer a bare 413 for a 3 MB picture, and one just over 5 MB
# deserves the reason: room for twice the file's limit and the form's fields.
UPLOAD_LIMIT = 2 * MAX_BYTES + MB
UPLOAD_ENDPOINTS = ("catalog.publish", "api_catalog.attach")


def read_upload(upload: FileStorage | None) -> tuple[ListingFile, bytes] | None:
    """The checked file and its bytes; None when none was chosen (an empty file input still sends
    a nameless part). Raises AttachmentRefused (422) with the reason."""
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(MAX_BYTES + 1)  # one byte over is enough to refuse it
    return checked_listing_file(upload.filename, data), data


def allow_uploads(blueprint: Blueprint) -> None:
    """Raise the body limit for the endpoints that take a file, before anything reads the body."""

    def raise_limit() -> None:
        if request.endpoint in UPLOAD_ENDPOINTS:
            request.max_content_length = UPLOAD_LIMIT

    # First of all: the CSRF check reads the form, and with it the body, under whatever limit holds then.
    blueprint.record_once(lambda state: state.app.before_request_funcs.setdefault(None, []).insert(0, raise_limit))
