"""A listing's one optional attachment — a picture of the work or a brochure: PNG, JPEG or PDF,
at most 5 MB. Its type is what its first bytes say, never its name or what the browser claims:
a page renamed photo.png is refused, and a PNG named brochure.pdf is kept as the PNG it is."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from domain.errors import InvalidInput
from domain.evidence import MB

MAX_BYTES = 5 * MB
MAX_NAME = 255
FIELD = "attachment"
# The first bytes each accepted type starts with.
SIGNATURES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff", "application/pdf": b"%PDF-"}
LABELS = {"image/png": "PNG image", "image/jpeg": "JPEG image", "application/pdf": "PDF"}


class AttachmentRefused(InvalidInput):
    """A listing's file is refused with the reason: its size, its content, or its name."""

    code = "attachment_refused"


@dataclass(frozen=True)
class ListingFile:
    name: str
    media_type: str  # read from the content
    size_bytes: int
    sha256: str

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


def media_type_of(data: bytes) -> str | None:
    return next((kind for kind, start in SIGNATURES.items() if data.startswith(start)), None)


def checked_listing_file(name: str, data: bytes) -> ListingFile:
    """The file as a listing keeps it; raises AttachmentRefused (422) at its first fault.
    `data` may stop one byte past the limit: that is enough to refuse it."""
    shown = name.replace("\\", "/").rsplit("/", 1)[-1].strip()  # some browsers send the whole path
    if not shown or len(shown) > MAX_NAME or any(ord(c) < 32 for c in shown):
        raise AttachmentRefused(f"The file needs a name of 1 to {MAX_NAME} characters.", FIELD)
    if not data:
        raise AttachmentRefused(f"{shown} is empty.", FIELD)
    if len(data) > MAX_BYTES:
        raise AttachmentRefused(f"{shown} is larger than {MAX_BYTES // MB} MB, the limit for a listing's file.",
                                FIELD)
    media_type = media_type_of(data)
    if media_type is None:
        raise AttachmentRefused(f"{shown} is not a PNG, JPEG or PDF file (read from its content, whatever "
                                "its name says).", FIELD)
    return ListingFile(shown, media_type, len(data), hashlib.sha256(data).hexdigest())
