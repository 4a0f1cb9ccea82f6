-- The AI engine, second part (issue 16): budgets and the background analysis of new issues. Append-only: never
-- edit a migration that has shipped; add a new numbered file instead.

-- Tokens (input + output) an organization may spend on AI providers per UTC day, counted from ai_usage; NULL
-- takes the installation's SYNTRA_AI_DAILY_TOKENS. 0 lets no request reach a provider (the offline analyzer,
-- which spends none, still answers).
ALTER TABLE organizations ADD COLUMN ai_daily_token_budget BIGINT CHECK (ai_daily_token_budget >= 0);
-- Whether new issues are analyzed in the background without anyone asking.
ALTER TABLE organizations ADD COLUMN ai_auto_analyze BOOLEAN NOT NULL DEFAULT true;

-- The background analysis takes each new issue once: when it took it and what came of it (analyzed, a skip
-- reason, or the error code of a failure). NULL: not taken yet.
ALTER TABLE error_groups ADD COLUMN ai_auto_at TIMESTAMPTZ;
ALTER TABLE error_groups ADD COLUMN ai_auto_outcome VARCHAR(40);
-- The queue the background pass reads: issues nobody has analyzed or taken yet, newest first.
CREATE INDEX idx_error_groups_ai_pending ON error_groups (first_seen_at DESC)
    WHERE ai_auto_at IS NULL AND ai_analysis IS NULL;
