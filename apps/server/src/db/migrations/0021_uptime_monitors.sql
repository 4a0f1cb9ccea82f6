-- Uptime monitors run by chosen servers' agents (issue 15): HTTP(S), TCP, DNS and TLS checks configured on the agents
-- with `configure_monitors` and reported with `monitor_results` (Syntra protocol extensions). Append-only.

CREATE TABLE monitors (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    project_id UUID REFERENCES projects(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    -- The check as the contract's monitorCheck (type and its settings).
    "check" JSONB NOT NULL,
    interval_seconds INTEGER NOT NULL,
    timeout_seconds INTEGER NOT NULL,
    -- The servers whose agents run it; checked against the organization when set, dropped from when a server goes.
    server_ids UUID[] NOT NULL,
    is_active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_monitors_org ON monitors(org_id);
CREATE INDEX idx_monitors_servers ON monitors USING GIN (server_ids);

-- Raw results, kept short (like health_checks) and rolled up per hour and day.
CREATE TABLE monitor_results (
    id BIGSERIAL PRIMARY KEY,
    monitor_id UUID NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    server_id UUID NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    checked_at TIMESTAMPTZ NOT NULL,
    is_up BOOLEAN NOT NULL,
    latency_ms INTEGER NOT NULL,
    status_code INTEGER,
    error_message TEXT,
    days_left DOUBLE PRECISION,
    -- A result the agent sends again (a lost acknowledgement) is stored once.
    UNIQUE (monitor_id, server_id, checked_at)
);
CREATE INDEX idx_monitor_results_monitor_time ON monitor_results(monitor_id, checked_at DESC);

CREATE TABLE monitor_result_rollups (
    monitor_id UUID NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
    granularity VARCHAR(4) NOT NULL CHECK (granularity IN ('hour', 'day')),
    bucket TIMESTAMPTZ NOT NULL,
    checks INTEGER NOT NULL,
    healthy INTEGER NOT NULL,
    response_ms_sum DOUBLE PRECISION NOT NULL,
    response_ms_max DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (monitor_id, granularity, bucket)
);

-- A status page component shows a service's health checks or a monitor's results.
ALTER TABLE status_page_components ADD COLUMN monitor_id UUID REFERENCES monitors(id) ON DELETE SET NULL;
