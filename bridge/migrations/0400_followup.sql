-- Follow-up agents (Odoo's postventa_followup): consent and CSAT scores on the channel side.
-- The opt-out is honoured by the bridge at once ("baja" stops the next follow-up message even before
-- Odoo hears of it); Odoo's postventa.whatsapp.contact stays the record shown to staff.
ALTER TABLE wa_contacts ADD COLUMN IF NOT EXISTS followup_opt_out_at timestamptz;

-- One 1-5 score per service visit (Odoo's postventa.service.visit id), as the customer answered it.
CREATE TABLE IF NOT EXISTS followup_csat (
    visit_id   bigint PRIMARY KEY,
    contact_id text NOT NULL,
    score      smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS followup_csat_contact_idx ON followup_csat (contact_id, created_at);
