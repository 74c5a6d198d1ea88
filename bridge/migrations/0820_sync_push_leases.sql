-- Several sync runners at once (docs/scaling.md): each case is pushed to Odoo by one runner at a time.
-- A runner leases the dirty cases of a chunk before reading them and deletes its leases when Odoo has
-- answered and the result is recorded; a runner that died leaves leases that expire (`lease_until`).
-- Without it two runners pushed the same new cases at once: twice the work in Odoo, and a unique-key
-- conflict on `neon_id` that came back as a rejection of the record. Only adds; safe to run twice.
CREATE TABLE IF NOT EXISTS sync_push_leases (
    case_id     bigint PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    holder      text NOT NULL,
    lease_until timestamptz NOT NULL
);
