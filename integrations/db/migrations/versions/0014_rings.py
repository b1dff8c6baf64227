"""Matching and barter rings: each want's best offers with their score's parts, the proposed
rings, and the ring a deal is a leg of.

Revision ID: 0014_rings
Revises: 0013_messages
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0014_rings"
down_revision = "0013_messages"
branch_labels = None
depends_on = None

POINTS = ("score", "category_points", "price_points", "payment_points", "rating_points", "delivery_points")


def _listing(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "listing_matches",
        _listing("want_id"),
        _listing("offer_id"),
        sa.Column("want_business_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("offer_business_id", sa.BigInteger, nullable=False, index=True),
        *(sa.Column(name, sa.SmallInteger, nullable=False) for name in POINTS),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_listing_matches_offer_id", "listing_matches", ["offer_id"])
    op.create_table(
        "barter_rings",
        sa.Column("ring_key", sa.String(200), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("business_ids", ARRAY(sa.BigInteger), nullable=False),
        sa.Column("listing_ids", ARRAY(sa.BigInteger), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("answer_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", JSONB, nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.add_column("deals", sa.Column("ring_id", sa.String(200), nullable=True))
    op.create_index("ix_deals_ring_id", "deals", ["ring_id"])


def downgrade() -> None:
    op.drop_index("ix_deals_ring_id", "deals")
    op.drop_column("deals", "ring_id")
    op.drop_table("barter_rings")
    op.drop_table("listing_matches")
