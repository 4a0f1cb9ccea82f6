-- The AI engine (issue 16). Append-only: never edit a migration that has shipped; add a new numbered file instead.

-- Whether email addresses are replaced before anything is sent to an AI provider. On by default: an
-- organization has to choose to let a provider see its users' addresses.
ALTER TABLE organizations ADD COLUMN ai_redact_emails BOOLEAN NOT NULL DEFAULT true;

-- Tokens spent per organization, day, provider and model: what budgets are checked against and what the usage
-- view shows. One row per key, added to as requests finish (offline answers count requests with 0 tokens).
CREATE TABLE ai_usage (
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    day DATE NOT NULL,
    provider VARCHAR(20) NOT NULL,
    model VARCHAR(200) NOT NULL,
    requests INTEGER NOT NULL DEFAULT 0,
    input_tokens BIGINT NOT NULL DEFAULT 0,
    output_tokens BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, day, provider, model)
);
