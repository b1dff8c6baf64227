"""Plans and their fees, each member's subscription, and every attempt to charge one.

Free is seeded with the commission every deal paid before plans existed (domain.fees.FeeRule's
default), so a member without a subscription pays exactly what it paid yesterday.

Revision ID: 0007_plans
Revises: 0006_reconciliation
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_plans"
down_revision = "0006_reconciliation"
branch_labels = None
depends_on = None

STATUSES = "('active', 'past_due', 'cancelled', 'downgraded')"


def _timestamp(name: str, nullable: bool = False, default: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable,
                     server_default=sa.func.now() if default else None)


def upgrade() -> None:
    plans = op.create_table(
        "plans",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("commission_bps", sa.Integer, nullable=False),
        sa.Column("minimum_fee_minor", sa.BigInteger, nullable=False),
        sa.Column("monthly_price_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False, server_default="EUR"),
        sa.Column("updated_by", sa.BigInteger, sa.ForeignKey("users.id")),
        _timestamp("updated_at", default=True),
        sa.CheckConstraint("code ~ '^[a-z][a-z0-9_]{0,29}$'", name="ck_plans_code"),
        sa.CheckConstraint("commission_bps BETWEEN 0 AND 5000", name="ck_plans_commission"),
        sa.CheckConstraint("minimum_fee_minor BETWEEN 0 AND 10000", name="ck_plans_minimum_fee"),
        # Free is where everyone without a subscription is; a paid plan is a card payment Stripe accepts.
        sa.CheckConstraint("(code = 'free' AND monthly_price_minor = 0) OR "
                           "(code <> 'free' AND monthly_price_minor BETWEEN 50 AND 1000000)",
                           name="ck_plans_price"),
    )
    op.bulk_insert(plans, [
        {"code": "free", "name": "Free", "position": 0, "commission_bps": 500, "minimum_fee_minor": 100,
         "monthly_price_minor": 0, "currency": "EUR"},
        {"code": "pro", "name": "Pro", "position": 1, "commission_bps": 250, "minimum_fee_minor": 50,
         "monthly_price_minor": 29_00, "currency": "EUR"},
    ])
    op.create_table(
        "subscriptions",
        sa.Column("business_id", sa.BigInteger, sa.ForeignKey("businesses.id"), primary_key=True),
        sa.Column("plan_code", sa.Text, sa.ForeignKey("plans.code"), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        _timestamp("started_at"),
        sa.Column("version", sa.Integer, nullable=False),
        _timestamp("current_period_start"),
        _timestamp("current_period_end"),
        _timestamp("next_charge_at", nullable=True),
        sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("cancel_at_period_end", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("next_plan_code", sa.Text, sa.ForeignKey("plans.code")),
        sa.Column("payment_method", sa.Text, nullable=False),
        sa.Column("workflow_id", sa.Text, nullable=False),
        _timestamp("updated_at"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="ck_subscriptions_status"),
        sa.CheckConstraint("current_period_start < current_period_end", name="ck_subscriptions_period"),
    )
    op.create_table(
        "subscription_charges",
        # subscription:{business}:{period start}:attempt-{n}, also the Stripe idempotency key
        sa.Column("idempotency_key", sa.Text, primary_key=True),
        sa.Column("business_id", sa.BigInteger, sa.ForeignKey("businesses.id"), nullable=False),
        sa.Column("plan_code", sa.Text, sa.ForeignKey("plans.code"), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        _timestamp("period_start"),
        _timestamp("period_end"),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payment_method", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("payment_intent_id", sa.Text, unique=True),
        sa.Column("charge_id", sa.Text),
        sa.Column("failure", sa.Text),
        _timestamp("created_at", default=True),
        _timestamp("updated_at", default=True),
        sa.CheckConstraint("amount_minor > 0", name="ck_subscription_charges_positive"),
        sa.CheckConstraint("attempt >= 1", name="ck_subscription_charges_attempt"),
        sa.CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="ck_subscription_charges_status"),
    )
    op.create_index("ix_subscription_charges_business", "subscription_charges", ["business_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_subscription_charges_business", "subscription_charges")
    op.drop_table("subscription_charges")
    op.drop_table("subscriptions")
    op.drop_table("plans")
