-- Who made each audited change: a signed-in user, an API token acting for its user, or Syntra itself (a named
-- component such as the webhook intake or the build worker; alert evaluation and AI jobs later). user_id stays the
-- person behind a user or token entry. The token id is kept without a foreign key: revoking deletes the token row,
-- and the entry must still say which token it was.
-- Append-only: never edit a migration that has shipped; add a new numbered file instead.
ALTER TABLE audit_logs ADD COLUMN actor_type VARCHAR(20) NOT NULL DEFAULT 'user';
ALTER TABLE audit_logs ADD COLUMN actor_token_id UUID;
ALTER TABLE audit_logs ADD COLUMN actor_component VARCHAR(50);

-- Webhook deliveries were recorded without a user: they were Syntra's webhook intake.
UPDATE audit_logs SET actor_type = 'system', actor_component = 'webhook' WHERE user_id IS NULL;

ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_actor_type_check CHECK (actor_type IN ('user', 'token', 'system'));
-- A system entry names its component; a token entry names its token; a user entry names neither.
ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_actor_check CHECK (
    (actor_type = 'system') = (actor_component IS NOT NULL)
    AND (actor_type = 'token') = (actor_token_id IS NOT NULL)
);

CREATE INDEX idx_audit_logs_actor ON audit_logs(org_id, actor_type, created_at DESC);
