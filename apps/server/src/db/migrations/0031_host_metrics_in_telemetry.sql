-- Host metrics move to the telemetry store (issue 19): each taken heartbeat's resources are gauge metrics of the
-- server in ClickHouse/chDB (rolled up per minute, 5 minutes and hour, expired by the telemetry TTL in whole daily
-- parts), no longer one PostgreSQL row per server every 30 s pruned by deletes. The latest state per server stays in
-- the servers row. Rows recorded before this migration are kept, renamed, until the control plane has copied them
-- into the store a chunk at a time (telemetry/legacy-host-metrics.ts), which then drops the table: a PostgreSQL
-- migration cannot reach the telemetry store, and the charts must not lose their history.
-- Append-only: never edit a migration that has shipped; add a new numbered file instead.
ALTER TABLE IF EXISTS server_metrics RENAME TO server_metrics_legacy;
