"""Cash through Stripe: each business's Stripe customer and payout account, every Stripe call a
deal made (by its idempotency key), and the webhook events already handled.

Revision ID: 0003_stripe_cash
Revises: 0002_members_catalog_deals
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_stripe_cash"
down_revision = "0002_members_catalog_deals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stripe_accounts",
        sa.Column("business_id", sa.BigInteger, sa.ForeignKey("businesses.id"), primary_key=True),
        sa.Column("customer_id", sa.Text),
        sa.Column("connected_account_id", sa.Text, unique=True),
        sa.Column("payouts_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "stripe_movements",
        sa.Column("key", sa.Text, primary_key=True),  # the idempotency key: deal:{id}:{step}:{currency}
        sa.Column("deal_id", sa.Text, nullable=False, index=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("business_id", sa.BigInteger, sa.ForeignKey("businesses.id"), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("stripe_id", sa.Text, unique=True),
        sa.Column("charge_id", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("failure", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('charge', 'payout', 'refund')", name="ck_stripe_movements_kind"),
        sa.CheckConstraint("amount_minor > 0", name="ck_stripe_movements_positive"),
        sa.CheckConstraint("status IN ('succeeded', 'pending', 'failed', 'refunded', 'reversed')",
                           name="ck_stripe_movements_status"),
    )
    op.create_table(
        "stripe_events",
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("object_id", sa.Text),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("stripe_events")
    op.drop_table("stripe_movements")
    op.drop_table("stripe_accounts")
