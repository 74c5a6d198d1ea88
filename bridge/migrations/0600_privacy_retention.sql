-- Personal data retention and erasure (docs/security.md, "Retention"): indexes for the periodic purge
-- (`python -m bridge purge`) and a log of per-contact erasures (`python -m bridge erase-contact`) that
-- keeps no phone number, only its SHA-256, so the dealer can show that a request was honoured.
-- Only adds; safe to run twice.

CREATE INDEX IF NOT EXISTS wa_inbound_received_idx ON wa_inbound (received_at);
CREATE INDEX IF NOT EXISTS wa_outbox_created_idx ON wa_outbox (created_at);
CREATE INDEX IF NOT EXISTS wa_jobs_created_idx ON wa_jobs (created_at);

CREATE TABLE IF NOT EXISTS privacy_erasures (
    id           bigserial PRIMARY KEY,
    contact_hash text NOT NULL,
    erased_at    timestamptz NOT NULL DEFAULT now(),
    counts       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX IF NOT EXISTS privacy_erasures_contact_idx ON privacy_erasures (contact_hash);
