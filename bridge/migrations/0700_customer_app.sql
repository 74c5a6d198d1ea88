-- The customer's app (PWA, docs/pwa.md): per-contact revocation of app links and the requests a
-- customer makes from the app that staff act on (erasure, a declined quote). Only adds; safe twice.

-- A customer token (bridge/customer_token.py) issued at or before `not_before` is refused by /app/api.
-- `python -m bridge app-link <contact> --revoke` moves it to now(): every link sent so far stops working.
CREATE TABLE IF NOT EXISTS app_access (
    contact_id  text PRIMARY KEY,
    not_before  timestamptz,
    links_issued integer NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
DROP TRIGGER IF EXISTS app_access_touch_updated_at ON app_access;
CREATE TRIGGER app_access_touch_updated_at BEFORE UPDATE ON app_access
    FOR EACH ROW EXECUTE FUNCTION postventa_touch_updated_at();

-- What a customer asked for in the app that a person must handle. An erasure request is recorded
-- here, never executed by the app (staff run `python -m bridge erase-contact` after checking it).
CREATE TABLE IF NOT EXISTS app_requests (
    id          bigserial PRIMARY KEY,
    contact_id  text NOT NULL,
    case_id     bigint,
    kind        text NOT NULL CHECK (kind IN ('erasure', 'quote_declined')),
    dedupe_key  text NOT NULL UNIQUE,
    note        text,
    state       text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'rejected')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS app_requests_open_idx ON app_requests (created_at) WHERE state = 'open';
CREATE INDEX IF NOT EXISTS app_requests_contact_idx ON app_requests (contact_id);
DROP TRIGGER IF EXISTS app_requests_touch_updated_at ON app_requests;
CREATE TRIGGER app_requests_touch_updated_at BEFORE UPDATE ON app_requests
    FOR EACH ROW EXECUTE FUNCTION postventa_touch_updated_at();
