"""The deal's message thread: append-only messages between the two parties.

The thread is part of the deal's record and of a dispute's evidence pack, so the database
refuses to change or delete a message (the ledger's `ledger_refuse_change` answers).

Revision ID: 0013_messages
Revises: 0012_reputation
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_messages"
down_revision = "0012_reputation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deal_messages",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("deal_id", sa.String(64), sa.ForeignKey("deals.deal_id"), nullable=False),
        sa.Column("author_business_id", sa.Integer, sa.ForeignKey("businesses.id"), nullable=False),
        sa.Column("author_user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("request_id", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("char_length(body) BETWEEN 1 AND 5000", name="body_length"),
        sa.UniqueConstraint("deal_id", "author_business_id", "request_id"),
    )
    op.create_index("ix_deal_messages_deal_id_id", "deal_messages", ["deal_id", "id"])
    op.execute("""
CREATE TRIGGER deal_messages_append_only BEFORE UPDATE OR DELETE ON deal_messages
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change('a deal''s messages are part of its record: never changed');
CREATE TRIGGER deal_messages_no_truncate BEFORE TRUNCATE ON deal_messages
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change('a deal''s messages are part of its record: never changed');
""")


def downgrade() -> None:
    op.drop_table("deal_messages")
