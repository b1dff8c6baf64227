"""A listing's attachment: its checked bytes stored with the listing, and read back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from domain.listing_files import ListingFile
from integrations.db.catalog_models import ListingAttachment


def attach(session: Session, listing_id: int, file: ListingFile, data: bytes, user_id: int,
           at: dt.datetime) -> None:
    """Store `file` as the listing's attachment, in place of any earlier one."""
    values = dict(name=file.name, media_type=file.media_type, size_bytes=file.size_bytes, sha256=file.sha256,
                  data=data, uploaded_by=user_id, created_at=at)
    session.execute(insert(ListingAttachment).values(listing_id=listing_id, **values)
                    .on_conflict_do_update(index_elements=[ListingAttachment.listing_id], set_=values))


def attachment_of(session: Session, listing_id: int) -> ListingFile | None:
    """What the listing's page shows of its attachment, without reading the bytes."""
    row = session.execute(select(ListingAttachment.name, ListingAttachment.media_type,
                                 ListingAttachment.size_bytes, ListingAttachment.sha256)
                          .where(ListingAttachment.listing_id == listing_id)).first()
    return ListingFile(*row) if row else None


def attachment_bytes(session: Session, listing_id: int) -> tuple[ListingFile, bytes] | None:
    row = session.get(ListingAttachment, listing_id)
    if row is None:
        return None
    return ListingFile(row.name, row.media_type, row.size_bytes, row.sha256), row.data
