"""The catalog at scale: categories as a tree, delivery mode and lead time on listings, and the
indexes its search uses (trigram similarity through pg_trgm for typo tolerance).

Existing listings become remote with a 14-day lead time: nothing said otherwise, and remote is
the one mode that needs no city. The ten original categories stay at the top of the tree.

Revision ID: 0010_catalog
Revises: 0009_verification
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_catalog"
down_revision = "0009_verification"
branch_labels = None
depends_on = None

# parent slug -> (slug, name) of its seeded children
CHILDREN = {
    "design": [("logo-design", "Logos & identity"), ("web-design", "Web design"), ("packaging", "Packaging")],
    "marketing": [("social-media", "Social media"), ("seo", "SEO & ads"), ("copywriting", "Copywriting")],
    "accounting": [("bookkeeping", "Bookkeeping"), ("payroll", "Payroll"), ("tax-returns", "Tax returns")],
    "it": [("web-development", "Web development"), ("it-support", "IT support"), ("hosting", "Hosting")],
    "printing": [("business-cards", "Business cards"), ("large-format", "Posters & large format")],
    "catering": [("event-catering", "Event catering"), ("event-planning", "Event planning")],
    "repairs": [("plumbing", "Plumbing"), ("electrical", "Electrical")],
    "photography": [("product-photos", "Product photography"), ("video", "Video production")],
    "consulting": [("training", "Training"), ("strategy", "Strategy")],
}

INDEXES = {
    # Typo-tolerant and partial-word title matching (word_similarity `<%` and ILIKE).
    "ix_listings_title_trgm": "CREATE INDEX ix_listings_title_trgm ON listings USING gin (title gin_trgm_ops) "
                              "WHERE active",
    "ix_listings_newest": "CREATE INDEX ix_listings_newest ON listings (created_at DESC, id DESC) WHERE active",
    "ix_listings_category_newest": "CREATE INDEX ix_listings_category_newest ON listings "
                                   "(category_id, created_at DESC) WHERE active",
    "ix_listings_cash_price": "CREATE INDEX ix_listings_cash_price ON listings (price_cash_minor) "
                              "WHERE active AND price_cash_minor IS NOT NULL",
    "ix_listings_credits_price": "CREATE INDEX ix_listings_credits_price ON listings (price_credits_minor) "
                                 "WHERE active AND price_credits_minor IS NOT NULL",
    "ix_listings_on_site_city": "CREATE INDEX ix_listings_on_site_city ON listings (lower(city)) "
                                "WHERE active AND delivery_mode = 'on_site'",
}


# Every word of three letters or more of any title, for "did you mean": a typo is matched to
# the closest known words (a small table, trigram-indexed), then searched as full text.
LEXICON = """
CREATE TABLE catalog_words (word text PRIMARY KEY);
CREATE INDEX ix_catalog_words_trgm ON catalog_words USING gin (word gin_trgm_ops);
CREATE FUNCTION catalog_words_from_title() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO catalog_words (word)
    SELECT DISTINCT w FROM regexp_split_to_table(lower(NEW.title), '[^[:alnum:]]+') AS w
    WHERE length(w) BETWEEN 3 AND 40
    ON CONFLICT DO NOTHING;
    RETURN NEW;
END $$;
CREATE TRIGGER listings_feed_catalog_words AFTER INSERT OR UPDATE OF title ON listings
    FOR EACH ROW EXECUTE FUNCTION catalog_words_from_title();
INSERT INTO catalog_words (word)
    SELECT DISTINCT w FROM listings, regexp_split_to_table(lower(title), '[^[:alnum:]]+') AS w
    WHERE length(w) BETWEEN 3 AND 40
    ON CONFLICT DO NOTHING;
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.add_column("categories", sa.Column("parent_id", sa.Integer, sa.ForeignKey(
        "categories.id", name="fk_categories_parent_id_categories"), nullable=True))
    op.create_index("ix_categories_parent_id", "categories", ["parent_id"])
    op.create_check_constraint("not_own_parent", "categories", "parent_id IS NULL OR parent_id <> id")
    for parent, children in CHILDREN.items():
        for slug, name in children:
            op.execute(sa.text("INSERT INTO categories (slug, name, parent_id) "
                               "SELECT :slug, :name, id FROM categories WHERE slug = :parent "
                               "ON CONFLICT (slug) DO NOTHING").bindparams(slug=slug, name=name, parent=parent))

    op.add_column("listings", sa.Column("delivery_mode", sa.String(10), nullable=False, server_default="remote"))
    op.add_column("listings", sa.Column("city", sa.String(80), nullable=False, server_default=""))
    op.add_column("listings", sa.Column("lead_time_days", sa.Integer, nullable=False, server_default="14"))
    op.create_check_constraint("known_delivery_mode", "listings", "delivery_mode IN ('remote', 'on_site')")
    op.create_check_constraint("on_site_has_city", "listings", "delivery_mode = 'remote' OR city <> ''")
    op.create_check_constraint("sane_lead_time", "listings", "lead_time_days BETWEEN 0 AND 365")
    op.create_index("ix_reviews_revealed_subject", "reviews", ["subject_id"],
                    postgresql_where=sa.text("revealed"))
    for statement in INDEXES.values():
        op.execute(statement)
    op.execute(LEXICON)


def downgrade() -> None:
    op.execute("DROP TRIGGER listings_feed_catalog_words ON listings")
    op.execute("DROP FUNCTION catalog_words_from_title()")
    op.drop_table("catalog_words")
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_index("ix_reviews_revealed_subject", "reviews")
    for name in ("sane_lead_time", "on_site_has_city", "known_delivery_mode"):
        op.drop_constraint(f"ck_listings_{name}", "listings")
    for column in ("lead_time_days", "city", "delivery_mode"):
        op.drop_column("listings", column)
    op.drop_constraint("ck_categories_not_own_parent", "categories")
    op.drop_index("ix_categories_parent_id", "categories")
    op.execute("UPDATE listings SET category_id = c.parent_id FROM categories c "
               "WHERE listings.category_id = c.id AND c.parent_id IS NOT NULL")
    op.execute("DELETE FROM categories WHERE parent_id IS NOT NULL")
    op.drop_column("categories", "parent_id")
