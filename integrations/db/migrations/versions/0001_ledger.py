"""The double-entry ledger: accounts, transfers, entries, and the rules the database enforces.

Every rule holds for SQL that bypasses the Python ledger too. Refusals are raised as
check violations carrying a constraint name, which `integrations.db.ledger` maps to the
domain's errors. `ledger_move` and `ledger_settle` post a whole command in one round trip.

Revision ID: 0001_ledger
Revises:
"""

from alembic import op

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE ledger_accounts (
    id bigserial CONSTRAINT pk_ledger_accounts PRIMARY KEY,
    address text NOT NULL CONSTRAINT uq_ledger_accounts_address UNIQUE,
    currency varchar(3) NOT NULL,
    kind text NOT NULL,
    credit_limit bigint,
    posted bigint NOT NULL DEFAULT 0,
    pending_out bigint NOT NULL DEFAULT 0,
    pending_in bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ck_ledger_accounts_within_credit_line
        CHECK (credit_limit IS NULL OR posted - pending_out >= -credit_limit),
    CONSTRAINT ck_ledger_accounts_credit_limit_not_negative CHECK (credit_limit IS NULL OR credit_limit >= 0),
    CONSTRAINT ck_ledger_accounts_pending_not_negative CHECK (pending_out >= 0 AND pending_in >= 0)
);
CREATE TABLE ledger_transfers (
    id text CONSTRAINT pk_ledger_transfers PRIMARY KEY,
    kind text NOT NULL,
    status text NOT NULL,
    pending_id text CONSTRAINT fk_ledger_transfers_pending_id_ledger_transfers REFERENCES ledger_transfers,
    deal_id text,
    memo text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT ck_ledger_transfers_known_kind
        CHECK (kind IN ('posted', 'pending', 'post_pending', 'void_pending')),
    CONSTRAINT ck_ledger_transfers_known_status CHECK (status IN ('posted', 'pending', 'voided')),
    CONSTRAINT ck_ledger_transfers_status_fits_kind CHECK (
        kind = 'pending' OR status = CASE kind WHEN 'void_pending' THEN 'voided' ELSE 'posted' END),
    CONSTRAINT ck_ledger_transfers_settles_a_hold
        CHECK ((pending_id IS NOT NULL) = (kind IN ('post_pending', 'void_pending')))
);
CREATE INDEX ix_ledger_transfers_deal_id ON ledger_transfers (deal_id);
CREATE UNIQUE INDEX uq_ledger_transfers_pending_id ON ledger_transfers (pending_id)
    WHERE pending_id IS NOT NULL;
CREATE TABLE ledger_entries (
    id bigserial CONSTRAINT pk_ledger_entries PRIMARY KEY,
    transfer_id text NOT NULL
        CONSTRAINT fk_ledger_entries_transfer_id_ledger_transfers REFERENCES ledger_transfers,
    account_id bigint NOT NULL
        CONSTRAINT fk_ledger_entries_account_id_ledger_accounts REFERENCES ledger_accounts,
    amount bigint NOT NULL CONSTRAINT ck_ledger_entries_non_zero CHECK (amount <> 0),
    currency varchar(3) NOT NULL,
    pending boolean NOT NULL DEFAULT false
);
CREATE INDEX ix_ledger_entries_transfer_id ON ledger_entries (transfer_id);
CREATE INDEX ix_ledger_entries_account_id_id ON ledger_entries (account_id, id);
"""

GUARANTEES = """
-- Balances follow the entries; matching on currency refuses an entry in a foreign currency.
CREATE FUNCTION ledger_apply_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ledger_accounts
       SET posted = posted + CASE WHEN NEW.pending THEN 0 ELSE NEW.amount END,
           pending_out = pending_out + CASE WHEN NEW.pending AND NEW.amount < 0 THEN -NEW.amount ELSE 0 END,
           pending_in = pending_in + CASE WHEN NEW.pending AND NEW.amount > 0 THEN NEW.amount ELSE 0 END
     WHERE id = NEW.account_id AND currency = NEW.currency;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'entry in % does not match the currency of account %', NEW.currency, NEW.account_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entry_currency';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_entries_apply AFTER INSERT ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_apply_entry();

-- Checked at commit, so the entries of one transfer may be inserted one by one.
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

-- The one change a transfer may undergo: a pending hold becomes posted or voided, which frees
-- its reservations (a post then inserts its own posted entries, possibly for less).
CREATE FUNCTION ledger_settle_hold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status <> 'pending' OR NEW.status NOT IN ('posted', 'voided')
       OR (NEW.id, NEW.kind, NEW.pending_id, NEW.deal_id, NEW.memo, NEW.created_at)
          IS DISTINCT FROM (OLD.id, OLD.kind, OLD.pending_id, OLD.deal_id, OLD.memo, OLD.created_at) THEN
        RAISE EXCEPTION 'ledger transfers are immutable; only a pending hold may be posted or voided'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    UPDATE ledger_accounts a
       SET pending_out = a.pending_out - h.held_out, pending_in = a.pending_in - h.held_in
      FROM (SELECT account_id, sum(greatest(-amount, 0)) AS held_out, sum(greatest(amount, 0)) AS held_in
              FROM ledger_entries WHERE transfer_id = OLD.id AND pending GROUP BY account_id) h
     WHERE a.id = h.account_id;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_transfers_settle BEFORE UPDATE ON ledger_transfers
    FOR EACH ROW EXECUTE FUNCTION ledger_settle_hold();

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', coalesce(TG_ARGV[0], TG_TABLE_NAME || ' are immutable')
        USING ERRCODE = 'object_not_in_prerequisite_state';
END $$;
-- Balances move only through the triggers above, never by a statement of its own (depth 0);
-- an account keeps its address and currency, which its entries rely on. WHEN clauses keep
-- the ledger's own updates free of any extra call.
CREATE TRIGGER ledger_accounts_open_empty BEFORE INSERT ON ledger_accounts FOR EACH ROW
    WHEN (pg_trigger_depth() = 0 AND (NEW.posted, NEW.pending_out, NEW.pending_in) <> (0, 0, 0))
    EXECUTE FUNCTION ledger_refuse_change('an account opens empty; post a transfer instead');
CREATE TRIGGER ledger_accounts_follow_entries BEFORE UPDATE ON ledger_accounts FOR EACH ROW
    WHEN ((NEW.address, NEW.currency) IS DISTINCT FROM (OLD.address, OLD.currency)
          OR pg_trigger_depth() = 0 AND (NEW.posted, NEW.pending_out, NEW.pending_in)
             IS DISTINCT FROM (OLD.posted, OLD.pending_out, OLD.pending_in))
    EXECUTE FUNCTION ledger_refuse_change('ledger balances follow the entries; post a transfer instead');
CREATE TRIGGER ledger_entries_immutable BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_transfers_undeletable BEFORE DELETE ON ledger_transfers
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_transfers_no_truncate BEFORE TRUNCATE ON ledger_transfers
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
"""

# One round trip per command. A BEGIN ... EXCEPTION block is a savepoint on the server:
# a refusal undoes the command and is returned as (constraint name, detail), and the caller's
# transaction stays usable. A replay returns ('replayed', current status) and writes nothing. Touched accounts are locked in id order so transfers never deadlock.
COMMANDS = """
CREATE FUNCTION ledger_move(
    p_id text, p_pending boolean, p_deal_id text, p_memo text,
    p_addresses text[], p_amounts bigint[], p_currencies text[], p_open_kinds text[], p_open_limits bigint[],
    OUT o_outcome text, OUT o_detail text
) LANGUAGE plpgsql AS $$
DECLARE
    v_kind text := CASE WHEN p_pending THEN 'pending' ELSE 'posted' END;
    v_rows int;
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
    -- Escrow and platform accounts open on demand; members' must exist (p_open_kinds NULL).
    INSERT INTO ledger_accounts (address, currency, kind, credit_limit)
    SELECT DISTINCT ON (u.address) u.address, u.currency, u.kind, u.credit_limit
      FROM unnest(p_addresses, p_currencies, p_open_kinds, p_open_limits) AS u(address, currency, kind, credit_limit)
     WHERE u.kind IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.address = u.address)
     ORDER BY u.address
    ON CONFLICT (address) DO NOTHING;
    PERFORM 1 FROM ledger_accounts a WHERE a.address = ANY (p_addresses) ORDER BY a.id FOR UPDATE;
    INSERT INTO ledger_entries (transfer_id, account_id, amount, currency, pending)
    SELECT p_id, a.id, u.amount, u.currency, p_pending
      FROM unnest(p_addresses, p_amounts, p_currencies) WITH ORDINALITY AS u(address, amount, currency, n)
      JOIN ledger_accounts a ON a.address = u.address
     ORDER BY a.id, u.n;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    IF v_rows <> cardinality(p_addresses) THEN
        RAISE EXCEPTION '%', (SELECT string_agg(u.address, ', ') FROM unnest(p_addresses) AS u(address)
                               WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.address = u.address))
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_account_exists';
    END IF;
    o_outcome := 'done';
EXCEPTION WHEN check_violation THEN
    GET STACKED DIAGNOSTICS o_outcome = CONSTRAINT_NAME, o_detail = MESSAGE_TEXT;
END $$;

CREATE FUNCTION ledger_settle(
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
        PERFORM 1 FROM ledger_accounts a WHERE a.id IN (v_source, v_destination) ORDER BY a.id FOR UPDATE;
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

# Platform accounts that exist from the start; others open on demand.
SEED = """
INSERT INTO ledger_accounts (address, currency, kind, credit_limit) VALUES
    ('platform:fees:CRD', 'CRD', 'platform', 0),
    ('platform:fees:EUR', 'EUR', 'platform', 0),
    ('platform:stripe_clearing:EUR', 'EUR', 'clearing', NULL);
"""


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(GUARANTEES)
    op.execute(COMMANDS)
    op.execute(SEED)


def downgrade() -> None:
    op.execute("DROP TABLE ledger_entries, ledger_transfers, ledger_accounts")
    op.execute("DROP FUNCTION ledger_move, ledger_settle, ledger_apply_entry, ledger_check_balanced, "
               "ledger_settle_hold, ledger_refuse_change")
