-- Held outbound messages are released by the sender once the contact writes again (no write on the
-- webhook's hot path): it looks for held rows whose contact's last inbound is newer than the hold.
CREATE INDEX IF NOT EXISTS wa_outbox_held_idx ON wa_outbox (contact_id) WHERE state = 'held';
