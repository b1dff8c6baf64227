"""Disputes: the read model of DisputeWorkflow (disputes, timeline, settlement offers, evidence,
assignments, rulings), the bytes of evidence files, arbitrators' profiles and staff alerts.

Every existing arbitrator login becomes an active arbitrator; the first one is senior, so an
appeal can be heard on a fresh install.

Revision ID: 0008_disputes
Revises: 0008_ledger_speed
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008_disputes"
down_revision = "0008_ledger_speed"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column:
    return sa.Column("id", sa.BigInteger, primary_key=True)


def _dispute() -> sa.Column:
    return sa.Column("deal_id", sa.Text, sa.ForeignKey("disputes.deal_id"), nullable=False, index=True)


def upgrade() -> None:
    op.create_table(
        "arbitrators",
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("is_senior", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("business_id", sa.BigInteger, sa.ForeignKey("businesses.id")),
    )
    op.execute("INSERT INTO arbitrators (user_id, is_senior) SELECT id, id = (SELECT min(id) FROM users "
               "WHERE role = 'arbitrator') FROM users WHERE role = 'arbitrator'")
    op.create_table(
        "disputes",
        sa.Column("deal_id", sa.Text, sa.ForeignKey("deals.deal_id"), primary_key=True),
        sa.Column("buyer_id", sa.BigInteger, sa.ForeignKey("businesses.id"), nullable=False, index=True),
        sa.Column("seller_id", sa.BigInteger, sa.ForeignKey("businesses.id"), nullable=False, index=True),
        sa.Column("opened_by", sa.BigInteger, sa.ForeignKey("businesses.id"), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("arbitrator_id", sa.BigInteger, sa.ForeignKey("users.id"), index=True),
        _at("next_deadline_at", nullable=True),
        _at("opened_at"),
        _at("updated_at"),
        _at("closed_at", nullable=True),
        # How it ended (domain Dispute.outcome), for reputation and credit lines.
        sa.Column("outcome", sa.String(20)),
        sa.Column("state", JSONB, nullable=False),
    )
    op.create_table(
        "dispute_events",
        _id(), _dispute(),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("actor_id", sa.BigInteger),
        sa.Column("summary", sa.Text, nullable=False),
        _at("at"),
        sa.UniqueConstraint("deal_id", "seq", name="uq_dispute_events_deal_id_seq"),
    )
    op.create_table(
        "dispute_offers",
        _id(), _dispute(),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("by_business_id", sa.BigInteger, sa.ForeignKey("businesses.id"), nullable=False),
        _at("at"),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("ruling", JSONB, nullable=False),
        sa.UniqueConstraint("deal_id", "number", name="uq_dispute_offers_deal_id_number"),
    )
    op.create_table(
        "dispute_evidence",
        _id(), _dispute(),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("submitted_by", sa.BigInteger, sa.ForeignKey("businesses.id"), nullable=False),
        _at("at"),
        sa.Column("statement", sa.Text, nullable=False),
        sa.Column("files", JSONB, nullable=False),
        sa.UniqueConstraint("deal_id", "position", name="uq_dispute_evidence_deal_id_position"),
    )
    op.create_table(
        "dispute_files",
        _id(), _dispute(),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(200), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("uploaded_by", sa.BigInteger, sa.ForeignKey("businesses.id"), nullable=False),
        _at("created_at"),
        sa.UniqueConstraint("deal_id", "sha256", name="uq_dispute_files_deal_id_sha256"),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="ck_dispute_files_sha256"),
        sa.CheckConstraint("size_bytes = octet_length(data) AND size_bytes > 0", name="ck_dispute_files_size"),
    )
    op.create_table(
        "dispute_assignments",
        _id(), _dispute(),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("arbitrator_id", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("is_senior", sa.Boolean, nullable=False),
        sa.Column("for_appeal", sa.Boolean, nullable=False),
        _at("at"),
        sa.Column("reason", sa.Text, nullable=False),
        _at("ended_at", nullable=True),
        sa.Column("ended_why", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("deal_id", "position", name="uq_dispute_assignments_deal_id_position"),
    )
    op.create_table(
        "dispute_rulings",
        _id(), _dispute(),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("arbitrator_id", sa.BigInteger, sa.ForeignKey("users.id")),
        _at("at"),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("ruling", JSONB, nullable=False),
        sa.UniqueConstraint("deal_id", "kind", name="uq_dispute_rulings_deal_id_kind"),
        sa.CheckConstraint("kind IN ('first', 'appeal', 'agreed')", name="ck_dispute_rulings_kind"),
    )
    op.create_table(
        "staff_alerts",
        _id(),
        sa.Column("deal_id", sa.Text, sa.ForeignKey("deals.deal_id")),
        sa.Column("dedupe_key", sa.String(200), nullable=False, unique=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id")),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        _at("created_at"),
        _at("read_at", nullable=True),
        sa.Column("email_status", sa.String(10), nullable=False, server_default="pending"),
        sa.CheckConstraint("email_status IN ('pending', 'sent', 'failed', 'none')", name="ck_staff_alerts_email_status"),
    )
    op.create_index("ix_staff_alerts_outbox", "staff_alerts", ["id"], postgresql_where=sa.text("email_status = 'pending'"))
    op.create_index("ix_staff_alerts_unread", "staff_alerts", ["user_id"], postgresql_where=sa.text("read_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_staff_alerts_unread", table_name="staff_alerts")
    op.drop_index("ix_staff_alerts_outbox", table_name="staff_alerts")
    for table in ("staff_alerts", "dispute_rulings", "dispute_assignments", "dispute_files", "dispute_evidence",
                  "dispute_offers", "dispute_events", "disputes", "arbitrators"):
        op.drop_table(table)
