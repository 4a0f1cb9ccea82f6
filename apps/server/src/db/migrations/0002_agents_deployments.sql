-- The agent hub and deployments: heartbeat metrics per server, and what each deployment ran.
-- Append-only: never edit a migration that has shipped; add a new numbered file instead.

-- One row per agent heartbeat: host resources, charted by GET /servers/:id/metrics.
CREATE TABLE server_metrics (
    id BIGSERIAL PRIMARY KEY,
    server_id UUID NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    recorded_at TIMESTAMPTZ NOT NULL,
    cpu_percent DOUBLE PRECISION NOT NULL,
    memory_used_mb DOUBLE PRECISION NOT NULL,
    memory_available_mb DOUBLE PRECISION NOT NULL,
    disk_used_gb DOUBLE PRECISION NOT NULL,
    disk_available_gb DOUBLE PRECISION NOT NULL,
    network_rx_bytes BIGINT NOT NULL, -- since the previous heartbeat
    network_tx_bytes BIGINT NOT NULL
);
CREATE INDEX idx_server_metrics_server_time ON server_metrics(server_id, recorded_at DESC);

-- The full image reference deployed, e.g. docker.io/library/nginx:1.27 (rollbacks redeploy it).
ALTER TABLE deployments ADD COLUMN image TEXT;
-- Non-secret service settings the deployment used (port, replicas, limits, domains, health check, strategy).
-- Never env values: those are decrypted from the service when the deploy command is sent.
ALTER TABLE deployments ADD COLUMN spec_snapshot JSONB;
-- The agent's deploy_status reports, oldest first.
ALTER TABLE deployments ADD COLUMN deploy_log JSONB NOT NULL DEFAULT '[]';
-- Last change of the row; reconciliation settles deployments whose agent stopped reporting.
ALTER TABLE deployments ADD COLUMN updated_at TIMESTAMPTZ DEFAULT NOW();

CREATE INDEX idx_deployments_service_created ON deployments(service_id, created_at DESC);
