-- Alerting, uptime and status pages (issue 15). The seed schema's alerts / alert_incidents / health_checks are kept
-- and extended; everything else is new. Append-only: never edit a migration that has shipped; add a new file.

-- Event rules (a new issue, a failed deploy, a server offline ...) are a sixth rule type beside the seed's five.
-- The new value is not used in this file: PostgreSQL refuses a value added in the same transaction.
ALTER TYPE alert_type ADD VALUE IF NOT EXISTS 'event';

-- A rule's settings beyond the seed's condition (pending and keep-firing periods, reminders, evaluation interval)
-- and its place in the evaluation queue: replicas claim due rules (next_evaluation_at <= now) with
-- FOR UPDATE SKIP LOCKED and push next_evaluation_at forward, so each rule is evaluated once per interval.
-- `channels` (seed: inline channel configs with their secrets) holds the ids of notification_channels instead.
ALTER TABLE alerts
    ADD COLUMN description TEXT NOT NULL DEFAULT '',
    ADD COLUMN severity VARCHAR(10) NOT NULL DEFAULT 'warning' CHECK (severity IN ('critical', 'warning', 'info')),
    ADD COLUMN for_seconds INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN keep_firing_seconds INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN repeat_interval_seconds INTEGER NOT NULL DEFAULT 14400,
    ADD COLUMN interval_seconds INTEGER NOT NULL DEFAULT 60,
    ADD COLUMN notify_on_resolve BOOLEAN NOT NULL DEFAULT true,
    ADD COLUMN created_by UUID REFERENCES users(id) ON DELETE SET NULL,
    ADD COLUMN next_evaluation_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    ADD COLUMN last_evaluated_at TIMESTAMPTZ,
    ADD COLUMN last_error TEXT;
CREATE INDEX idx_alerts_org ON alerts(org_id);
CREATE INDEX idx_alerts_due ON alerts(next_evaluation_at) WHERE is_active;

-- An incident per rule and grouping key (a service, a server, an issue ...) while it is open: the partial unique
-- index is what keeps two replicas (or two evaluations) from opening the same incident twice.
ALTER TABLE alert_incidents
    ADD COLUMN group_key VARCHAR(200) NOT NULL DEFAULT '',
    ADD COLUMN severity VARCHAR(10) NOT NULL DEFAULT 'warning' CHECK (severity IN ('critical', 'warning', 'info')),
    ADD COLUMN title TEXT NOT NULL DEFAULT '',
    ADD COLUMN labels JSONB NOT NULL DEFAULT '{}',
    ADD COLUMN value DOUBLE PRECISION,
    ADD COLUMN resolved_by UUID REFERENCES users(id) ON DELETE SET NULL,
    -- The condition last held at this instant: keep-firing counts from here.
    ADD COLUMN last_active_at TIMESTAMPTZ,
    ADD COLUMN last_notified_at TIMESTAMPTZ,
    ADD COLUMN notification_count INTEGER NOT NULL DEFAULT 0,
    -- The firing notification is owed (it was silenced when the incident fired): sent once the silence ends.
    ADD COLUMN notify_pending BOOLEAN NOT NULL DEFAULT false;
CREATE UNIQUE INDEX idx_alert_incidents_open_group ON alert_incidents(alert_id, group_key) WHERE status <> 'resolved';
CREATE INDEX idx_alert_incidents_fired ON alert_incidents(fired_at DESC);

-- Groups whose condition holds but that are still in their pending period (`for`). A group that stops holding is
-- deleted, so a blip shorter than the pending period leaves nothing.
CREATE TABLE alert_pending (
    alert_id UUID NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    group_key VARCHAR(200) NOT NULL,
    since TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (alert_id, group_key)
);

-- Where notifications go. Secrets (Slack/Discord webhook URLs, PagerDuty routing keys, webhook signing secrets) are
-- in secret_encrypted (AES-256-GCM under the keyring, the channel id as context); config keeps what may be shown.
CREATE TABLE notification_channels (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    type VARCHAR(20) NOT NULL CHECK (type IN ('slack', 'discord', 'pagerduty', 'email', 'webhook')),
    config JSONB NOT NULL DEFAULT '{}',
    secret_encrypted BYTEA,
    is_active BOOLEAN NOT NULL DEFAULT true,
    last_delivery_at TIMESTAMPTZ,
    last_success_at TIMESTAMPTZ,
    last_error TEXT,
    last_error_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_notification_channels_org ON notification_channels(org_id);

-- The delivery queue and its log: one row per notification and channel, claimed with FOR UPDATE SKIP LOCKED,
-- retried with backoff until delivered or given up on. The payload is the notification as it was when queued.
CREATE TABLE alert_deliveries (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    channel_id UUID NOT NULL REFERENCES notification_channels(id) ON DELETE CASCADE,
    incident_id UUID REFERENCES alert_incidents(id) ON DELETE CASCADE,
    kind VARCHAR(20) NOT NULL CHECK (kind IN ('firing', 'reminder', 'acknowledged', 'resolved', 'test')),
    payload JSONB NOT NULL,
    status VARCHAR(10) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    locked_until TIMESTAMPTZ,
    last_error TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    delivered_at TIMESTAMPTZ
);
CREATE INDEX idx_alert_deliveries_due ON alert_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX idx_alert_deliveries_channel ON alert_deliveries(channel_id, created_at DESC);

-- Silences and maintenance windows: matching incidents are recorded but notify nobody while one is active.
CREATE TABLE alert_silences (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    alert_id UUID REFERENCES alerts(id) ON DELETE CASCADE,
    project_id UUID REFERENCES projects(id) ON DELETE CASCADE,
    service_id UUID REFERENCES services(id) ON DELETE CASCADE,
    server_id UUID REFERENCES servers(id) ON DELETE CASCADE,
    kind VARCHAR(20) NOT NULL DEFAULT 'silence' CHECK (kind IN ('silence', 'maintenance')),
    comment TEXT NOT NULL DEFAULT '',
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    created_by UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_alert_silences_org_end ON alert_silences(org_id, ends_at);

-- The agents' `alert` messages (disk or memory critical, crash loops, failing health checks), stored instead of
-- kept in memory: event rules read them, and they survive a restart of the control plane.
CREATE TABLE agent_alerts (
    id BIGSERIAL PRIMARY KEY,
    server_id UUID NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    service_id UUID REFERENCES services(id) ON DELETE CASCADE,
    agent_alert_id VARCHAR(128) NOT NULL,
    type VARCHAR(40) NOT NULL,
    severity VARCHAR(10) NOT NULL,
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    metadata JSONB NOT NULL DEFAULT '{}',
    reported_at TIMESTAMPTZ NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (server_id, agent_alert_id)
);
CREATE INDEX idx_agent_alerts_server_time ON agent_alerts(server_id, received_at DESC);

-- Health checks rolled up per hour and per day, so 90 days of uptime stay small while raw rows are kept short.
CREATE TABLE health_check_rollups (
    service_id UUID NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    granularity VARCHAR(4) NOT NULL CHECK (granularity IN ('hour', 'day')),
    bucket TIMESTAMPTZ NOT NULL,
    checks INTEGER NOT NULL,
    healthy INTEGER NOT NULL,
    response_ms_sum DOUBLE PRECISION NOT NULL,
    response_ms_max DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (service_id, granularity, bucket)
);

-- Public status pages, per organization or project, at /status/<slug>.
CREATE TABLE status_pages (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    project_id UUID REFERENCES projects(id) ON DELETE CASCADE,
    slug VARCHAR(63) NOT NULL UNIQUE,
    title VARCHAR(255) NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    is_public BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_status_pages_org ON status_pages(org_id);

CREATE TABLE status_page_components (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    page_id UUID NOT NULL REFERENCES status_pages(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    service_id UUID REFERENCES services(id) ON DELETE SET NULL,
    position INTEGER NOT NULL
);
CREATE INDEX idx_status_page_components_page ON status_page_components(page_id, position);

CREATE TABLE status_page_incidents (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    page_id UUID NOT NULL REFERENCES status_pages(id) ON DELETE CASCADE,
    kind VARCHAR(20) NOT NULL CHECK (kind IN ('incident', 'maintenance')),
    title VARCHAR(255) NOT NULL,
    impact VARCHAR(10) NOT NULL CHECK (impact IN ('none', 'minor', 'major', 'critical')),
    status VARCHAR(20) NOT NULL,
    component_ids UUID[] NOT NULL DEFAULT '{}',
    alert_incident_id UUID REFERENCES alert_incidents(id) ON DELETE SET NULL,
    scheduled_start TIMESTAMPTZ,
    scheduled_end TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    resolved_at TIMESTAMPTZ
);
CREATE INDEX idx_status_page_incidents_page ON status_page_incidents(page_id, created_at DESC);

CREATE TABLE status_page_incident_updates (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    incident_id UUID NOT NULL REFERENCES status_page_incidents(id) ON DELETE CASCADE,
    status VARCHAR(20) NOT NULL,
    message TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_status_page_incident_updates_incident ON status_page_incident_updates(incident_id, created_at DESC);
