-- Where the WhatsApp notifier is in the events feed, so a pass reads only recent events (it re-reads
-- an overlap behind the cursor to catch transactions that committed out of seq order).
CREATE TABLE IF NOT EXISTS wa_cursors (
    name       text PRIMARY KEY,
    seq        bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
