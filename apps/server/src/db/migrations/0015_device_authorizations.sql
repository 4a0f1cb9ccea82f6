-- Device login (RFC 8628 shaped): the CLI asks for a code pair, a signed-in user approves the short user code in
-- the dashboard, and the CLI's next poll with the device code receives an API token of that user. Only the
-- device code's SHA-256 is kept; the token is made at that poll, so no token waits here in the clear.
-- Append-only: never edit a migration that has shipped; add a new numbered file instead.
CREATE TABLE device_authorizations (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    device_code_hash VARCHAR(64) UNIQUE NOT NULL,
    user_code VARCHAR(8) NOT NULL,
    client_name VARCHAR(100) NOT NULL,
    client_ip VARCHAR(64),
    -- pending | approved | denied | used
    status VARCHAR(10) NOT NULL DEFAULT 'pending',
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    org_id UUID REFERENCES organizations(id) ON DELETE SET NULL,
    interval_seconds INTEGER NOT NULL,
    last_polled_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    expires_at TIMESTAMPTZ NOT NULL,
    decided_at TIMESTAMPTZ
);
-- A user code names one login while it can still be approved.
CREATE UNIQUE INDEX idx_device_authorizations_pending_code ON device_authorizations(user_code) WHERE status = 'pending';
