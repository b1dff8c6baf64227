"""A listing's attachment: one optional picture or brochure (PNG, JPEG or PDF, at most 5 MB, its
type read from its content before it is stored: domain/listing_files.py).

The catalog search's rating filter and sort read `reputations` (0012_reputation) and its score
index; the search needs no other schema change.

Revision ID: 0015_catalog_search
Revises: 0014_rings
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_catalog_search"
down_revision = "0014_rings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listing_attachments",
        sa.Column("listing_id", sa.Integer, sa.ForeignKey(
            "listings.id", name="fk_listing_attachments_listing_id_listings"), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(40), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("uploaded_by", sa.Integer, sa.ForeignKey(
            "users.id", name="fk_listing_attachments_uploaded_by_users"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("listing_id", name="pk_listing_attachments"),
        sa.CheckConstraint("media_type IN ('image/png', 'image/jpeg', 'application/pdf')",
                           name="ck_listing_attachments_known_type"),
        sa.CheckConstraint("size_bytes = octet_length(data) AND size_bytes BETWEEN 1 AND 5242880",
                           name="ck_listing_attachments_size"),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="ck_listing_attachments_sha256"),
    )


def downgrade() -> None:
    op.drop_table("listing_attachments")
