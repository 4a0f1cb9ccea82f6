import type {
  BuildSpec,
  DeployLogEntry,
  DeploymentSpec,
  ErrorCode,
  MetricsScrapeConfig,
  ServiceVolume,
} from "@syntra/contracts";
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigint,
  boolean,
  index,
  inet,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { bytea, idColumn, tstz } from "./columns";
import { deploymentStatus, serverRuntime, serverStatus, serviceType, sourceType, triggerType } from "./enums";
import { organizations, users } from "./identity";

export const servers = pgTable(
  "servers",
  {
    id: idColumn(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 255 }).notNull(),
    hostname: varchar("hostname", { length: 255 }),
    publicIp: inet("public_ip"),
    privateIp: inet("private_ip"),
    runtime: serverRuntime("runtime").default("docker"),
    runtimeVersion: varchar("runtime_version", { length: 50 }),
    status: serverStatus("status").default("offline"),
    agentVersion: varchar("agent_version", { length: 20 }),
    agentTokenHash: varchar("agent_token_hash", { length: 64 }).notNull(),
    osName: varchar("os_name", { length: 50 }),
    osVersion: varchar("os_version", { length: 50 }),
    arch: varchar("arch", { length: 20 }),
    cpuCores: integer("cpu_cores"),
    memoryMb: integer("memory_mb"),
    diskGb: integer("disk_gb"),
    lastHeartbeatAt: tstz("last_heartbeat_at"),
    tags: text("tags").array().default(sql`'{}'`),
    createdAt: tstz("created_at").default(sql`now()`),
    updatedAt: tstz("updated_at").default(sql`now()`),
    proxyHttpPort: integer("proxy_http_port"),
    proxyHttpsPort: integer("proxy_https_port"),
    proxyTls: boolean("proxy_tls"),
    sameHost: boolean("same_host").notNull().default(false),
    agentTokenUsedAt: tstz("agent_token_used_at"),
    agentUpdateVersion: varchar("agent_update_version", { length: 20 }),
    agentUpdateState: varchar("agent_update_state", { length: 10 }).$type<"pending" | "succeeded" | "failed">(),
    agentUpdateMessage: text("agent_update_message"),
    agentUpdateAt: tstz("agent_update_at"),
    /** The control-plane replica holding the agent's socket (PostgreSQL with several replicas; see cluster/). */
    connectedReplica: varchar("connected_replica", { length: 32 }),
  },
  (t) => [
    // The servers list's order (newest first, a page at a time); its org_id prefix serves lookups by organization.
    index("idx_servers_org_created").on(t.orgId, t.createdAt.desc(), t.id.desc()),
    index("idx_servers_connected_replica").on(t.connectedReplica).where(sql`connected_replica IS NOT NULL`),
    index("idx_servers_agent_token").on(t.agentTokenHash),
    index("idx_servers_status").on(t.status),
    uniqueIndex("idx_servers_org_name").on(t.orgId, t.name),
  ],
);

export const projects = pgTable(
  "projects",
  {
    id: idColumn(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 255 }).notNull(),
    slug: varchar("slug", { length: 100 }).notNull(),
    description: text("description"),
    gitRepoUrl: text("git_repo_url"),
    gitBranch: varchar("git_branch", { length: 255 }).default("main"),
    gitProvider: varchar("git_provider", { length: 50 }),
    gitInstallationId: varchar("git_installation_id", { length: 100 }),
    createdAt: tstz("created_at").default(sql`now()`),
    updatedAt: tstz("updated_at").default(sql`now()`),
  },
  (t) => [index("idx_projects_org").on(t.orgId), uniqueIndex("projects_org_id_slug_key").on(t.orgId, t.slug)],
);

export const services = pgTable(
  "services",
  {
    id: idColumn(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    serverId: uuid("server_id")
      .notNull()
      .references(() => servers.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 255 }).notNull(),
    type: serviceType("type").default("app"),
    sourceType: sourceType("source_type").notNull(),
    dockerfilePath: varchar("dockerfile_path", { length: 500 }).default("./Dockerfile"),
    buildContext: varchar("build_context", { length: 500 }).default("."),
    imageName: varchar("image_name", { length: 500 }),
    imageTag: varchar("image_tag", { length: 255 }),
    port: integer("port"),
    replicas: integer("replicas").default(1),
    cpuLimit: varchar("cpu_limit", { length: 20 }),
    memoryLimit: varchar("memory_limit", { length: 20 }),
    envVarsEncrypted: bytea("env_vars_encrypted"),
    domains: jsonb("domains").$type<string[]>().default([]),
    healthCheckPath: varchar("health_check_path", { length: 255 }),
    healthCheckInterval: integer("health_check_interval").default(30),
    healthCheckTimeout: integer("health_check_timeout").default(5),
    healthCheckRetries: integer("health_check_retries").default(3),
    autoDeploy: boolean("auto_deploy").default(true),
    currentDeploymentId: uuid("current_deployment_id"),
    createdAt: tstz("created_at").default(sql`now()`),
    updatedAt: tstz("updated_at").default(sql`now()`),
    composePath: varchar("compose_path", { length: 500 }),
    healthCheckType: varchar("health_check_type", { length: 10 }),
    healthCheckPort: integer("health_check_port"),
    healthCheckCommand: jsonb("health_check_command").$type<string[]>(),
    healthCheckStartPeriod: integer("health_check_start_period").notNull().default(0),
    gitRepoUrl: text("git_repo_url"),
    gitBranch: varchar("git_branch", { length: 255 }),
    watchPaths: jsonb("watch_paths").$type<string[]>().notNull().default([]),
    gitAuthEncrypted: bytea("git_auth_encrypted"),
    gitDeployKeyPublic: text("git_deploy_key_public"),
    webhookSecretEncrypted: bytea("webhook_secret_encrypted"),
    volumes: jsonb("volumes").$type<ServiceVolume[]>().notNull().default([]),
    // Migration 0012: Prometheus scraping of the service's containers, null for none.
    metricsScrape: jsonb("metrics_scrape").$type<MetricsScrapeConfig>(),
    // Ingest identity (migration 0009): the public key that attributes telemetry, the key it replaced (valid until
    // its expiry) and the numeric id that DSNs carry.
    ingestKey: varchar("ingest_key", { length: 64 })
      .notNull()
      .default(sql`'syn_ing_' || encode(gen_random_bytes(16), 'hex')`),
    previousIngestKey: varchar("previous_ingest_key", { length: 64 }),
    previousIngestKeyExpiresAt: tstz("previous_ingest_key_expires_at"),
    ingestNumber: bigint("ingest_number", { mode: "number" }).notNull().generatedAlwaysAsIdentity(),
    defaultDomainLabel: varchar("default_domain_label", { length: 63 }),
    defaultDomainEnabled: boolean("default_domain_enabled").notNull().default(true),
  },
  (t) => [
    index("idx_services_project").on(t.projectId),
    index("idx_services_server").on(t.serverId),
    uniqueIndex("idx_services_project_name").on(t.projectId, t.name),
    uniqueIndex("idx_services_ingest_key").on(t.ingestKey),
    uniqueIndex("idx_services_previous_ingest_key").on(t.previousIngestKey),
    uniqueIndex("idx_services_ingest_number").on(t.ingestNumber),
    uniqueIndex("idx_services_default_domain_label").on(t.defaultDomainLabel),
  ],
);

export const deployments = pgTable(
  "deployments",
  {
    id: idColumn(),
    serviceId: uuid("service_id")
      .notNull()
      .references(() => services.id, { onDelete: "cascade" }),
    status: deploymentStatus("status").default("queued"),
    gitCommitSha: varchar("git_commit_sha", { length: 40 }),
    gitCommitMessage: text("git_commit_message"),
    gitBranch: varchar("git_branch", { length: 255 }),
    imageDigest: varchar("image_digest", { length: 100 }),
    buildDurationMs: integer("build_duration_ms"),
    deployDurationMs: integer("deploy_duration_ms"),
    buildLogs: text("build_logs"),
    triggeredBy: uuid("triggered_by").references(() => users.id),
    triggerType: triggerType("trigger_type").default("manual"),
    errorMessage: text("error_message"),
    /** A code of the error table; written from typed code only, read through toErrorCode. */
    errorCode: text("error_code").$type<ErrorCode>(),
    rollbackFromId: uuid("rollback_from_id").references((): AnyPgColumn => deployments.id),
    createdAt: tstz("created_at").default(sql`now()`),
    startedAt: tstz("started_at"),
    finishedAt: tstz("finished_at"),
    image: text("image"),
    specSnapshot: jsonb("spec_snapshot").$type<DeploymentSpec>(),
    deployLog: jsonb("deploy_log").$type<DeployLogEntry[]>().notNull().default([]),
    updatedAt: tstz("updated_at").default(sql`now()`),
    buildSpec: jsonb("build_spec").$type<BuildSpec>(),
    generatedDockerfile: text("generated_dockerfile"),
    buildWorker: text("build_worker"),
    buildHeartbeatAt: tstz("build_heartbeat_at"),
    buildAttempts: integer("build_attempts").notNull().default(0),
  },
  (t) => [
    index("idx_deployments_service").on(t.serviceId),
    index("idx_deployments_status").on(t.status),
    index("idx_deployments_created").on(t.createdAt.desc()),
    index("idx_deployments_service_created").on(t.serviceId, t.createdAt.desc()),
    index("idx_deployments_build_queue").on(t.status, t.createdAt).where(sql`build_spec IS NOT NULL`),
  ],
);

/** Redeliveries of a webhook (same provider delivery id) are ignored. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    provider: varchar("provider", { length: 20 }).notNull(),
    deliveryId: varchar("delivery_id", { length: 255 }).notNull(),
    receivedAt: tstz("received_at").notNull().default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.provider, t.deliveryId] })],
);
