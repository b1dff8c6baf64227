"""Members, catalog and the deal read model.

Revision ID: 0002_members_catalog_deals
Revises: 0001_ledger
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002_members_catalog_deals"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None

CATEGORIES = [
    ("design", "Design & branding"),
    ("marketing", "Marketing & social media"),
    ("accounting", "Accounting & bookkeeping"),
    ("legal", "Legal services"),
    ("it", "IT & web development"),
    ("printing", "Printing"),
    ("catering", "Catering & events"),
    ("repairs", "Repairs & maintenance"),
    ("photography", "Photography & video"),
    ("consulting", "Consulting & training"),
]


def upgrade() -> None:
    op.create_table(
        "businesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("city", sa.String(length=80), nullable=False),
        sa.Column("website", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_businesses")),
        sa.UniqueConstraint("name", name=op.f("uq_businesses_name")),
    )
    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
        sa.UniqueConstraint("slug", name=op.f("uq_categories_slug")),
    )
    op.create_table(
        "listings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("price_credits_minor", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed(
                "setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B')",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('offer', 'want')", name=op.f("ck_listings_known_kind")),
        sa.CheckConstraint("price_credits_minor > 0", name=op.f("ck_listings_positive_price")),
        sa.ForeignKeyConstraint(
            ["business_id"], ["businesses.id"], name=op.f("fk_listings_business_id_businesses")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_listings_category_id_categories")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listings")),
    )
    op.create_index(op.f("ix_listings_business_id"), "listings", ["business_id"], unique=False)
    op.create_index(op.f("ix_listings_category_id"), "listings", ["category_id"], unique=False)
    op.create_index(
        "ix_listings_search", "listings", ["search"], unique=False, postgresql_using="gin"
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=True),
        sa.Column("api_token_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "role <> 'member' OR business_id IS NOT NULL", name=op.f("ck_users_member_has_business")
        ),
        sa.CheckConstraint(
            "role IN ('member', 'arbitrator', 'finance', 'admin')", name=op.f("ck_users_known_role")
        ),
        sa.ForeignKeyConstraint(
            ["business_id"], ["businesses.id"], name=op.f("fk_users_business_id_businesses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("api_token_hash", name=op.f("uq_users_api_token_hash")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_business_id"), "users", ["business_id"], unique=False)
    op.create_table(
        "deals",
        sa.Column("deal_id", sa.String(length=64), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("seller_id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=10), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("next_deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["businesses.id"], name=op.f("fk_deals_buyer_id_businesses")
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listings.id"], name=op.f("fk_deals_listing_id_listings")
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"], ["businesses.id"], name=op.f("fk_deals_seller_id_businesses")
        ),
        sa.PrimaryKeyConstraint("deal_id", name=op.f("pk_deals")),
    )
    op.create_index(op.f("ix_deals_buyer_id"), "deals", ["buyer_id"], unique=False)
    op.create_index(op.f("ix_deals_seller_id"), "deals", ["seller_id"], unique=False)
    op.create_index(op.f("ix_deals_stage"), "deals", ["stage"], unique=False)
    op.create_table(
        "deal_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("deal_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["businesses.id"], name=op.f("fk_deal_events_actor_id_businesses")
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.deal_id"], name=op.f("fk_deal_events_deal_id_deals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deal_events")),
        sa.UniqueConstraint("deal_id", "seq", name=op.f("uq_deal_events_deal_id_seq")),
    )
    op.create_index(op.f("ix_deal_events_deal_id"), "deal_events", ["deal_id"], unique=False)
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("business_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.String(length=64), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_status", sa.String(length=10), nullable=False),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "email_status IN ('pending', 'sent', 'failed', 'none')",
            name=op.f("ck_notifications_email_status"),
        ),
        sa.ForeignKeyConstraint(
            ["business_id"], ["businesses.id"], name=op.f("fk_notifications_business_id_businesses")
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.deal_id"], name=op.f("fk_notifications_deal_id_deals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
    )
    op.create_index(
        op.f("ix_notifications_business_id"), "notifications", ["business_id"], unique=False
    )
    op.create_index(
        "ix_notifications_outbox",
        "notifications",
        ["id"],
        unique=False,
        postgresql_where=sa.text("email_status = 'pending'"),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.String(length=64), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("timeliness", sa.Integer(), nullable=False),
        sa.Column("communication", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("revealed", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["businesses.id"], name=op.f("fk_reviews_author_id_businesses")
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.deal_id"], name=op.f("fk_reviews_deal_id_deals")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["businesses.id"], name=op.f("fk_reviews_subject_id_businesses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("deal_id", "author_id", name=op.f("uq_reviews_deal_id_author_id")),
    )
    op.create_index(op.f("ix_reviews_deal_id"), "reviews", ["deal_id"], unique=False)
    op.create_index(op.f("ix_reviews_subject_id"), "reviews", ["subject_id"], unique=False)
    categories = sa.table("categories", sa.column("slug", sa.String), sa.column("name", sa.String))
    op.bulk_insert(categories, [{"slug": slug, "name": name} for slug, name in CATEGORIES])


def downgrade() -> None:
    for table in (
        "notifications",
        "reviews",
        "deal_events",
        "deals",
        "listings",
        "users",
        "categories",
        "businesses",
    ):
        op.drop_table(table)
