"""Business verification (KYB): the verification read model, its timeline and documents.

Businesses that exist before this revision traded and held credit lines without KYB; they are
recorded as verified (grandfathered), so their limits and lines stay as they were.

Revision ID: 0009_verification
Revises: 0008_disputes
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009_verification"
down_revision = "0008_disputes"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _business(primary_key: bool = False) -> sa.Column:
    return sa.Column("business_id", sa.BigInteger, sa.ForeignKey("businesses.id"), nullable=False,
                     primary_key=primary_key, index=not primary_key)


def upgrade() -> None:
    op.create_table(
        "verifications",
        _business(primary_key=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("registration_number", sa.Text, nullable=False, server_default=""),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("representative", sa.Text, nullable=False, server_default=""),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        _at("waiting_since", nullable=True),
        sa.Column("decided_by", sa.BigInteger, sa.ForeignKey("users.id")),
        sa.Column("state", JSONB, nullable=False),
        _at("updated_at"),
        sa.CheckConstraint("status IN ('none', 'submitted', 'info_requested', 'approved', 'rejected')",
                           name="ck_verifications_known_status"),
    )
    op.create_table(
        "verification_events",
        sa.Column("id", sa.BigInteger, primary_key=True),
        _business(),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("actor_user_id", sa.BigInteger, sa.ForeignKey("users.id")),
        sa.Column("summary", sa.Text, nullable=False),
        _at("at"),
        sa.UniqueConstraint("business_id", "version", name="uq_verification_events_business_id_version"),
    )
    op.create_table(
        "verification_documents",
        sa.Column("id", sa.BigInteger, primary_key=True),
        _business(),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(200), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("uploaded_by", sa.BigInteger, sa.ForeignKey("users.id"), nullable=False),
        _at("created_at"),
        sa.UniqueConstraint("business_id", "sha256", name="uq_verification_documents_business_id_sha256"),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="ck_verification_documents_sha256"),
        sa.CheckConstraint("size_bytes = octet_length(data) AND size_bytes > 0",
                           name="ck_verification_documents_size"),
    )
    op.execute("INSERT INTO verifications (business_id, status, version, reason, state, updated_at) "
               "SELECT id, 'approved', 0, 'verified before KYB existed', '{}'::jsonb, now() FROM businesses")


def downgrade() -> None:
    for table in ("verification_documents", "verification_events", "verifications"):
        op.drop_table(table)
