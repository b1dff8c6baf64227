"""Finance's retries of payouts Stripe refused: how many, who asked last, and when.

Revision ID: 0005_payout_retries
Revises: 0004_listing_prices
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_payout_retries"
down_revision = "0004_listing_prices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stripe_movements", sa.Column("retries", sa.Integer, nullable=False, server_default="0"))
    op.add_column("stripe_movements", sa.Column("retried_by", sa.BigInteger, sa.ForeignKey("users.id")))
    op.add_column("stripe_movements", sa.Column("retried_at", sa.DateTime(timezone=True)))
    op.create_index("ix_stripe_movements_status", "stripe_movements", ["status", "kind"])


def downgrade() -> None:
    op.drop_index("ix_stripe_movements_status", "stripe_movements")
    for column in ("retried_at", "retried_by", "retries"):
        op.drop_column("stripe_movements", column)
