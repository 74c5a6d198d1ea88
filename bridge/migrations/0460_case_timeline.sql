-- One timeline per case (GET /admin/cases/{id}/timeline). Additive and idempotent.

-- CloudEvents distributed-tracing extension, stored with every event (Odoo's and the bridge's).
ALTER TABLE events ADD COLUMN IF NOT EXISTS traceparent text;

-- Sync rounds that touched a case, written by the database itself when the sync records them:
-- a push when Odoo acknowledged the case (odoo_synced_at moves), a pull when Odoo's decision,
-- ticket, quote or state reached Neon. The sync code does not need to know.
CREATE TABLE IF NOT EXISTS case_sync_log (
    id        bigserial PRIMARY KEY,
    case_id   bigint NOT NULL,
    direction text NOT NULL CHECK (direction IN ('push', 'pull')),
    at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    detail    text
);
CREATE INDEX IF NOT EXISTS case_sync_log_case_idx ON case_sync_log (case_id, at);

CREATE OR REPLACE FUNCTION postventa_log_case_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.odoo_synced_at IS DISTINCT FROM OLD.odoo_synced_at AND NEW.odoo_synced_at IS NOT NULL THEN
        INSERT INTO case_sync_log (case_id, direction, detail)
        VALUES (NEW.id, 'push', 'Odoo ' || COALESCE(NEW.odoo_ref, '#' || NEW.odoo_id::text, '?'));
    END IF;
    IF (NEW.decision, NEW.ticket, NEW.quote, NEW.odoo_state) IS DISTINCT FROM
       (OLD.decision, OLD.ticket, OLD.quote, OLD.odoo_state) THEN
        INSERT INTO case_sync_log (case_id, direction, detail)
        VALUES (NEW.id, 'pull', concat_ws(', ',
            'state ' || NEW.odoo_state,
            'warranty ' || NEW.warranty_status,
            'ticket ' || (NEW.ticket ->> 'name'),
            'quote ' || (NEW.quote ->> 'name')));
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS cases_log_sync ON cases;
CREATE TRIGGER cases_log_sync AFTER UPDATE ON cases
    FOR EACH ROW EXECUTE FUNCTION postventa_log_case_sync();
