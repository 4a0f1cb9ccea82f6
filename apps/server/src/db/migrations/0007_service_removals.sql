-- Services deleted while their server's agent was away: the agent is told to take their routes away and remove
-- their containers when it reconnects (named volumes stay). One row per service until the agent confirms.
-- Append-only: never edit a migration that has shipped; add a new numbered file instead.
CREATE TABLE service_removals (
    service_id UUID PRIMARY KEY,
    server_id UUID NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    requested_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_service_removals_server ON service_removals(server_id);
