"""Catalog search at speed, and a listing's attachment.

Each business's rating is kept in a table, so that sorting and filtering listings by rating
reads an index instead of averaging every review on each search.

`business_ratings` holds, per business with revealed reviews, the average of its revealed
reviews (quality, timeliness and communication alike) and their count. Statement triggers on
`reviews` recompute the businesses a statement touched, so a review written, revealed or removed
anywhere (the deal-step activity, a test, a bulk COPY) is reflected in the same transaction.

`listing_attachments` holds a listing's one optional picture or brochure (PNG, JPEG or PDF, at
most 5 MB, its type read from its content before it is stored).

Revision ID: 0011_catalog_search
Revises: 0010_catalog
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_catalog_search"
down_revision = "0010_catalog"
branch_labels = None
depends_on = None

AVERAGES = """
    SELECT subject_id, avg((quality + timeliness + communication) / 3.0), count(*)
    FROM reviews WHERE revealed {only} GROUP BY subject_id
"""

TRIGGERS = f"""
CREATE FUNCTION business_ratings_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM business_ratings WHERE business_id IN (SELECT subject_id FROM changed);
    INSERT INTO business_ratings (business_id, rating, reviews)
    {AVERAGES.format(only="AND subject_id IN (SELECT subject_id FROM changed)")};
    RETURN NULL;
END $$;
CREATE TRIGGER reviews_inserted_rate AFTER INSERT ON reviews REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION business_ratings_refresh();
CREATE TRIGGER reviews_updated_rate AFTER UPDATE ON reviews REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION business_ratings_refresh();
CREATE TRIGGER reviews_deleted_rate AFTER DELETE ON reviews REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION business_ratings_refresh();
"""


def upgrade() -> None:
    op.create_table(
        "business_ratings",
        sa.Column("business_id", sa.Integer, sa.ForeignKey(
            "businesses.id", name="fk_business_ratings_business_id_businesses"), nullable=False),
        sa.Column("rating", sa.Float, nullable=False),
        sa.Column("reviews", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("business_id", name="pk_business_ratings"),
    )
    # Best first, as the rating sort walks it; business_id lets it join listings in that order.
    op.create_index("ix_business_ratings_best", "business_ratings", [sa.text("rating DESC"), "business_id"])
    op.execute(TRIGGERS)
    op.create_table(
        "listing_attachments",
        sa.Column("listing_id", sa.Integer, sa.ForeignKey(
            "listings.id", name="fk_listing_attachments_listing_id_listings"), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(40), nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("uploaded_by", sa.Integer, sa.ForeignKey(
            "users.id", name="fk_listing_attachments_uploaded_by_users"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("listing_id", name="pk_listing_attachments"),
        sa.CheckConstraint("media_type IN ('image/png', 'image/jpeg', 'application/pdf')",
                           name="ck_listing_attachments_known_type"),
        sa.CheckConstraint("size_bytes = octet_length(data) AND size_bytes BETWEEN 1 AND 5242880",
                           name="ck_listing_attachments_size"),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="ck_listing_attachments_sha256"),
    )
    op.execute(f"INSERT INTO business_ratings (business_id, rating, reviews) {AVERAGES.format(only='')}")


def downgrade() -> None:
    op.drop_table("listing_attachments")
    for name in ("inserted", "updated", "deleted"):
        op.execute(f"DROP TRIGGER reviews_{name}_rate ON reviews")
    op.execute("DROP FUNCTION business_ratings_refresh()")
    op.drop_table("business_ratings")
