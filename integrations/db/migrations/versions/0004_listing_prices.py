"""Listings priced in cash, in credits, in both, or open to barter.

Revision ID: 0004_listing_prices
Revises: 0003_finance
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_listing_prices"
down_revision = "0003_finance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("listings", sa.Column("price_cash_minor", sa.BigInteger))
    op.add_column("listings", sa.Column("open_to_barter", sa.Boolean, nullable=False, server_default=sa.false()))
    op.alter_column("listings", "price_credits_minor", nullable=True)
    op.create_check_constraint("positive_cash_price", "listings", "price_cash_minor > 0")
    op.create_check_constraint(
        "priced_or_barter", "listings",
        "price_credits_minor IS NOT NULL OR price_cash_minor IS NOT NULL OR open_to_barter")


def downgrade() -> None:
    op.drop_constraint("ck_listings_priced_or_barter", "listings")
    op.drop_constraint("ck_listings_positive_cash_price", "listings")
    op.execute("DELETE FROM listings WHERE price_credits_minor IS NULL")
    op.alter_column("listings", "price_credits_minor", nullable=False)
    op.drop_column("listings", "open_to_barter")
    op.drop_column("listings", "price_cash_minor")
