-- Errors become issues (issue 11): what grouping, regression detection and the issue pages need beyond the seed
-- schema of error_groups / error_events. Append-only: never edit a migration that has shipped; add a new file.

-- The in-app frame an issue points at ("getOrder (src/orders.ts)"), the deployment whose events first and last
-- showed it, and the version it was resolved in: a later deployment or release that shows it again regresses it.
ALTER TABLE error_groups
    ADD COLUMN culprit TEXT,
    ADD COLUMN first_deployment_id UUID REFERENCES deployments(id) ON DELETE SET NULL,
    ADD COLUMN last_deployment_id UUID REFERENCES deployments(id) ON DELETE SET NULL,
    ADD COLUMN last_release VARCHAR(200),
    ADD COLUMN resolved_deployment_id UUID REFERENCES deployments(id) ON DELETE SET NULL,
    ADD COLUMN resolved_release VARCHAR(200),
    ADD COLUMN regressed_at TIMESTAMPTZ;

-- Each occurrence keeps its own type, message, level and the span it happened in (the link to its trace).
-- Sentry allows environments of 64 and releases of 200 characters; widening a VARCHAR rewrites nothing.
ALTER TABLE error_events
    ADD COLUMN exception_type VARCHAR(255),
    ADD COLUMN message TEXT,
    ADD COLUMN level VARCHAR(10),
    ADD COLUMN handled BOOLEAN,
    ADD COLUMN trace_id VARCHAR(32),
    ADD COLUMN span_id VARCHAR(16),
    ALTER COLUMN environment TYPE VARCHAR(64),
    ALTER COLUMN release TYPE VARCHAR(200);

-- Distinct users per issue, hashed: user_count counts the rows a batch adds here, so it stays exact without
-- scanning events.
CREATE TABLE error_group_users (
    error_group_id UUID NOT NULL REFERENCES error_groups(id) ON DELETE CASCADE,
    user_hash VARCHAR(64) NOT NULL,
    PRIMARY KEY (error_group_id, user_hash)
);

-- Indexes for the issue pages. An issue's events newest first (event list pages, the event chart, tag counts)
-- read (error_group_id, timestamp) ranges; the issue list of a service reads (service_id, last_seen_at). Each
-- replaces a single-column index that is its prefix, so ingest maintains no more indexes than before.
CREATE INDEX idx_error_events_group_time ON error_events(error_group_id, timestamp DESC, id DESC);
DROP INDEX idx_error_events_group;
CREATE INDEX idx_error_groups_service_last_seen ON error_groups(service_id, last_seen_at DESC);
DROP INDEX idx_error_groups_service;
