-- WhatsApp channel: conversation state per contact, inbound dedupe by MessageSid, a durable job
-- queue (media downloads, manual questions), the outbound message outbox, and queued Odoo calls.
-- Only adds; safe to run on a database that already has cases.

ALTER TABLE cases
    ADD COLUMN IF NOT EXISTS intake_completed_at timestamptz,
    ADD COLUMN IF NOT EXISTS quote_accepted_at   timestamptz,
    ADD COLUMN IF NOT EXISTS csat_score          smallint,
    ADD COLUMN IF NOT EXISTS csat_at             timestamptz;

ALTER TABLE case_attachments
    ADD COLUMN IF NOT EXISTS message_sid text;

-- One row per WhatsApp sender. `state` is the conversation machine's state (plain JSON).
CREATE TABLE IF NOT EXISTS wa_contacts (
    contact_id      text PRIMARY KEY,
    profile_name    text,
    state           jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_inbound_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
DROP TRIGGER IF EXISTS wa_contacts_touch_updated_at ON wa_contacts;
CREATE TRIGGER wa_contacts_touch_updated_at BEFORE UPDATE ON wa_contacts
    FOR EACH ROW EXECUTE FUNCTION postventa_touch_updated_at();

-- Every inbound message, once: the primary key makes a redelivery a no-op.
CREATE TABLE IF NOT EXISTS wa_inbound (
    message_sid text PRIMARY KEY,
    contact_id  text NOT NULL,
    body        text,
    num_media   integer NOT NULL DEFAULT 0,
    params      jsonb NOT NULL DEFAULT '{}'::jsonb,
    case_id     bigint,
    reply       text,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS wa_inbound_contact_idx ON wa_inbound (contact_id, received_at);

-- Durable jobs: claimed with FOR UPDATE SKIP LOCKED under a lease that a heartbeat extends;
-- a job whose lease ran out (worker killed) is claimed again. `lease_token` fences late writers.
CREATE TABLE IF NOT EXISTS wa_jobs (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('media', 'question')),
    dedupe_key      text NOT NULL UNIQUE,
    contact_id      text NOT NULL,
    case_id         bigint,
    payload         jsonb NOT NULL DEFAULT '{}'::jsonb,
    state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    max_attempts    integer NOT NULL DEFAULT 6,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_until     timestamptz,
    lease_token     uuid,
    worker_id       text,
    last_error      text,
    result          jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS wa_jobs_ready_idx ON wa_jobs (next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS wa_jobs_running_idx ON wa_jobs (lease_until) WHERE state = 'running';
DROP TRIGGER IF EXISTS wa_jobs_touch_updated_at ON wa_jobs;
CREATE TRIGGER wa_jobs_touch_updated_at BEFORE UPDATE ON wa_jobs
    FOR EACH ROW EXECUTE FUNCTION postventa_touch_updated_at();

-- Outbound WhatsApp messages, idempotent by a natural key (e.g. event id + contact).
-- `held`: outside the 24-hour window with no approved template; released by the next inbound.
CREATE TABLE IF NOT EXISTS wa_outbox (
    id                bigserial PRIMARY KEY,
    dedupe_key        text NOT NULL UNIQUE,
    contact_id        text NOT NULL,
    case_id           bigint,
    kind              text NOT NULL,
    body              text NOT NULL,
    template_vars     jsonb NOT NULL DEFAULT '{}'::jsonb,
    state             text NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'sending', 'sent', 'held', 'failed')),
    attempts          integer NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    lease_until       timestamptz,
    twilio_sid        text,
    sent_as_template  text,
    last_error        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    sent_at           timestamptz,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS wa_outbox_ready_idx ON wa_outbox (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS wa_outbox_contact_idx ON wa_outbox (contact_id, id);
DROP TRIGGER IF EXISTS wa_outbox_touch_updated_at ON wa_outbox;
CREATE TRIGGER wa_outbox_touch_updated_at BEFORE UPDATE ON wa_outbox
    FOR EACH ROW EXECUTE FUNCTION postventa_touch_updated_at();

-- Events from Odoo already turned into customer messages (one row per event).
CREATE TABLE IF NOT EXISTS wa_event_handled (
    event_id   uuid PRIMARY KEY,
    handled_at timestamptz NOT NULL DEFAULT now()
);

-- Odoo calls the channel owes (e.g. bridge_accept_quote); made by the notifier when Odoo is configured.
CREATE TABLE IF NOT EXISTS wa_odoo_calls (
    id         bigserial PRIMARY KEY,
    dedupe_key text NOT NULL UNIQUE,
    model      text NOT NULL,
    method     text NOT NULL,
    kwargs     jsonb NOT NULL DEFAULT '{}'::jsonb,
    state      text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    attempts   integer NOT NULL DEFAULT 0,
    last_error text,
    result     jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
DROP TRIGGER IF EXISTS wa_odoo_calls_touch_updated_at ON wa_odoo_calls;
CREATE TRIGGER wa_odoo_calls_touch_updated_at BEFORE UPDATE ON wa_odoo_calls
    FOR EACH ROW EXECUTE FUNCTION postventa_touch_updated_at();
