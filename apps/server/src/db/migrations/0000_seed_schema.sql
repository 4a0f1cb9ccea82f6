
-- Enable extensions
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS "pgcrypto";

-- Enums
CREATE TYPE user_plan AS ENUM ('free', 'pro', 'team', 'enterprise');
CREATE TYPE org_role AS ENUM ('owner', 'admin', 'developer', 'viewer');
CREATE TYPE server_status AS ENUM ('online', 'offline', 'updating', 'error');
CREATE TYPE server_runtime AS ENUM ('docker', 'kubernetes');
CREATE TYPE service_type AS ENUM ('app', 'database', 'worker', 'cron');
CREATE TYPE source_type AS ENUM ('dockerfile', 'nixpacks', 'image', 'docker_compose');
CREATE TYPE deployment_status AS ENUM ('queued', 'building', 'pushing', 'deploying', 'running', 'failed', 'rolled_back', 'cancelled');
CREATE TYPE trigger_type AS ENUM ('manual', 'git_push', 'workflow', 'rollback', 'api', 'schedule');
CREATE TYPE issue_status AS ENUM ('unresolved', 'resolved', 'ignored', 'regressed');
CREATE TYPE issue_severity AS ENUM ('critical', 'high', 'medium', 'low');
CREATE TYPE alert_type AS ENUM ('error_rate', 'latency', 'downtime', 'anomaly', 'custom');
CREATE TYPE alert_status AS ENUM ('firing', 'resolved', 'acknowledged');

-- Users
CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    email VARCHAR(255) UNIQUE NOT NULL,
    name VARCHAR(255),
    avatar_url TEXT,
    plan user_plan DEFAULT 'free',
    stripe_customer_id VARCHAR(255),
    email_verified_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

-- Organizations
CREATE TABLE organizations (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    name VARCHAR(255) NOT NULL,
    slug VARCHAR(100) UNIQUE NOT NULL,
    owner_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    plan user_plan DEFAULT 'free',
    stripe_subscription_id VARCHAR(255),
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

-- Organization Members
CREATE TABLE org_members (
    org_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    role org_role NOT NULL DEFAULT 'developer',
    invited_by UUID REFERENCES users(id),
    invited_at TIMESTAMPTZ DEFAULT NOW(),
    accepted_at TIMESTAMPTZ,
    PRIMARY KEY (org_id, user_id)
);

-- Servers
CREATE TABLE servers (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    hostname VARCHAR(255),
    public_ip INET,
    private_ip INET,
    runtime server_runtime DEFAULT 'docker',
    runtime_version VARCHAR(50),
    status server_status DEFAULT 'offline',
    agent_version VARCHAR(20),
    agent_token_hash VARCHAR(64) NOT NULL, -- SHA-256 hash
    os_name VARCHAR(50),
    os_version VARCHAR(50),
    arch VARCHAR(20),
    cpu_cores INTEGER,
    memory_mb INTEGER,
    disk_gb INTEGER,
    last_heartbeat_at TIMESTAMPTZ,
    tags TEXT[] DEFAULT '{}',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_servers_org ON servers(org_id);
CREATE INDEX idx_servers_status ON servers(status);

-- Projects
CREATE TABLE projects (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    slug VARCHAR(100) NOT NULL,
    description TEXT,
    git_repo_url TEXT,
    git_branch VARCHAR(255) DEFAULT 'main',
    git_provider VARCHAR(50), -- github, gitlab, bitbucket
    git_installation_id VARCHAR(100), -- GitHub App installation
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    UNIQUE(org_id, slug)
);

CREATE INDEX idx_projects_org ON projects(org_id);

-- Services
CREATE TABLE services (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    project_id UUID NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    server_id UUID NOT NULL REFERENCES servers(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    type service_type DEFAULT 'app',
    source_type source_type NOT NULL,
    dockerfile_path VARCHAR(500) DEFAULT './Dockerfile',
    build_context VARCHAR(500) DEFAULT '.',
    image_name VARCHAR(500),
    image_tag VARCHAR(255),
    port INTEGER,
    replicas INTEGER DEFAULT 1,
    cpu_limit VARCHAR(20),
    memory_limit VARCHAR(20),
    env_vars_encrypted BYTEA, -- AES-256-GCM encrypted JSON
    domains JSONB DEFAULT '[]',
    health_check_path VARCHAR(255),
    health_check_interval INTEGER DEFAULT 30,
    health_check_timeout INTEGER DEFAULT 5,
    health_check_retries INTEGER DEFAULT 3,
    auto_deploy BOOLEAN DEFAULT true,
    current_deployment_id UUID,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_services_project ON services(project_id);
CREATE INDEX idx_services_server ON services(server_id);

-- Deployments
CREATE TABLE deployments (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    service_id UUID NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    status deployment_status DEFAULT 'queued',
    git_commit_sha VARCHAR(40),
    git_commit_message TEXT,
    git_branch VARCHAR(255),
    image_digest VARCHAR(100),
    build_duration_ms INTEGER,
    deploy_duration_ms INTEGER,
    build_logs TEXT,
    triggered_by UUID REFERENCES users(id),
    trigger_type trigger_type DEFAULT 'manual',
    error_message TEXT,
    rollback_from_id UUID REFERENCES deployments(id),
    created_at TIMESTAMPTZ DEFAULT NOW(),
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ
);

CREATE INDEX idx_deployments_service ON deployments(service_id);
CREATE INDEX idx_deployments_status ON deployments(status);
CREATE INDEX idx_deployments_created ON deployments(created_at DESC);

-- Error Groups (Issues)
CREATE TABLE error_groups (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    service_id UUID NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    fingerprint VARCHAR(64) NOT NULL, -- SHA-256 of normalized error
    title TEXT NOT NULL,
    exception_type VARCHAR(255),
    status issue_status DEFAULT 'unresolved',
    severity issue_severity DEFAULT 'medium',
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    event_count BIGINT DEFAULT 1,
    user_count INTEGER DEFAULT 0,
    assigned_to UUID REFERENCES users(id),
    ai_analysis JSONB,
    ai_analyzed_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    UNIQUE(service_id, fingerprint)
);

CREATE INDEX idx_error_groups_service ON error_groups(service_id);
CREATE INDEX idx_error_groups_status ON error_groups(status);
CREATE INDEX idx_error_groups_last_seen ON error_groups(last_seen_at DESC);

-- Error Events
CREATE TABLE error_events (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    error_group_id UUID NOT NULL REFERENCES error_groups(id) ON DELETE CASCADE,
    deployment_id UUID REFERENCES deployments(id),
    stack_trace JSONB NOT NULL,
    breadcrumbs JSONB,
    context JSONB,
    environment VARCHAR(50),
    release VARCHAR(100),
    user_id_hash VARCHAR(64), -- Hashed user ID for counting
    timestamp TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_error_events_group ON error_events(error_group_id);
CREATE INDEX idx_error_events_timestamp ON error_events(timestamp DESC);

-- Health Checks
CREATE TABLE health_checks (
    id BIGSERIAL PRIMARY KEY,
    service_id UUID NOT NULL REFERENCES services(id) ON DELETE CASCADE,
    status_code INTEGER,
    response_time_ms INTEGER NOT NULL,
    is_healthy BOOLEAN NOT NULL,
    error_message TEXT,
    checked_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE INDEX idx_health_checks_service ON health_checks(service_id, checked_at DESC);

-- Alerts
CREATE TABLE alerts (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    project_id UUID REFERENCES projects(id) ON DELETE CASCADE,
    service_id UUID REFERENCES services(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    type alert_type NOT NULL,
    condition JSONB NOT NULL,
    channels JSONB NOT NULL, -- [{type: "slack", webhook_url: "..."}, ...]
    is_active BOOLEAN DEFAULT true,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

-- Alert Incidents
CREATE TABLE alert_incidents (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    alert_id UUID NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    status alert_status DEFAULT 'firing',
    message TEXT NOT NULL,
    details JSONB,
    ai_summary TEXT,
    fired_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    resolved_at TIMESTAMPTZ,
    acknowledged_by UUID REFERENCES users(id),
    acknowledged_at TIMESTAMPTZ
);

CREATE INDEX idx_alert_incidents_alert ON alert_incidents(alert_id);
CREATE INDEX idx_alert_incidents_status ON alert_incidents(status);

-- API Tokens
CREATE TABLE api_tokens (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    org_id UUID REFERENCES organizations(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    token_hash VARCHAR(64) NOT NULL, -- SHA-256 hash
    token_prefix VARCHAR(20) NOT NULL, -- First 8 chars for identification
    scopes TEXT[] DEFAULT '{}',
    last_used_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_api_tokens_hash ON api_tokens(token_hash);

-- Audit Log
CREATE TABLE audit_logs (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id UUID REFERENCES users(id),
    action VARCHAR(100) NOT NULL,
    resource_type VARCHAR(50) NOT NULL,
    resource_id UUID,
    details JSONB,
    ip_address INET,
    user_agent TEXT,
    created_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_audit_logs_org ON audit_logs(org_id, created_at DESC);

-- Workflows
CREATE TABLE workflows (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    project_id UUID NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    definition JSONB NOT NULL, -- DAG structure
    trigger_type trigger_type DEFAULT 'manual',
    cron_expression VARCHAR(100),
    is_active BOOLEAN DEFAULT true,
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW()
);

-- Workflow Runs
CREATE TABLE workflow_runs (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    workflow_id UUID NOT NULL REFERENCES workflows(id) ON DELETE CASCADE,
    status VARCHAR(50) DEFAULT 'running',
    triggered_by UUID REFERENCES users(id),
    trigger_type trigger_type,
    step_results JSONB DEFAULT '{}',
    started_at TIMESTAMPTZ DEFAULT NOW(),
    finished_at TIMESTAMPTZ
);

-- Updated at trigger
CREATE OR REPLACE FUNCTION update_updated_at()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER update_users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION update_updated_at();
CREATE TRIGGER update_organizations_updated_at BEFORE UPDATE ON organizations FOR EACH ROW EXECUTE FUNCTION update_updated_at();
CREATE TRIGGER update_servers_updated_at BEFORE UPDATE ON servers FOR EACH ROW EXECUTE FUNCTION update_updated_at();
CREATE TRIGGER update_projects_updated_at BEFORE UPDATE ON projects FOR EACH ROW EXECUTE FUNCTION update_updated_at();
CREATE TRIGGER update_services_updated_at BEFORE UPDATE ON services FOR EACH ROW EXECUTE FUNCTION update_updated_at();
CREATE TRIGGER update_alerts_updated_at BEFORE UPDATE ON alerts FOR EACH ROW EXECUTE FUNCTION update_updated_at();
CREATE TRIGGER update_workflows_updated_at BEFORE UPDATE ON workflows FOR EACH ROW EXECUTE FUNCTION update_updated_at();

