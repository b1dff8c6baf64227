"""A listing's attachment, checked before anything is stored: its type from its first bytes, its
size against the 5 MB limit, its name without the browser's folders."""

from __future__ import annotations

import hashlib

import pytest

from domain.listing_files import MAX_BYTES, AttachmentRefused, checked_listing_file

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


@pytest.mark.parametrize(("data", "media_type"), [
    (PNG, "image/png"), (b"\xff\xd8\xff\xdb" + b"\x00" * 20, "image/jpeg"), (b"%PDF-1.4\n%", "application/pdf"),
])
def test_the_type_comes_from_the_content(data, media_type):
    file = checked_listing_file("anything.txt", data)
    assert (file.media_type, file.size_bytes, file.sha256) == (media_type, len(data), hashlib.sha256(data).hexdigest())


def test_a_file_of_exactly_five_megabytes_is_kept_and_one_byte_more_is_refused():
    assert checked_listing_file("big.png", PNG + b"\x00" * (MAX_BYTES - len(PNG))).size_bytes == MAX_BYTES
    with pytest.raises(AttachmentRefused, match="larger than 5 MB") as refused:
        checked_listing_file("big.png", PNG + b"\x00" * (MAX_BYTES - len(PNG) + 1))
    assert refused.value.field == "attachment"


def test_the_name_loses_the_folders_some_browsers_send():
    assert checked_listing_file("C:\\Users\\me\\flyer.png", PNG).name == "flyer.png"
    assert checked_listing_file("/home/me/flyer.png", PNG).name == "flyer.png"


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("page.png", b"<html><body>hi</body></html>", "not a PNG, JPEG or PDF"),
    ("anim.gif", b"GIF89a" + b"\x00" * 10, "not a PNG, JPEG or PDF"),
    ("empty.pdf", b"", "is empty"),
    ("", PNG, "needs a name"),
    ("folder/", PNG, "needs a name"),
    ("x" * 256, PNG, "needs a name"),
    ("bad\x07name.png", PNG, "needs a name"),
])
def test_a_refused_file_says_why(name, data, reason):
    with pytest.raises(AttachmentRefused, match=reason):
        checked_listing_file(name, data)
