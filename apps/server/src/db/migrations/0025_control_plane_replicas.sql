-- Several control-plane replicas on one PostgreSQL (issue 19, part 3): which replica holds a server's agent socket,
-- so a command issued through any replica is routed there. A replica's id is the key of the session advisory lock it
-- holds while it lives (see cluster/postgres-bus.ts); NULL when no replica holds the agent (and always on PGlite).

ALTER TABLE servers ADD COLUMN connected_replica VARCHAR(32);
CREATE INDEX idx_servers_connected_replica ON servers(connected_replica) WHERE connected_replica IS NOT NULL;
