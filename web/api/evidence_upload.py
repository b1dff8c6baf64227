"""Evidence files as uploaded: read within the size limit, their type checked against what the
bytes actually are, hashed — all before anything is stored. One bad file refuses the whole
submission (domain/evidence.py)."""

from __future__ import annotations

import hashlib

from werkzeug.datastructures import FileStorage

from domain.dispute_errors import EvidenceRefused
from domain.evidence import EvidenceFile, EvidenceRules

# The first bytes each binary type starts with: a file named .pdf that is not one is refused.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "audio/mpeg": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"),
}
ZIPPED = ("application/vnd.openxmlformats", "application/vnd.oasis.opendocument")
TEXT = ("text/plain", "text/csv")


def _looks_like(media_type: str, data: bytes) -> bool:
    if media_type in SIGNATURES:
        return data.startswith(SIGNATURES[media_type])
    if media_type == "image/webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if media_type == "video/mp4":
        return data[4:8] == b"ftyp"
    if media_type.startswith(ZIPPED):
        return data.startswith(b"PK\x03\x04")
    if media_type in TEXT:
        try:
            return b"\x00" not in data and bool(data.decode("utf-8"))
        except UnicodeDecodeError:
            return False
    return False


def checked_files(statement: str, uploads: list[FileStorage],
                  rules: EvidenceRules) -> list[tuple[EvidenceFile, bytes]]:
    """Each upload with what identifies it; raises EvidenceRefused (422) at the first fault."""
    if len(uploads) > rules.max_files:
        raise EvidenceRefused(f"submit at most {rules.max_files} files at a time", field="files")
    checked = []
    for upload in uploads:
        data = upload.stream.read(rules.max_file_bytes + 1)  # one byte over is enough to refuse
        file = EvidenceFile(upload.filename or "", upload.mimetype or "", len(data),
                            hashlib.sha256(data).hexdigest())
        rules.check(statement, (file,))
        if not _looks_like(file.media_type, data):
            raise EvidenceRefused(f"{file.name} is not a {file.media_type} file: its content does not match "
                                  "its type", field="files")
        checked.append((file, data))
    rules.check(statement, tuple(f for f, _ in checked))
    return checked
