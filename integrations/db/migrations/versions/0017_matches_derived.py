"""Stored matches are derived data: no foreign keys from `listing_matches` to `listings`.

Each matching activity writes matches of listings it has just read in the same transaction, a
full recompute drops the rows of listings no longer open, and listings are never deleted (they
are closed). The two foreign keys only cost: checking them was half of a first full recompute's
time at 10,000 × 10,000 (bench/matching_db.py; about 0.5 s of PostgreSQL for 50,000 rows).

Revision ID: 0017_matches_derived
Revises: 0016_ledger_batch
"""

from alembic import op

revision = "0017_matches_derived"
down_revision = "0016_ledger_batch"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint("fk_listing_matches_want_id_listings", "listing_matches", type_="foreignkey")
    op.drop_constraint("fk_listing_matches_offer_id_listings", "listing_matches", type_="foreignkey")


def downgrade() -> None:
    op.execute("DELETE FROM listing_matches m WHERE NOT EXISTS (SELECT FROM listings l WHERE l.id = m.want_id) "
               "OR NOT EXISTS (SELECT FROM listings l WHERE l.id = m.offer_id)")
    for column in ("want_id", "offer_id"):
        op.create_foreign_key(f"fk_listing_matches_{column}_listings", "listing_matches", "listings",
                              [column], ["id"], ondelete="CASCADE")
