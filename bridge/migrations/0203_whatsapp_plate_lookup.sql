-- The intake looks a vehicle up by plate as customers type it ("abc 123 a", "ABC-123-A"): index the
-- normalized form the lookup compares on.
CREATE INDEX IF NOT EXISTS cases_plate_key_idx ON cases ((regexp_replace(upper(plate), '[^A-Z0-9]', '', 'g')))
    WHERE plate IS NOT NULL;
