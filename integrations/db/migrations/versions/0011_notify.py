"""Notifications that help: preferences per business, daily digests, saved searches and alerts.

Notifications gain two email states ('digest': waiting for the daily digest; 'digested': sent in
one), a not-before time (held through quiet hours), the time they were emailed (the daily cap
counts these) and an optional link (a listing, for saved-search alerts). Existing rows keep
their state; businesses without settings get the platform defaults.

Revision ID: 0011_notify
Revises: 0010_catalog
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0011_notify"
down_revision = "0010_catalog"
branch_labels = None
depends_on = None

OLD_STATES = "('pending', 'sent', 'failed', 'none')"
NEW_STATES = "('pending', 'sent', 'failed', 'none', 'digest', 'digested')"


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _email_states(states: str) -> None:
    op.execute("ALTER TABLE notifications DROP CONSTRAINT ck_notifications_email_status")
    op.execute(f"ALTER TABLE notifications ADD CONSTRAINT ck_notifications_email_status CHECK (email_status IN {states})")


def upgrade() -> None:
    _email_states(NEW_STATES)
    op.add_column("notifications", _at("email_not_before", nullable=True))
    op.add_column("notifications", _at("emailed_at", nullable=True))
    op.add_column("notifications", sa.Column("link", sa.String(200), nullable=True))
    # The cap counts a business's emails of the day; the digest reads what waits for it.
    op.create_index("ix_notifications_emailed", "notifications", ["business_id", "emailed_at"],
                    postgresql_where=sa.text("emailed_at IS NOT NULL"))
    op.create_index("ix_notifications_digest", "notifications", ["business_id", "id"],
                    postgresql_where=sa.text("email_status = 'digest'"))
    op.create_table(
        "notification_settings",
        sa.Column("business_id", sa.Integer, sa.ForeignKey("businesses.id"), primary_key=True),
        sa.Column("channels", JSONB, nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("quiet_start", sa.Time, nullable=True),
        sa.Column("quiet_end", sa.Time, nullable=True),
        sa.Column("daily_cap", sa.Integer, nullable=False),
        sa.Column("digest_at", sa.Time, nullable=False),
        _at("updated_at"),
        sa.CheckConstraint("daily_cap BETWEEN 1 AND 100", name="ck_notification_settings_sane_daily_cap"),
        sa.CheckConstraint("(quiet_start IS NULL) = (quiet_end IS NULL)",
                           name="ck_notification_settings_quiet_hours_whole"),
    )
    op.create_table(
        "notification_digests",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("business_id", sa.Integer, sa.ForeignKey("businesses.id"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("items", sa.Integer, nullable=False),
        _at("sent_at"),
        sa.UniqueConstraint("business_id", "day", name="uq_notification_digests_business_id_day"),
    )
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("business_id", sa.Integer, sa.ForeignKey("businesses.id"), nullable=False, index=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("search", JSONB, nullable=False),
        sa.Column("alerts", sa.String(10), nullable=False),
        _at("created_at"),
        sa.CheckConstraint("alerts IN ('immediate', 'digest')", name="ck_saved_searches_known_alerts"),
    )
    op.create_table(
        "listings_to_match",
        sa.Column("listing_id", sa.Integer, sa.ForeignKey("listings.id"), primary_key=True),
        _at("published_at"),
    )


def downgrade() -> None:
    for table in ("listings_to_match", "saved_searches", "notification_digests", "notification_settings"):
        op.drop_table(table)
    op.drop_index("ix_notifications_digest", "notifications")
    op.drop_index("ix_notifications_emailed", "notifications")
    for column in ("link", "emailed_at", "email_not_before"):
        op.drop_column("notifications", column)
    op.execute("UPDATE notifications SET email_status = 'pending' WHERE email_status = 'digest'")
    op.execute("UPDATE notifications SET email_status = 'sent' WHERE email_status = 'digested'")
    _email_states(OLD_STATES)
