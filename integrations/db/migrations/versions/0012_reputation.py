"""Reputation and credit lines from it: the stored score and track record of each business,
and the history of credit-line reviews with their reasons.

Businesses that have revealed reviews or closed deals before this revision get their row at
their next completed deal or ruling; until then the catalog treats them as not yet rated.

Revision ID: 0012_reputation
Revises: 0011_notify
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0012_reputation"
down_revision = "0011_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reputations",
        sa.Column("business_id", sa.BigInteger, sa.ForeignKey("businesses.id"), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("review_count", sa.Integer, nullable=False),
        sa.Column("review_sum", sa.Float, nullable=False),
        sa.Column("quality", sa.Float),
        sa.Column("timeliness", sa.Float),
        sa.Column("communication", sa.Float),
        sa.Column("lost_disputes", sa.Integer, nullable=False),
        sa.Column("won_disputes", sa.Integer, nullable=False),
        sa.Column("completed_deals", sa.Integer, nullable=False),
        sa.Column("completed_volume_minor", sa.BigInteger, nullable=False),
        sa.Column("parts", JSONB, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_reputations_score", "reputations", ["score", "business_id"])
    op.create_table(
        "credit_line_reviews",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("business_id", sa.BigInteger, sa.ForeignKey("businesses.id"), nullable=False, index=True),
        sa.Column("cause", sa.String(120), nullable=False),
        sa.Column("previous_minor", sa.BigInteger, nullable=False),
        sa.Column("target_minor", sa.BigInteger, nullable=False),
        sa.Column("in_force_minor", sa.BigInteger, nullable=False),
        sa.Column("usage_minor", sa.BigInteger, nullable=False),
        sa.Column("reasons", JSONB, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("credit_line_reviews")
    op.drop_index("ix_reputations_score", table_name="reputations")
    op.drop_table("reputations")
