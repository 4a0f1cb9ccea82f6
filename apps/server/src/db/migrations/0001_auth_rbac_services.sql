-- Additions on top of the seed schema for sign-in, invitations, scoped tokens and service settings.
-- Append-only: never edit a migration that has shipped; add a new numbered file instead.

ALTER TABLE users ADD COLUMN password_hash TEXT;

CREATE TABLE sessions (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    token_hash VARCHAR(64) UNIQUE NOT NULL, -- SHA-256 of the cookie value
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id UUID REFERENCES organizations(id) ON DELETE SET NULL,
    ip_address INET,
    user_agent TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX idx_sessions_user ON sessions(user_id);

CREATE TABLE invitations (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email VARCHAR(255) NOT NULL,
    role org_role NOT NULL DEFAULT 'developer',
    token_hash VARCHAR(64) UNIQUE NOT NULL,
    invited_by UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    expires_at TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    accepted_by UUID REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX idx_invitations_org ON invitations(org_id);

CREATE TABLE oauth_accounts (
    provider VARCHAR(50) NOT NULL,
    provider_user_id VARCHAR(100) NOT NULL,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    login VARCHAR(255),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (provider, provider_user_id)
);
CREATE INDEX idx_oauth_accounts_user ON oauth_accounts(user_id);

ALTER TABLE api_tokens ADD COLUMN token_type VARCHAR(3) NOT NULL DEFAULT 'usr';
ALTER TABLE api_tokens ADD COLUMN project_id UUID REFERENCES projects(id) ON DELETE CASCADE;
CREATE UNIQUE INDEX idx_api_tokens_hash_unique ON api_tokens(token_hash);

CREATE UNIQUE INDEX idx_servers_org_name ON servers(org_id, name);
CREATE UNIQUE INDEX idx_services_project_name ON services(project_id, name);

ALTER TABLE services ADD COLUMN compose_path VARCHAR(500);
ALTER TABLE services ADD COLUMN health_check_type VARCHAR(10); -- NULL: no health check configured
ALTER TABLE services ADD COLUMN health_check_port INTEGER;
ALTER TABLE services ADD COLUMN health_check_command JSONB;
ALTER TABLE services ADD COLUMN health_check_start_period INTEGER NOT NULL DEFAULT 0;

CREATE INDEX idx_audit_logs_resource ON audit_logs(resource_type, resource_id);
