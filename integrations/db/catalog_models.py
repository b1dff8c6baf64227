"""What the catalog keeps beside the listings (migration 0014): each listing's optional picture or
brochure."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base


class ListingAttachment(Base):
    """A listing's one picture or brochure, checked (domain/listing_files.py) before it is stored."""

    __tablename__ = "listing_attachments"
    __table_args__ = (
        CheckConstraint("media_type IN ('image/png', 'image/jpeg', 'application/pdf')", name="known_type"),
        CheckConstraint("size_bytes = octet_length(data) AND size_bytes BETWEEN 1 AND 5242880", name="size"),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256"),
    )

    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes]
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime]
