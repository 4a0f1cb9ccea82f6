-- A trace's errors (GET /traces/:traceId/errors, the trace view's "errors in this trace"): error events by trace id.
-- Partial: most events of apps without tracing carry none. Append-only: never edit a migration that has shipped.
CREATE INDEX idx_error_events_trace ON error_events (trace_id) WHERE trace_id IS NOT NULL;
