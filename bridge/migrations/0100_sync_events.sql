-- Sync bookkeeping (Neon <-> Odoo) and event delivery state. Additive only: existing rows and
-- columns are kept; every statement is idempotent (IF NOT EXISTS / ON CONFLICT).

-- Small key/value state shared by the workers: sync cursors, worker status for /healthz.
CREATE TABLE IF NOT EXISTS bridge_state (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Neon -> Odoo: `intake_rev` moves whenever a Neon-owned (intake) field changes; the sync
-- records the revision Odoo has acknowledged in `odoo_pushed_rev`. Odoo-owned fields written
-- back by the sync do not move `intake_rev`, so the two directions never ping-pong.
CREATE SEQUENCE IF NOT EXISTS cases_intake_rev_seq;
ALTER TABLE cases
    ADD COLUMN IF NOT EXISTS intake_rev      bigint,
    ADD COLUMN IF NOT EXISTS odoo_pushed_rev bigint,
    ADD COLUMN IF NOT EXISTS odoo_synced_at  timestamptz,
    ADD COLUMN IF NOT EXISTS odoo_sync_error text,
    ADD COLUMN IF NOT EXISTS odoo_state      text,
    ADD COLUMN IF NOT EXISTS odoo_write_date timestamptz,
    ADD COLUMN IF NOT EXISTS ticket          jsonb,
    ADD COLUMN IF NOT EXISTS quote           jsonb;

UPDATE cases SET intake_rev = nextval('cases_intake_rev_seq') WHERE intake_rev IS NULL;
ALTER TABLE cases ALTER COLUMN intake_rev SET DEFAULT nextval('cases_intake_rev_seq');
ALTER TABLE cases ALTER COLUMN intake_rev SET NOT NULL;

CREATE OR REPLACE FUNCTION postventa_bump_intake_rev() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.contact_id, NEW.customer_name, NEW.vin, NEW.plate, NEW.odo_km, NEW.falla_tipo,
        NEW.description, NEW.status, NEW.evidence_provided)
       IS DISTINCT FROM
       (OLD.contact_id, OLD.customer_name, OLD.vin, OLD.plate, OLD.odo_km, OLD.falla_tipo,
        OLD.description, OLD.status, OLD.evidence_provided) THEN
        NEW.intake_rev := nextval('cases_intake_rev_seq');
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS cases_bump_intake_rev ON cases;
CREATE TRIGGER cases_bump_intake_rev BEFORE UPDATE ON cases
    FOR EACH ROW EXECUTE FUNCTION postventa_bump_intake_rev();

-- The dirty set is tiny in steady state: a partial index makes a no-change pass an empty scan.
CREATE INDEX IF NOT EXISTS cases_push_pending_idx ON cases (id)
    WHERE odoo_pushed_rev IS DISTINCT FROM intake_rev;
CREATE INDEX IF NOT EXISTS cases_created_at_idx ON cases (created_at, id);
CREATE INDEX IF NOT EXISTS cases_plate_idx ON cases (plate);

-- Attachments reach Odoo once per hash: `odoo_synced_at` is set when Odoo acknowledged them.
ALTER TABLE case_attachments
    ADD COLUMN IF NOT EXISTS odoo_synced_at  timestamptz,
    ADD COLUMN IF NOT EXISTS odoo_sync_error text;
CREATE INDEX IF NOT EXISTS case_attachments_push_pending_idx ON case_attachments (case_id)
    WHERE odoo_synced_at IS NULL AND odoo_sync_error IS NULL;

-- Tickets as Odoo reports them (one row per Odoo ticket name).
CREATE TABLE IF NOT EXISTS tickets (
    name         text PRIMARY KEY,
    case_id      bigint REFERENCES cases (id) ON DELETE SET NULL,
    odoo_case_id integer,
    state        text,
    parts_cost   numeric(14, 2),
    labor_cost   numeric(14, 2),
    currency     text,
    parts        jsonb NOT NULL DEFAULT '[]'::jsonb,
    data         jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS tickets_case_id_idx ON tickets (case_id);
DROP TRIGGER IF EXISTS tickets_touch_updated_at ON tickets;
CREATE TRIGGER tickets_touch_updated_at BEFORE UPDATE ON tickets
    FOR EACH ROW EXECUTE FUNCTION postventa_touch_updated_at();

-- Events: where they came from (Odoo outbox id, to report delivery back) and their delivery.
ALTER TABLE events ADD COLUMN IF NOT EXISTS odoo_outbox_id bigint;

CREATE TABLE IF NOT EXISTS event_deliveries (
    event_id        uuid PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    seq             bigint NOT NULL,
    ordering_key    text,
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'failed', 'delivered', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    leased_until    timestamptz,
    last_status     integer,
    last_error      text,
    delivered_at    timestamptz,
    needs_report    boolean NOT NULL DEFAULT false,
    reported_state  text,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS event_deliveries_due_idx ON event_deliveries (next_attempt_at, seq)
    WHERE state IN ('pending', 'failed');
CREATE INDEX IF NOT EXISTS event_deliveries_open_key_idx ON event_deliveries (ordering_key, seq)
    WHERE state IN ('pending', 'failed');
CREATE INDEX IF NOT EXISTS event_deliveries_state_idx ON event_deliveries (state, seq);
CREATE INDEX IF NOT EXISTS event_deliveries_report_idx ON event_deliveries (seq) WHERE needs_report;
DROP TRIGGER IF EXISTS event_deliveries_touch_updated_at ON event_deliveries;
CREATE TRIGGER event_deliveries_touch_updated_at BEFORE UPDATE ON event_deliveries
    FOR EACH ROW EXECUTE FUNCTION postventa_touch_updated_at();

-- Every event gets its delivery row in the same transaction that stores it, whoever inserts it.
CREATE OR REPLACE FUNCTION postventa_event_delivery() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_deliveries (event_id, seq, ordering_key)
    VALUES (NEW.id, NEW.seq, NEW.ordering_key)
    ON CONFLICT (event_id) DO NOTHING;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS events_delivery ON events;
CREATE TRIGGER events_delivery AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION postventa_event_delivery();

INSERT INTO event_deliveries (event_id, seq, ordering_key)
SELECT id, seq, ordering_key FROM events
ON CONFLICT (event_id) DO NOTHING;

-- One row per attempt: the delivery log shown by /admin/events.
CREATE TABLE IF NOT EXISTS event_delivery_attempts (
    id           bigserial PRIMARY KEY,
    event_id     uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    attempt      integer NOT NULL,
    endpoint     text NOT NULL,
    attempted_at timestamptz NOT NULL,
    status_code  integer,
    error        text,
    duration_ms  integer
);
CREATE INDEX IF NOT EXISTS event_delivery_attempts_event_idx ON event_delivery_attempts (event_id, id);

-- Webhook endpoints: a 410 Gone disables one until an operator re-enables it.
CREATE TABLE IF NOT EXISTS webhook_endpoints (
    url             text PRIMARY KEY,
    disabled_at     timestamptz,
    disabled_reason text,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
