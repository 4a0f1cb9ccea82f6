-- Password reset by email. The link carries a one-time token; only its SHA-256 is kept. A new request deletes
-- the user's earlier tokens, so at most one works at a time and the table keeps one row per user at most.
-- Append-only: never edit a migration that has shipped; add a new numbered file instead.
CREATE TABLE password_resets (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash VARCHAR(64) UNIQUE NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE INDEX idx_password_resets_user ON password_resets(user_id);
