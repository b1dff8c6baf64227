"""A two-account transfer, nearly every one, runs fewer and cheaper statements.

Counted with callgrind over a single-user backend (800 transactions of BEGIN, one two-posting
`ledger_move` between member accounts, COMMIT): 1.13 M instructions per transaction before,
0.92 M after (BENCHMARKS.md, ledger throughput). What changed:

- `ledger_apply_entries` (the statement trigger that moves balances, 0018/0019) first walks the
  statement's entries. When they belong to one transfer in one currency and name each account
  once — every `ledger_move` and `ledger_settle` — the entries themselves are the change: one
  UPDATE joins them to their accounts, with no grouping, no counting CTEs and one lookup of the
  transfer; a transfer left unbalanced is queued as before. Any other statement takes 0019's
  path unchanged. Before, the grouping and counting alone were a third of the trigger.
- `ledger_move` orders two addresses with one comparison instead of a query, and writes the two
  entries from the values it holds, in posting order, instead of unnesting its arrays (0008 wrote
  them in account id order; nothing reads that order). Address order is the database's text
  order either way, as `ledger_settle` locks in. The last account in that order is locked by the
  balance update rather than up front, which keeps the order and holds a busy platform account
  for less time. Fewer PL/pgSQL expressions run per call: each is set up again in every
  transaction.
- The rule that balances follow the entries no longer calls a function on OLD and NEW for every
  row the ledger itself updates: the trigger fires only for statements of their own (depth 0),
  where it refuses a change of balance, and a second trigger refuses any UPDATE that sets an
  address or currency, at any depth (`UPDATE OF`, so the ledger's updates never fire it).
  0018's `ledger_account_change_refused` stays, unused, for the downgrade.

What is refused does not change: the same SQLSTATEs and constraint names, for any SQL.

Revision ID: 0020_ledger_two_accounts
Revises: 0019_ledger_entry_references
"""

import importlib

from alembic import op

revision = "0020_ledger_two_accounts"
down_revision = "0019_ledger_entry_references"
branch_labels = None
depends_on = None

LEDGER_MOVE = """CREATE OR REPLACE FUNCTION ledger_move(
    p_id text, p_pending boolean, p_deal_id text, p_memo text,
    p_addresses text[], p_amounts bigint[], p_currencies text[], p_open_kinds text[], p_open_limits bigint[],
    OUT o_outcome text, OUT o_detail text
) LANGUAGE plpgsql AS $$
DECLARE
    v_kind text := CASE WHEN p_pending THEN 'pending' ELSE 'posted' END;
    -- Two postings on two accounts, as nearly every transfer has: no queries over the arrays.
    v_two boolean := cardinality(p_addresses) = 2 AND p_addresses[1] <> p_addresses[2];
    v_addresses text[];  -- each touched account once, in lock order
    v_account_ids bigint[];  -- their ids, in the same order
    v_account_id bigint;
    v_address text;
    v_last text;
    v_first int;
    v_missing text[];
BEGIN
    -- A twin still in flight makes this insert wait, then count as a replay.
    INSERT INTO ledger_transfers (id, kind, status, deal_id, memo)
    VALUES (p_id, v_kind, v_kind, p_deal_id, p_memo) ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND THEN
        SELECT CASE WHEN t.kind = v_kind THEN 'replayed' ELSE 'ledger_transfer_id_reused' END,
               CASE WHEN t.kind = v_kind THEN t.status ELSE t.kind END
          INTO o_outcome, o_detail FROM ledger_transfers t WHERE t.id = p_id;
        RETURN;
    END IF;
    -- One unique-index lookup per account, locked in address order (so is ledger_settle), so
    -- transfers never deadlock. FOR UPDATE rather than a weaker lock: a transfer waiting for a
    -- busy account then queues once. Escrow and platform accounts open on demand; members'
    -- must exist (p_open_kinds NULL).
    IF v_two THEN
        v_addresses := CASE WHEN p_addresses[1] < p_addresses[2] THEN p_addresses
                            ELSE ARRAY[p_addresses[2], p_addresses[1]] END;
    ELSE
        SELECT array_agg(DISTINCT u.address ORDER BY u.address) INTO v_addresses FROM unnest(p_addresses) AS u(address);
    END IF;
    v_last := v_addresses[cardinality(v_addresses)];
    FOREACH v_address IN ARRAY v_addresses LOOP
        IF v_address = v_last THEN
            -- The last account in address order is locked by the balance update itself, the
            -- order kept: a busy platform account, last after members' and escrow, is then held
            -- for the end of the transfer only, not while its entries are written.
            SELECT a.id INTO v_account_id FROM ledger_accounts a WHERE a.address = v_address;
        ELSE
            SELECT a.id INTO v_account_id FROM ledger_accounts a WHERE a.address = v_address FOR UPDATE;
        END IF;
        IF NOT FOUND THEN
            v_first := array_position(p_addresses, v_address);
            IF p_open_kinds[v_first] IS NOT NULL THEN
                INSERT INTO ledger_accounts (address, currency, kind, credit_limit)
                VALUES (v_address, p_currencies[v_first], p_open_kinds[v_first], p_open_limits[v_first])
                ON CONFLICT (address) DO NOTHING;
                SELECT a.id INTO v_account_id FROM ledger_accounts a WHERE a.address = v_address FOR UPDATE;
            END IF;
            IF v_account_id IS NULL THEN
                v_missing := array_append(v_missing, v_address);
            END IF;
        END IF;
        v_account_ids := array_append(v_account_ids, v_account_id);
    END LOOP;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION '%', array_to_string(v_missing, ', ')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_account_exists';
    END IF;
    IF v_two THEN
        -- In posting order, from the values at hand.
        INSERT INTO ledger_entries (transfer_id, account_id, amount, currency, pending)
        VALUES (p_id, v_account_ids[CASE WHEN v_addresses[1] = p_addresses[1] THEN 1 ELSE 2 END],
                p_amounts[1], p_currencies[1], p_pending),
               (p_id, v_account_ids[CASE WHEN v_addresses[1] = p_addresses[1] THEN 2 ELSE 1 END],
                p_amounts[2], p_currencies[2], p_pending);
    ELSE
        INSERT INTO ledger_entries (transfer_id, account_id, amount, currency, pending)
        SELECT p_id, v_account_ids[array_position(v_addresses, e.address)], e.amount, e.currency, p_pending
          FROM unnest(p_addresses, p_amounts, p_currencies) WITH ORDINALITY AS e(address, amount, currency, n)
         ORDER BY 2, e.n;
    END IF;
    o_outcome := 'done';
EXCEPTION WHEN check_violation THEN
    GET STACKED DIAGNOSTICS o_outcome = CONSTRAINT_NAME, o_detail = MESSAGE_TEXT;
END $$;
"""

APPLY_ENTRIES = """CREATE OR REPLACE FUNCTION ledger_apply_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_entry record;
    v_transfer text;
    v_currency text;
    v_ids bigint[];  -- the accounts, each once
    v_sum numeric := 0;
    v_mixed boolean;  -- true: more than one transfer or currency, or an account twice
    v_changes int;
    v_applied int;
    v_orphan text;
    v_mismatch record;
BEGIN
    -- The usual statement, ledger_move's or ledger_settle's: one transfer in one currency that
    -- names each account once. (Comparisons with the first row's NULLs are NULL: not mixed.)
    FOR v_entry IN SELECT n.transfer_id, n.account_id, n.currency, n.amount, n.pending FROM new_entries n LOOP
        IF v_entry.account_id = ANY (v_ids) OR v_entry.transfer_id <> v_transfer OR v_entry.currency <> v_currency THEN
            v_mixed := true;
            EXIT;
        END IF;
        v_transfer := v_entry.transfer_id;
        v_currency := v_entry.currency;
        v_ids := array_append(v_ids, v_entry.account_id);
        v_sum := v_sum + v_entry.amount;
    END LOOP;
    IF v_transfer IS NULL THEN
        RETURN NULL;  -- no entries
    END IF;

    IF v_mixed IS NULL THEN
        PERFORM FROM ledger_transfers t WHERE t.id = v_transfer;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'entry of transfer %, which does not exist', v_transfer
                USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_entry_transfer';
        END IF;
        -- Each account once: the entries are the change, with no grouping.
        UPDATE ledger_accounts a
           SET posted = a.posted + CASE WHEN n.pending THEN 0 ELSE n.amount END,
               pending_out = a.pending_out + CASE WHEN n.pending AND n.amount < 0 THEN -n.amount ELSE 0 END,
               pending_in = a.pending_in + CASE WHEN n.pending AND n.amount > 0 THEN n.amount ELSE 0 END
          FROM new_entries n
         WHERE a.id = n.account_id AND a.currency = n.currency;
        GET DIAGNOSTICS v_applied = ROW_COUNT;
        IF v_applied = cardinality(v_ids) THEN
            IF v_sum <> 0 THEN
                INSERT INTO ledger_unbalanced_transfers (transfer_id) VALUES (v_transfer);
            END IF;
            RETURN NULL;
        END IF;
    ELSE
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
        FOR v_orphan IN SELECT DISTINCT o.transfer_id FROM new_entries o LOOP
            PERFORM FROM ledger_transfers t WHERE t.id = v_orphan;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'entry of transfer %, which does not exist', v_orphan
                    USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_entry_transfer';
            END IF;
        END LOOP;
        IF v_applied = v_changes THEN
            RETURN NULL;
        END IF;
    END IF;
    SELECT n.currency, n.account_id, a.id IS NOT NULL AS exists INTO v_mismatch FROM new_entries n
      LEFT JOIN ledger_accounts a ON a.id = n.account_id
     WHERE a.id IS NULL OR a.currency <> n.currency LIMIT 1;
    IF NOT v_mismatch.exists THEN
        RAISE EXCEPTION 'entry for account %, which does not exist', v_mismatch.account_id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'ledger_entry_account';
    END IF;
    RAISE EXCEPTION 'entry in % does not match the currency of account %', v_mismatch.currency, v_mismatch.account_id
        USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entry_currency';
END $$;
"""

FOLLOW_ENTRIES = """CREATE OR REPLACE FUNCTION ledger_accounts_refuse_balance_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.posted, NEW.pending_out, NEW.pending_in) IS DISTINCT FROM (OLD.posted, OLD.pending_out, OLD.pending_in) THEN
        RAISE EXCEPTION 'ledger balances follow the entries; post a transfer instead'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER ledger_accounts_follow_entries ON ledger_accounts;
CREATE TRIGGER ledger_accounts_follow_entries BEFORE UPDATE ON ledger_accounts FOR EACH ROW
    WHEN (pg_trigger_depth() = 0)
    EXECUTE FUNCTION ledger_accounts_refuse_balance_change();
CREATE TRIGGER ledger_accounts_keep_address BEFORE UPDATE OF address, currency ON ledger_accounts FOR EACH ROW
    EXECUTE FUNCTION ledger_refuse_change('an account keeps its address and currency');
"""

DOWNGRADE_TRIGGERS = """
DROP TRIGGER ledger_accounts_keep_address ON ledger_accounts;
DROP TRIGGER ledger_accounts_follow_entries ON ledger_accounts;
DROP FUNCTION ledger_accounts_refuse_balance_change();
CREATE TRIGGER ledger_accounts_follow_entries BEFORE UPDATE ON ledger_accounts FOR EACH ROW
    WHEN (ledger_account_change_refused(OLD, NEW, pg_trigger_depth()))
    EXECUTE FUNCTION ledger_refuse_change('ledger balances follow the entries; post a transfer instead');
"""


def upgrade() -> None:
    op.execute(LEDGER_MOVE)
    op.execute(APPLY_ENTRIES)
    op.execute(FOLLOW_ENTRIES)


def downgrade() -> None:
    """0008's `ledger_move`, 0019's trigger body and 0018's balance rule, from those migrations' text."""
    op.execute(DOWNGRADE_TRIGGERS)
    op.execute(importlib.import_module("integrations.db.migrations.versions.0008_ledger_speed").LEDGER_MOVE)
    references = importlib.import_module("integrations.db.migrations.versions.0019_ledger_entry_references").UPGRADE
    op.execute(references[references.index("CREATE OR REPLACE FUNCTION ledger_apply_entries"):])
