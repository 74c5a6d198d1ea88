-- The words customers use for each fault (curated in Odoo's catalog), for the WhatsApp matcher.
ALTER TABLE fault_catalog ADD COLUMN IF NOT EXISTS keywords jsonb NOT NULL DEFAULT '[]'::jsonb;
