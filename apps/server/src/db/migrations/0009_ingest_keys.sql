-- Ingest identity (issue 10): every service gets a public ingest key that attributes its telemetry (like a Sentry
-- DSN's public key: it sits in app configuration, so it is stored in the clear and shown again; it only lets a
-- holder send data for the service) and a numeric id, because the Sentry SDKs reject a DSN whose project id is not a
-- number. Rotation keeps the previous key working until previous_ingest_key_expires_at (the grace period), so apps
-- still running with the old key keep reporting while they are redeployed.
-- The volatile default is evaluated per row, so existing services get keys of their own here too.
-- Append-only: never edit a migration that has shipped; add a new numbered file instead.
ALTER TABLE services
    ADD COLUMN ingest_key VARCHAR(64) NOT NULL DEFAULT 'syn_ing_' || encode(gen_random_bytes(16), 'hex'),
    ADD COLUMN previous_ingest_key VARCHAR(64),
    ADD COLUMN previous_ingest_key_expires_at TIMESTAMPTZ,
    ADD COLUMN ingest_number BIGINT GENERATED ALWAYS AS IDENTITY;

CREATE UNIQUE INDEX idx_services_ingest_key ON services(ingest_key);
CREATE UNIQUE INDEX idx_services_previous_ingest_key ON services(previous_ingest_key);
CREATE UNIQUE INDEX idx_services_ingest_number ON services(ingest_number);
