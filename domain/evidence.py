"""Evidence: each side's statements and files, submitted while the evidence window runs.

Files themselves live in storage; the case keeps what identifies them — name, content type,
size and SHA-256 — so the evidence pack can prove a file is the one submitted. A submission
is checked whole before anything is recorded: one bad file refuses it all, and nothing of it
is kept.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.dispute_errors import EvidenceRefused
from domain.dispute_stages import DisputeAction

if TYPE_CHECKING:
    from domain.disputes import Dispute, DisputeOutcome

MB = 1024 * 1024
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# What a service business shows: documents, photos, screenshots, sheets, short recordings.
# Nothing a browser would run when the arbitrator opens it (HTML, SVG) and nothing that hides
# its content from the evidence pack (archives, executables).
EVIDENCE_TYPES = (
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/plain",
    "text/csv",
    "audio/mpeg",
    "video/mp4",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
)


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    content_type: str
    size_bytes: int
    sha256: str  # lowercase hex, computed by whoever stored the bytes

    @property
    def media_type(self) -> str:
        """The content type without parameters: `text/plain; charset=utf-8` is `text/plain`."""
        return self.content_type.split(";", 1)[0].strip().lower()


@dataclass(frozen=True)
class Evidence:
    submitted_by: int
    at: dt.datetime
    statement: str
    files: tuple[EvidenceFile, ...] = ()


@dataclass(frozen=True)
class EvidenceRules:
    max_file_bytes: int = 25 * MB
    max_files: int = 10  # per submission; a side may submit several times
    max_statement: int = 10_000
    max_name: int = 255
    allowed_types: tuple[str, ...] = EVIDENCE_TYPES

    def check(self, statement: str, files: tuple[EvidenceFile, ...]) -> None:
        """Refuse the whole submission at its first fault, naming the file."""
        if not statement.strip() and not files:
            raise EvidenceRefused("submit a statement, a file, or both", field="statement")
        if len(statement) > self.max_statement:
            raise EvidenceRefused(f"a statement is limited to {self.max_statement:,} characters",
                                  field="statement")
        if len(files) > self.max_files:
            raise EvidenceRefused(f"submit at most {self.max_files} files at a time", field="files")
        for file in files:
            self._check_file(file)

    def _check_file(self, file: EvidenceFile) -> None:
        name = file.name.strip()
        if not name or len(name) > self.max_name or any(c in name for c in "/\\") \
                or any(ord(c) < 32 for c in name):
            raise EvidenceRefused(f"{file.name!r} is not a usable file name (1-{self.max_name} characters, "
                                  "no folders)", field="files")
        if file.media_type not in self.allowed_types:
            raise EvidenceRefused(f"{name}: files of type {file.media_type or 'unknown'} are not accepted; "
                                  "use PDF, images, text, office documents, MP3 or MP4", field="files")
        if type(file.size_bytes) is not int or file.size_bytes <= 0:
            raise EvidenceRefused(f"{name} is empty", field="files")
        if file.size_bytes > self.max_file_bytes:
            raise EvidenceRefused(f"{name} is {file.size_bytes / MB:.1f} MB; files are limited to "
                                  f"{self.max_file_bytes // MB} MB", field="files")
        if not SHA256_HEX.fullmatch(file.sha256):
            raise EvidenceRefused(f"{name}: the SHA-256 must be 64 lowercase hex digits", field="files")


class EvidenceActions:
    """Mixed into `Dispute`."""

    def submit_evidence(self: Dispute, actor_id: int, statement: str, files: tuple[EvidenceFile, ...],
                        now: dt.datetime) -> DisputeOutcome:
        self.check(DisputeAction.SUBMIT_EVIDENCE, actor_id, now)
        self.policy.evidence.check(statement, files)
        evidence = Evidence(actor_id, now, statement.strip(), tuple(files))
        what = ["a statement"] if evidence.statement else []
        if files:
            what.append(f"{len(files)} file{'s' if len(files) > 1 else ''} ({', '.join(f.name for f in files)})")
        summary = f"The {self.side_name(actor_id)} submitted evidence: {' and '.join(what)}"
        other = self.other_party(actor_id)
        step = self._step("evidence_submitted", now, actor_id, summary,
                          notices=(self.notice_to(other, "evidence", "New evidence in the dispute", summary),),
                          alerts=self._to_arbitrator("evidence", "New evidence", summary))
        return self._advance(step, evidence=self.evidence + (evidence,))

    def has_submitted(self: Dispute, business_id: int) -> bool:
        return any(e.submitted_by == business_id for e in self.evidence)
