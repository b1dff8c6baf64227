"""Manual ledger adjustments: proposed by one finance user, posted only when a second approves.

Revision ID: 0003_finance
Revises: 0003_stripe_cash

It chains after 0003_stripe_cash rather than beside it: `migrate.upgrade` asks for the single
"head", and two revisions both revising 0002 would leave Alembic with two.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_finance"
down_revision = "0003_stripe_cash"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finance_adjustments",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("from_account", sa.Text(), nullable=False),
        sa.Column("to_account", sa.Text(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="proposed", nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column(
            "proposed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), server_default="", nullable=False),
        sa.Column("transfer_id", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_finance_adjustments_positive_amount")),
        sa.CheckConstraint(
            "status IN ('proposed', 'approved', 'rejected')", name=op.f("ck_finance_adjustments_known_status")
        ),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_finance_adjustments_currency_code")),
        sa.CheckConstraint("from_account <> to_account", name=op.f("ck_finance_adjustments_two_accounts")),
        sa.CheckConstraint("length(btrim(reason)) > 0", name=op.f("ck_finance_adjustments_has_reason")),
        sa.CheckConstraint(
            "(status = 'proposed') = (decided_by IS NULL AND decided_at IS NULL)",
            name=op.f("ck_finance_adjustments_decided_iff_closed"),
        ),
        sa.CheckConstraint(
            "status <> 'approved' OR decided_by <> proposed_by",
            name=op.f("ck_finance_adjustments_four_eyes"),
        ),
        sa.CheckConstraint(
            "(status = 'approved') = (transfer_id IS NOT NULL)",
            name=op.f("ck_finance_adjustments_approved_iff_posted"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["users.id"], name=op.f("fk_finance_adjustments_proposed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_finance_adjustments_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["ledger_transfers.id"],
            name=op.f("fk_finance_adjustments_transfer_id_ledger_transfers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finance_adjustments")),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_finance_adjustments_transfer_id")),
    )
    op.create_index(op.f("ix_finance_adjustments_status"), "finance_adjustments", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_finance_adjustments_status"), table_name="finance_adjustments")
    op.drop_table("finance_adjustments")
