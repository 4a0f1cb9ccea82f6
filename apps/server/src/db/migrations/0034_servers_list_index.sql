-- The servers list (GET /api/v1/servers: an organization's servers, newest first, a page at a time) reads its page
-- from an index instead of sorting every server of the organization per request: at 10,000 servers on PGlite the
-- sort was ~13 ms of the single connection's time per request, which the heartbeat writes and the agents' other
-- queries waited behind (issue 19). The index starts with org_id, so it also serves what idx_servers_org did.
-- Append-only: never edit a migration that has shipped; add a new numbered file instead.
CREATE INDEX IF NOT EXISTS idx_servers_org_created ON servers (org_id, created_at DESC, id DESC);
DROP INDEX IF EXISTS idx_servers_org;
