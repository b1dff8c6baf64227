"""An entry's transfer and account are checked by the ledger's own trigger, not by foreign keys.

A foreign key checks each inserted row with a query of its own (PostgreSQL's RI trigger): four
queries for a two-entry posting, 14 % of `ledger_move`'s instructions (callgrind, 2,000
postings: 1.16 M per call with them, 1.00 M without). The statement-level trigger that applies
the entries (0018_ledger_lean_checks) already looks up every account an entry names, so it
now also refuses, in the same statement, entries whose transfer or account does not exist.
What a foreign key also gave, that the referenced row cannot go away, holds because
transfers and accounts are never deleted: transfers were already refused DELETE and TRUNCATE
(0001_ledger), and accounts now are too.

Revision ID: 0019_ledger_entry_references
Revises: 0018_ledger_lean_checks
"""

import importlib

from alembic import op

revision = "0019_ledger_entry_references"
down_revision = "0018_ledger_lean_checks"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE ledger_entries
    DROP CONSTRAINT fk_ledger_entries_transfer_id_ledger_transfers,
    DROP CONSTRAINT fk_ledger_entries_account_id_ledger_accounts;

CREATE TRIGGER ledger_accounts_undeletable BEFORE DELETE ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change('ledger accounts are never deleted');
CREATE TRIGGER ledger_accounts_no_truncate BEFORE TRUNCATE ON ledger_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change('ledger accounts are never deleted');

CREATE OR REPLACE FUNCTION ledger_apply_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_changes int;  -- (account, currency) pairs the statement's entries touch
    v_applied int;  -- accounts moved: fewer when an account is missing or in another currency
    v_orphan text;  -- a transfer id no transfer has
    v_mismatch record;
BEGIN
    WITH change AS (
        SELECT n.account_id, n.currency,
               sum(CASE WHEN n.pending THEN 0 ELSE n.amount END) AS posted,
               sum(CASE WHEN n.pending AND n.amount < 0 THEN -n.amount ELSE 0 END) AS pending_out,
               sum(CASE WHEN n.pending AND n.amount > 0 THEN n.amount ELSE 0 END) AS pending_in
          FROM new_entries n GROUP BY n.account_id, n.currency
    ), applied AS (
        UPDATE ledger_accounts a
           SET posted = a.posted + c.posted, pending_out = a.pending_out + c.pending_out,
               pending_in = a.pending_in + c.pending_in
          FROM change c
         WHERE a.id = c.account_id AND a.currency = c.currency
        RETURNING a.id
    ), queued AS (
        INSERT INTO ledger_unbalanced_transfers (transfer_id)
        SELECT DISTINCT u.transfer_id FROM new_entries u GROUP BY u.transfer_id, u.currency HAVING sum(u.amount) <> 0
        RETURNING id
    )
    SELECT (SELECT count(*) FROM change), (SELECT count(*) FROM applied) INTO v_changes, v_applied;
    -- One primary-key lookup per transfer (a statement usually writes one): a join with the
    -- transfers here would be planned once, while the table is small, as a scan of it.
    FOR v_orphan IN SELECT DISTINCT o.transfer_id FROM new_entries o LOOP
        PERFORM FROM ledger_transfers t WHERE t.id = v_orphan;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'entry of transfer %, which does not exist', v_orphan
                USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_entry_transfer';
        END IF;
    END LOOP;
    IF v_applied < v_changes THEN
        SELECT n.currency, n.account_id, a.id IS NOT NULL AS exists INTO v_mismatch FROM new_entries n
          LEFT JOIN ledger_accounts a ON a.id = n.account_id
         WHERE a.id IS NULL OR a.currency <> n.currency LIMIT 1;
        IF NOT v_mismatch.exists THEN
            RAISE EXCEPTION 'entry for account %, which does not exist', v_mismatch.account_id
                USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_entry_account';
        END IF;
        RAISE EXCEPTION 'entry in % does not match the currency of account %', v_mismatch.currency, v_mismatch.account_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entry_currency';
    END IF;
    RETURN NULL;
END $$;
"""

DOWNGRADE = """
DROP TRIGGER ledger_accounts_undeletable ON ledger_accounts;
DROP TRIGGER ledger_accounts_no_truncate ON ledger_accounts;
ALTER TABLE ledger_entries
    ADD CONSTRAINT fk_ledger_entries_transfer_id_ledger_transfers
        FOREIGN KEY (transfer_id) REFERENCES ledger_transfers,
    ADD CONSTRAINT fk_ledger_entries_account_id_ledger_accounts
        FOREIGN KEY (account_id) REFERENCES ledger_accounts;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
    lean = importlib.import_module("integrations.db.migrations.versions.0018_ledger_lean_checks").APPLY_PER_STATEMENT
    op.execute(lean[lean.index("CREATE FUNCTION ledger_apply_entries"):lean.index("CREATE TRIGGER ledger_entries_apply")]
               .replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
