-- Builds from git and TLS certificates of custom domains.
-- Append-only: never edit a migration that has shipped; add a new numbered file instead.

-- Git source of a service built from its repository (dockerfile and nixpacks sources). NULL repo URL: the
-- project's git_repo_url; NULL branch: the project's git_branch.
ALTER TABLE services ADD COLUMN git_repo_url TEXT;
ALTER TABLE services ADD COLUMN git_branch VARCHAR(255);
-- Globs of repository paths; a push that touches none of them does not deploy. Empty: every push deploys.
ALTER TABLE services ADD COLUMN watch_paths JSONB NOT NULL DEFAULT '[]';
-- AES-256-GCM sealed JSON: an https token or an ssh private key (the deploy key Syntra generated).
ALTER TABLE services ADD COLUMN git_auth_encrypted BYTEA;
-- The public half of the generated deploy key, to paste at the git host.
ALTER TABLE services ADD COLUMN git_deploy_key_public TEXT;
-- AES-256-GCM sealed webhook secret: HMAC verification needs the secret itself, not a hash.
ALTER TABLE services ADD COLUMN webhook_secret_encrypted BYTEA;

-- What a deployment builds: {repo_url, ref, branch, dockerfile_path, build_context, source_type}. NULL for
-- deployments of a ready image. The deployments row is the build job: queued -> building -> pushing -> queued
-- (image set, waiting for the agent) -> deploying ...
ALTER TABLE deployments ADD COLUMN build_spec JSONB;
-- The Dockerfile Syntra generated for a repository without one, so the user can read it.
ALTER TABLE deployments ADD COLUMN generated_dockerfile TEXT;
-- Which control-plane worker builds it and when it last said so: a stale claim is a crashed build.
ALTER TABLE deployments ADD COLUMN build_worker TEXT;
ALTER TABLE deployments ADD COLUMN build_heartbeat_at TIMESTAMPTZ;
ALTER TABLE deployments ADD COLUMN build_attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX idx_deployments_build_queue ON deployments(status, created_at) WHERE build_spec IS NOT NULL;

-- Webhook deliveries already handled, so a redelivery (same provider delivery id) is ignored.
CREATE TABLE webhook_deliveries (
    provider VARCHAR(20) NOT NULL,
    delivery_id VARCHAR(255) NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (provider, delivery_id)
);

-- TLS of custom domains: ACME (the proxy obtains it) or a certificate the user uploaded, whose key is sealed
-- with the master key like env vars. The certificate_* facts are what the server's proxy last reported.
ALTER TABLE domains ADD COLUMN certificate_source TEXT NOT NULL DEFAULT 'acme'
    CHECK (certificate_source IN ('acme', 'custom'));
ALTER TABLE domains ADD COLUMN certificate_pem TEXT;
ALTER TABLE domains ADD COLUMN certificate_key_encrypted BYTEA;
ALTER TABLE domains ADD COLUMN certificate_issuer TEXT;
ALTER TABLE domains ADD COLUMN certificate_not_before TIMESTAMPTZ;
ALTER TABLE domains ADD COLUMN certificate_not_after TIMESTAMPTZ;
ALTER TABLE domains ADD COLUMN certificate_error_code TEXT;
ALTER TABLE domains ADD COLUMN certificate_checked_at TIMESTAMPTZ;
