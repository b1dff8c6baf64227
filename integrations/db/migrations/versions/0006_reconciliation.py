"""Reconciliation runs (on demand and nightly) and the mismatches each found.

Revision ID: 0006_reconciliation
Revises: 0005_payout_retries
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_reconciliation"
down_revision = "0005_payout_retries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reconciliation_runs",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("workflow_id", sa.Text, nullable=False, unique=True),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.BigInteger, sa.ForeignKey("users.id")),
        sa.Column("status", sa.Text, nullable=False, server_default="running"),
        sa.Column("checked", sa.Integer, nullable=False, server_default="0"),
        sa.Column("mismatches", sa.Integer, nullable=False, server_default="0"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('running', 'done')", name="ck_reconciliation_runs_status"),
        sa.CheckConstraint("period_start < period_end", name="ck_reconciliation_runs_period"),
    )
    op.create_table(
        "reconciliation_mismatches",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("run_id", sa.BigInteger, sa.ForeignKey("reconciliation_runs.id"), nullable=False, index=True),
        sa.Column("deal_id", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.UniqueConstraint("run_id", "key", name="uq_reconciliation_mismatches_run_key"),
    )


def downgrade() -> None:
    op.drop_table("reconciliation_mismatches")
    op.drop_table("reconciliation_runs")
