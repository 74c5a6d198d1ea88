-- The WhatsApp conversation mirrored into Odoo's case chatter, and staff replies written in Odoo
-- (bridge/sync/chatter.py, docs/whatsapp.md "The conversation in Odoo"). Only adds.

-- What has been mirrored: a message (and the assistant's TwiML reply to it) is posted in Odoo once,
-- then stamped here. The partial indexes hold only what is still waiting (no Odoo case yet, media
-- still downloading), so a pass with nothing new is an empty index scan.
ALTER TABLE wa_inbound ADD COLUMN IF NOT EXISTS chatter_mirrored_at timestamptz;
CREATE INDEX IF NOT EXISTS wa_inbound_chatter_pending_idx ON wa_inbound (received_at)
    WHERE chatter_mirrored_at IS NULL;
ALTER TABLE wa_outbox ADD COLUMN IF NOT EXISTS chatter_mirrored_at timestamptz;
CREATE INDEX IF NOT EXISTS wa_outbox_chatter_pending_idx ON wa_outbox (id)
    WHERE chatter_mirrored_at IS NULL AND state = 'sent';

-- Staff replies pulled from Odoo (postventa.case/bridge_pull_replies), one row per reply key: the
-- outbox row it became (dedupe key odoo_reply:<key>), or why it was refused, and the last state
-- reported back to Odoo. No personal data here: the text and the number live in wa_outbox.
CREATE TABLE IF NOT EXISTS wa_odoo_replies (
    reply_key      text PRIMARY KEY,
    odoo_case_id   integer NOT NULL,
    case_id        bigint,
    outbox_id      bigint,
    refused        text,
    reported_state text,
    reported_error text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS wa_odoo_replies_open_idx ON wa_odoo_replies (reply_key)
    WHERE reported_state IS NULL OR reported_state NOT IN ('sent', 'failed');
DROP TRIGGER IF EXISTS wa_odoo_replies_touch_updated_at ON wa_odoo_replies;
CREATE TRIGGER wa_odoo_replies_touch_updated_at BEFORE UPDATE ON wa_odoo_replies
    FOR EACH ROW EXECUTE FUNCTION postventa_touch_updated_at();
