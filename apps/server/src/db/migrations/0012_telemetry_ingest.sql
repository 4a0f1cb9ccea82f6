-- Telemetry ingest (issue 10, items 5 and 8).
-- What each server's agent reports about its telemetry pipeline with every batch (cumulative counters kept across
-- agent restarts, and its buffer now), so that data the agent had to drop is visible in the API, not only in a log.
CREATE TABLE server_telemetry_stats (
    server_id UUID PRIMARY KEY REFERENCES servers(id) ON DELETE CASCADE,
    received_spans BIGINT NOT NULL DEFAULT 0,
    received_log_records BIGINT NOT NULL DEFAULT 0,
    received_metric_points BIGINT NOT NULL DEFAULT 0,
    dropped_spans BIGINT NOT NULL DEFAULT 0,
    dropped_log_records BIGINT NOT NULL DEFAULT 0,
    dropped_metric_points BIGINT NOT NULL DEFAULT 0,
    dropped_bytes BIGINT NOT NULL DEFAULT 0,
    sampled_out_spans BIGINT NOT NULL DEFAULT 0,
    refused_requests BIGINT NOT NULL DEFAULT 0,
    buffered_bytes BIGINT NOT NULL DEFAULT 0,
    buffer_limit_bytes BIGINT NOT NULL DEFAULT 0,
    oldest_buffered_at TIMESTAMPTZ,
    reported_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

-- Prometheus scraping of a service's containers by its agent (path, port, interval), NULL for none; it travels in
-- the deploy payload.
ALTER TABLE services ADD COLUMN metrics_scrape JSONB;

-- Health-check results arrive in telemetry batches, which an agent resends when an acknowledgement was lost: one
-- result per service and instant makes the resend a no-op (INSERT ... ON CONFLICT DO NOTHING).
CREATE UNIQUE INDEX idx_health_checks_service_checked_at ON health_checks(service_id, checked_at);
