"""`ledger_move` with statements PostgreSQL plans once per connection, not on every call.

0001's `ledger_move` found a command's accounts with set-based statements over its array
arguments (`address = ANY (p_addresses)`, a join on `unnest(...)`). PL/pgSQL keeps a generic
plan only when it costs no more than a custom one, and for those statements the generic plan
scans the accounts table, so every call planned them again: about a third of the server's CPU
per posting (perf on a single client). Here each account is one unique-index lookup that also
locks it, and the entries are inserted from ids already found, so every statement keeps one
cached plan. Accounts are now locked in address order instead of id order (it is the order
they are looked up in); `ledger_settle` follows, so the two still never deadlock each other.

The guarantees do not change: the triggers, constraints and deferred balance check of 0001
hold for any SQL as before, and a refusal still comes back from inside the same savepoint.

Revision ID: 0008_ledger_speed
Revises: 0007_plans
"""

import importlib

from alembic import op

revision = "0008_ledger_speed"
down_revision = "0007_plans"
branch_labels = None
depends_on = None

LEDGER_MOVE = """
CREATE OR REPLACE FUNCTION ledger_move(
    p_id text, p_pending boolean, p_deal_id text, p_memo text,
    p_addresses text[], p_amounts bigint[], p_currencies text[], p_open_kinds text[], p_open_limits bigint[],
    OUT o_outcome text, OUT o_detail text
) LANGUAGE plpgsql AS $$
DECLARE
    v_kind text := CASE WHEN p_pending THEN 'pending' ELSE 'posted' END;
    v_addresses text[];  -- each touched account once, in lock order
    v_account_ids bigint[] := '{}';  -- their ids, in the same order
    v_account_id bigint;
    v_address text;
    v_first int;
    v_missing text[] := '{}';
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
    -- busy account then queues once, instead of first sharing the row for its foreign-key check.
    -- Escrow and platform accounts open on demand; members' must exist (p_open_kinds NULL).
    SELECT array_agg(DISTINCT u.address ORDER BY u.address) INTO v_addresses FROM unnest(p_addresses) AS u(address);
    FOREACH v_address IN ARRAY v_addresses LOOP
        v_first := array_position(p_addresses, v_address);
        SELECT a.id INTO v_account_id FROM ledger_accounts a WHERE a.address = v_address FOR UPDATE;
        IF NOT FOUND AND p_open_kinds[v_first] IS NOT NULL THEN
            INSERT INTO ledger_accounts (address, currency, kind, credit_limit)
            VALUES (v_address, p_currencies[v_first], p_open_kinds[v_first], p_open_limits[v_first])
            ON CONFLICT (address) DO NOTHING;
            SELECT a.id INTO v_account_id FROM ledger_accounts a WHERE a.address = v_address FOR UPDATE;
        END IF;
        IF v_account_id IS NULL THEN
            v_missing := v_missing || v_address;
        END IF;
        v_account_ids := v_account_ids || v_account_id;
    END LOOP;
    IF cardinality(v_missing) > 0 THEN
        RAISE EXCEPTION '%', array_to_string(v_missing, ', ')
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_account_exists';
    END IF;
    INSERT INTO ledger_entries (transfer_id, account_id, amount, currency, pending)
    SELECT p_id, v_account_ids[array_position(v_addresses, e.address)], e.amount, e.currency, p_pending
      FROM unnest(p_addresses, p_amounts, p_currencies) WITH ORDINALITY AS e(address, amount, currency, n)
     ORDER BY 2, e.n;
    o_outcome := 'done';
EXCEPTION WHEN check_violation THEN
    GET STACKED DIAGNOSTICS o_outcome = CONSTRAINT_NAME, o_detail = MESSAGE_TEXT;
END $$;
"""
# 0001's, but locking its two accounts in the same order as ledger_move.
LEDGER_SETTLE = """
CREATE OR REPLACE FUNCTION ledger_settle(
    p_id text, p_hold_id text, p_memo text, p_void boolean, p_amount bigint, p_currency text,
    OUT o_outcome text, OUT o_detail text
) LANGUAGE plpgsql AS $$
DECLARE
    v_kind text := CASE WHEN p_void THEN 'void_pending' ELSE 'post_pending' END;
    v_status text := CASE WHEN p_void THEN 'voided' ELSE 'posted' END;
    v_hold ledger_transfers%ROWTYPE;
    v_source bigint;
    v_destination bigint;
    v_held bigint;
    v_currency text;
BEGIN
    -- Lock the hold first: a twin post or void queues here, then finds this one committed.
    SELECT * INTO v_hold FROM ledger_transfers t WHERE t.id = p_hold_id AND t.kind = 'pending' FOR UPDATE;
    SELECT CASE WHEN t.kind = v_kind AND t.pending_id = p_hold_id THEN 'replayed'
                ELSE 'ledger_transfer_id_reused' END,
           CASE WHEN t.kind = v_kind AND t.pending_id = p_hold_id THEN t.status ELSE t.kind END
      INTO o_outcome, o_detail FROM ledger_transfers t WHERE t.id = p_id;
    IF FOUND THEN
        RETURN;
    ELSIF v_hold.id IS NULL THEN
        o_outcome := 'ledger_hold_exists';
    ELSIF v_hold.status <> 'pending' THEN
        o_outcome := 'ledger_hold_pending'; o_detail := v_hold.status;
    END IF;
    IF o_outcome IS NOT NULL THEN
        RETURN;
    END IF;
    SELECT max(e.account_id) FILTER (WHERE e.amount < 0), max(e.account_id) FILTER (WHERE e.amount > 0),
           max(e.amount), max(e.currency)
      INTO v_source, v_destination, v_held, v_currency FROM ledger_entries e WHERE e.transfer_id = p_hold_id;
    IF p_currency IS NOT NULL AND p_currency <> v_currency THEN
        o_outcome := 'ledger_entry_currency'; o_detail := v_currency; RETURN;
    ELSIF p_amount IS NOT NULL AND NOT p_amount BETWEEN 1 AND v_held THEN
        o_outcome := 'ledger_post_within_hold'; o_detail := v_held::text; RETURN;
    END IF;
    BEGIN
        INSERT INTO ledger_transfers (id, kind, status, pending_id, deal_id, memo)
        VALUES (p_id, v_kind, v_status, p_hold_id, v_hold.deal_id, p_memo);
        -- Address order, as in ledger_move.
        PERFORM 1 FROM ledger_accounts a WHERE a.id IN (v_source, v_destination) ORDER BY a.address FOR UPDATE;
        UPDATE ledger_transfers t SET status = v_status WHERE t.id = p_hold_id;
        IF NOT p_void THEN
            INSERT INTO ledger_entries (transfer_id, account_id, amount, currency, pending)
            SELECT p_id, x.account_id, x.amount, v_currency, false
              FROM (VALUES (v_source, -coalesce(p_amount, v_held)), (v_destination, coalesce(p_amount, v_held)))
                   AS x(account_id, amount)
             ORDER BY x.account_id;
        END IF;
        o_outcome := 'done';
    EXCEPTION WHEN check_violation THEN
        GET STACKED DIAGNOSTICS o_outcome = CONSTRAINT_NAME, o_detail = MESSAGE_TEXT;
    END;
END $$;
"""


def upgrade() -> None:
    op.execute(LEDGER_MOVE)
    op.execute(LEDGER_SETTLE)


def downgrade() -> None:
    first = importlib.import_module("integrations.db.migrations.versions.0001_ledger")
    op.execute(first.COMMANDS.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
