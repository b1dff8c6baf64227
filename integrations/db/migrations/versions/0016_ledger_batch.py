"""A transfer's balance is checked once per statement that writes its entries, not once per entry.

0001 checked balance with a deferred trigger per entry: at commit, one query over the
transfer's entries for every entry, so a two-entry transfer paid for two trigger calls and two
queries (about a tenth of the server's CPU per posting, BENCHMARKS.md). Now a statement-level
trigger sums the entries the statement itself wrote (its transition table; no table is read).
A transfer whose new entries balance stays balanced, because before the statement it either
balanced or was already queued for a check at commit. Only when a statement leaves a transfer
unbalanced (entries written one by one, or added to an old transfer) is the transfer queued in
`ledger_unbalanced_transfers`, whose deferred trigger checks all of that transfer's entries at
commit and refuses it as before (`ledger_transfer_balanced`). `ledger_move` writes a transfer's
entries in one statement, so it never queues anything.

Deleting a queued row does not cancel its check: the check was queued when the row was inserted.

Revision ID: 0016_ledger_batch
Revises: 0015_catalog_search
"""

from alembic import op

revision = "0016_ledger_batch"
down_revision = "0015_catalog_search"
branch_labels = None
depends_on = None

UPGRADE = """
DROP TRIGGER ledger_entries_balanced ON ledger_entries;
DROP FUNCTION ledger_check_balanced();

CREATE TABLE ledger_unbalanced_transfers (
    id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_ledger_unbalanced_transfers PRIMARY KEY,
    transfer_id text NOT NULL
);

CREATE FUNCTION ledger_check_balanced_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM ledger_unbalanced_transfers WHERE id = NEW.id;
    IF EXISTS (SELECT 1 FROM ledger_entries WHERE transfer_id = NEW.transfer_id
                GROUP BY currency HAVING sum(amount) <> 0) THEN
        RAISE EXCEPTION 'transfer % does not balance', NEW.transfer_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_transfer_balanced';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_unbalanced_transfers_check AFTER INSERT ON ledger_unbalanced_transfers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced_at_commit();

CREATE FUNCTION ledger_check_statement_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ledger_unbalanced_transfers (transfer_id)
    SELECT DISTINCT n.transfer_id FROM new_entries n GROUP BY n.transfer_id, n.currency HAVING sum(n.amount) <> 0;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_statement_balanced();
"""

# 0001's check, entry by entry.
DOWNGRADE = """
DROP TRIGGER ledger_entries_balanced ON ledger_entries;
DROP FUNCTION ledger_check_statement_balanced();
DROP TABLE ledger_unbalanced_transfers;
DROP FUNCTION ledger_check_balanced_at_commit();

CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_entries WHERE transfer_id = NEW.transfer_id
                GROUP BY currency HAVING sum(amount) <> 0) THEN
        RAISE EXCEPTION 'transfer % does not balance', NEW.transfer_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_transfer_balanced';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
