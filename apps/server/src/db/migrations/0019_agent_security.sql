-- Agents enrol and connect with client certificates (issue 17): the control plane's internal CA, the certificates it
-- issued to agents, install tokens that work once, and the state of agent self-updates.
-- Append-only: never edit a migration that has shipped; add a new numbered file instead.

-- One row: the CA that signs agents' client certificates and the agent endpoint's server certificate, and the key
-- that signs agent bundles. Private keys are sealed with the master key (AES-256-GCM, see secrets/cipher.ts).
CREATE TABLE agent_authority (
    id SMALLINT PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    ca_certificate_pem TEXT NOT NULL,
    ca_key_sealed BYTEA NOT NULL,
    bundle_signing_public_pem TEXT NOT NULL,
    bundle_signing_key_sealed BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- Every client certificate issued to an agent. The agent endpoint finds the server of a connection by the SHA-256
-- of its certificate (one indexed lookup); a revoked, expired or deleted (cascade) row refuses it.
CREATE TABLE agent_certificates (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    server_id UUID NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    fingerprint_sha256 VARCHAR(64) NOT NULL UNIQUE,
    serial_hex VARCHAR(40) NOT NULL,
    -- SHA-256 of the agent's public key (SPKI): a lost enrolment answer may be fetched again by the same key.
    public_key_sha256 VARCHAR(64) NOT NULL,
    not_before TIMESTAMPTZ NOT NULL,
    not_after TIMESTAMPTZ NOT NULL,
    -- enrolment (install token) or renewal (by the previous certificate)
    issued_by VARCHAR(10) NOT NULL CHECK (issued_by IN ('enrolment', 'renewal')),
    revoked_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_agent_certificates_server ON agent_certificates(server_id, not_after DESC);

-- The install token works once: set when an agent traded it for a certificate.
ALTER TABLE servers ADD COLUMN agent_token_used_at TIMESTAMPTZ;
CREATE INDEX idx_servers_agent_token ON servers(agent_token_hash);

-- Self-update: the version the agent was told to move to, how it went, and why (pending | succeeded | failed).
ALTER TABLE servers ADD COLUMN agent_update_version VARCHAR(20);
ALTER TABLE servers ADD COLUMN agent_update_state VARCHAR(10) CHECK (agent_update_state IN ('pending', 'succeeded', 'failed'));
ALTER TABLE servers ADD COLUMN agent_update_message TEXT;
ALTER TABLE servers ADD COLUMN agent_update_at TIMESTAMPTZ;
