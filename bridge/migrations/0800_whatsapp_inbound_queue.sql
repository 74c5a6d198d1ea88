-- The webhook's ack becomes one statement: the raw inbound message is inserted into `wa_inbound`
-- (ON CONFLICT DO NOTHING on the MessageSid) and answered; the conversation runs later, in the
-- media worker's inbound thread (or the web process with MEDIA_PROCESSING=inline), which claims
-- pending rows in arrival order with FOR UPDATE SKIP LOCKED. Only adds; safe to run twice.

-- Messages stored before this migration were processed when they arrived: they get a processed_at
-- (the column's default fills them once, when it is added); new rows start pending (NULL).
ALTER TABLE wa_inbound ADD COLUMN IF NOT EXISTS processed_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE wa_inbound ALTER COLUMN processed_at DROP NOT NULL, ALTER COLUMN processed_at DROP DEFAULT;
ALTER TABLE wa_inbound
    ADD COLUMN IF NOT EXISTS seq        bigserial,
    ADD COLUMN IF NOT EXISTS attempts   integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS last_error text;

CREATE INDEX IF NOT EXISTS wa_inbound_pending_idx ON wa_inbound (seq) WHERE processed_at IS NULL;
CREATE INDEX IF NOT EXISTS wa_inbound_pending_contact_idx ON wa_inbound (contact_id, seq) WHERE processed_at IS NULL;

-- Wakes the inbound processors at once (they also poll). One notification per statement.
CREATE OR REPLACE FUNCTION postventa_wa_inbound_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('wa_inbound', '');
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS wa_inbound_notify ON wa_inbound;
CREATE TRIGGER wa_inbound_notify AFTER INSERT ON wa_inbound
    FOR EACH STATEMENT EXECUTE FUNCTION postventa_wa_inbound_notify();
