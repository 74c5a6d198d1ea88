-- Core channel store: cases, their attachments, the materialized fault catalog, the event feed.
-- Safe on a database that already holds the seed's `cases` table with rows: every statement
-- only adds (IF NOT EXISTS), never drops or rewrites existing columns.

CREATE TABLE IF NOT EXISTS cases (
    id              bigserial PRIMARY KEY,
    contact_id      text,
    vin             text,
    plate           text,
    odo_km          integer,
    falla_tipo      text,
    warranty_status text
);

ALTER TABLE cases
    ADD COLUMN IF NOT EXISTS status            text,
    ADD COLUMN IF NOT EXISTS description       text,
    ADD COLUMN IF NOT EXISTS customer_name     text,
    ADD COLUMN IF NOT EXISTS evidence_required jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN IF NOT EXISTS evidence_provided jsonb NOT NULL DEFAULT '[]'::jsonb,
    ADD COLUMN IF NOT EXISTS odoo_id           integer,
    ADD COLUMN IF NOT EXISTS odoo_ref          text,
    ADD COLUMN IF NOT EXISTS decision          jsonb,
    ADD COLUMN IF NOT EXISTS created_at        timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN IF NOT EXISTS updated_at        timestamptz NOT NULL DEFAULT now();

-- Legacy rows may carry NULLs or free-text statuses where the contract now has four values: the
-- original text is kept in warranty_status_legacy (nothing is lost) and the row starts as pending.
ALTER TABLE cases ADD COLUMN IF NOT EXISTS warranty_status_legacy text;
UPDATE cases SET warranty_status_legacy = warranty_status, warranty_status = 'pending'
 WHERE warranty_status IS NOT NULL
   AND warranty_status NOT IN ('pending', 'eligible', 'review', 'no_eligible');
UPDATE cases SET warranty_status = 'pending' WHERE warranty_status IS NULL;
UPDATE cases SET status = 'open' WHERE status IS NULL;
ALTER TABLE cases ALTER COLUMN warranty_status SET DEFAULT 'pending';
ALTER TABLE cases ALTER COLUMN warranty_status SET NOT NULL;
ALTER TABLE cases ALTER COLUMN status SET DEFAULT 'open';

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'cases_warranty_status_check') THEN
        ALTER TABLE cases ADD CONSTRAINT cases_warranty_status_check
            CHECK (warranty_status IN ('pending', 'eligible', 'review', 'no_eligible'));
    END IF;
END
$$;

CREATE UNIQUE INDEX IF NOT EXISTS cases_odoo_id_key ON cases (odoo_id) WHERE odoo_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS cases_contact_id_idx ON cases (contact_id);
CREATE INDEX IF NOT EXISTS cases_vin_idx ON cases (vin);
CREATE INDEX IF NOT EXISTS cases_updated_at_idx ON cases (updated_at, id);

-- updated_at is kept by the database, whoever writes.
CREATE OR REPLACE FUNCTION postventa_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS cases_touch_updated_at ON cases;
CREATE TRIGGER cases_touch_updated_at BEFORE UPDATE ON cases
    FOR EACH ROW EXECUTE FUNCTION postventa_touch_updated_at();

CREATE TABLE IF NOT EXISTS case_attachments (
    id            bigserial PRIMARY KEY,
    case_id       bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    sha256        char(64) NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content_type  text NOT NULL,
    size_bytes    bigint NOT NULL CHECK (size_bytes >= 0),
    storage_path  text NOT NULL,
    source_url    text,
    evidence_kind text,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT case_attachments_case_sha256_key UNIQUE (case_id, sha256)
);
CREATE INDEX IF NOT EXISTS case_attachments_updated_at_idx ON case_attachments (updated_at, id);

DROP TRIGGER IF EXISTS case_attachments_touch_updated_at ON case_attachments;
CREATE TRIGGER case_attachments_touch_updated_at BEFORE UPDATE ON case_attachments
    FOR EACH ROW EXECUTE FUNCTION postventa_touch_updated_at();

CREATE TABLE IF NOT EXISTS fault_catalog (
    code              text PRIMARY KEY,
    name              text NOT NULL,
    system            text,
    symptoms          text,
    required_evidence jsonb NOT NULL DEFAULT '[]'::jsonb,
    labor_hours       numeric(6, 2),
    coverage          text,
    severity          text,
    active            boolean NOT NULL DEFAULT true,
    odoo_id           integer,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

DROP TRIGGER IF EXISTS fault_catalog_touch_updated_at ON fault_catalog;
CREATE TRIGGER fault_catalog_touch_updated_at BEFORE UPDATE ON fault_catalog
    FOR EACH ROW EXECUTE FUNCTION postventa_touch_updated_at();

-- The feed of every event (CloudEvents 1.0). `seq` is the pull cursor; `id` the idempotency key.
CREATE TABLE IF NOT EXISTS events (
    seq          bigserial PRIMARY KEY,
    id           uuid NOT NULL UNIQUE,
    type         text NOT NULL,
    source       text NOT NULL,
    subject      text,
    time         timestamptz NOT NULL,
    data         jsonb NOT NULL DEFAULT '{}'::jsonb,
    ordering_key text,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS events_type_seq_idx ON events (type, seq);
CREATE INDEX IF NOT EXISTS events_ordering_key_seq_idx ON events (ordering_key, seq);
