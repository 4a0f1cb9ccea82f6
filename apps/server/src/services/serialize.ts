import type { Service, SourceConfig, SourceType } from "@syntra/contracts";
import type { services } from "../db/schema";

type ServiceRow = typeof services.$inferSelect;

/** The `source_config` of a service, rebuilt from the columns of section 3.1. */
export function sourceConfigOf(row: ServiceRow): SourceConfig {
  const type: SourceType = row.sourceType;
  switch (type) {
    case "image":
      return { image: row.imageName ?? "", tag: row.imageTag ?? "latest" };
    case "dockerfile":
      return {
        dockerfile_path: row.dockerfilePath ?? "Dockerfile",
        build_context: row.buildContext ?? ".",
        ...gitSourceOf(row),
      };
    case "nixpacks":
      return { build_context: row.buildContext ?? ".", ...gitSourceOf(row) };
    case "docker_compose":
      return { compose_path: row.composePath ?? "docker-compose.yml" };
    default: {
      const unreachable: never = type;
      throw new Error(`unknown source type ${String(unreachable)}`);
    }
  }
}

/** The git fields of a built service's source_config; unset ones are left out (the project's apply). */
function gitSourceOf(row: ServiceRow): { repo_url?: string; branch?: string; watch_paths?: string[] } {
  return {
    ...(row.gitRepoUrl !== null && { repo_url: row.gitRepoUrl }),
    ...(row.gitBranch !== null && { branch: row.gitBranch }),
    ...(row.watchPaths.length > 0 && { watch_paths: row.watchPaths }),
  };
}

/** Git columns from a built source's config: absent fields clear them (the config is replaced as a whole). */
function gitColumns(config: Record<string, unknown>): Partial<ServiceRow> {
  return {
    gitRepoUrl: typeof config.repo_url === "string" ? config.repo_url : null,
    gitBranch: typeof config.branch === "string" ? config.branch : null,
    watchPaths: Array.isArray(config.watch_paths) ? (config.watch_paths as string[]) : [],
  };
}

/** Column values for a `source_type` and its (already validated) `source_config`. */
export function sourceColumns(type: SourceType, config: Record<string, unknown>): Partial<ServiceRow> {
  const str = (k: string) => (typeof config[k] === "string" ? (config[k] as string) : undefined);
  switch (type) {
    case "image":
      return { sourceType: type, imageName: str("image") ?? null, imageTag: str("tag") ?? "latest" };
    case "dockerfile":
      return {
        sourceType: type,
        dockerfilePath: str("dockerfile_path"),
        buildContext: str("build_context"),
        ...gitColumns(config),
      };
    case "nixpacks":
      return { sourceType: type, buildContext: str("build_context"), ...gitColumns(config) };
    case "docker_compose":
      return { sourceType: type, composePath: str("compose_path") };
    default: {
      const unreachable: never = type;
      throw new Error(`unknown source type ${String(unreachable)}`);
    }
  }
}

/** Health check columns as the API's HealthCheckConfig, or null when none is configured. */
function healthCheckOf(row: ServiceRow): Service["health_check"] {
  const type = row.healthCheckType;
  if (type !== "http" && type !== "tcp" && type !== "exec") return null;
  return {
    type,
    ...(row.healthCheckPath !== null && { path: row.healthCheckPath }),
    ...(row.healthCheckPort !== null && { port: row.healthCheckPort }),
    ...(row.healthCheckCommand !== null && { command: row.healthCheckCommand }),
    interval_seconds: row.healthCheckInterval ?? 30,
    timeout_seconds: row.healthCheckTimeout ?? 5,
    retries: row.healthCheckRetries ?? 3,
    start_period_seconds: row.healthCheckStartPeriod,
  };
}

/** Health check settings as columns; null clears them. */
export function healthCheckColumns(
  h: {
    type: "http" | "tcp" | "exec";
    path?: string | undefined;
    port?: number | undefined;
    command?: string[] | undefined;
    interval_seconds: number;
    timeout_seconds: number;
    retries: number;
    start_period_seconds: number;
  } | null,
): Partial<ServiceRow> {
  if (!h) {
    return { healthCheckType: null, healthCheckPath: null, healthCheckPort: null, healthCheckCommand: null };
  }
  return {
    healthCheckType: h.type,
    healthCheckPath: h.path ?? null,
    healthCheckPort: h.port ?? null,
    healthCheckCommand: h.command ?? null,
    healthCheckInterval: h.interval_seconds,
    healthCheckTimeout: h.timeout_seconds,
    healthCheckRetries: h.retries,
    healthCheckStartPeriod: h.start_period_seconds,
  };
}

/** What a service's answer shows beside its own row: its custom domains' states and its default domain. */
export interface ServiceRouting {
  domains: Service["domain_statuses"];
  defaultDomain: { domain: string; url: string } | null;
}

/** A service as the API shows it (without `routing`, as when only its settings matter: no domains). */
export function serializeService(row: ServiceRow, envVarCount: number | null, routing?: ServiceRouting): Service {
  return {
    id: row.id,
    project_id: row.projectId,
    server_id: row.serverId,
    name: row.name,
    type: row.type ?? "app",
    source_type: row.sourceType,
    source_config: sourceConfigOf(row),
    port: row.port,
    replicas: row.replicas ?? 1,
    cpu_limit: row.cpuLimit,
    memory_limit: row.memoryLimit,
    domains: (routing?.domains ?? []).map((d) => d.domain),
    domain_statuses: routing?.domains ?? [],
    default_domain_enabled: row.defaultDomainEnabled,
    default_domain: routing?.defaultDomain?.domain ?? null,
    default_url: routing?.defaultDomain?.url ?? null,
    health_check: healthCheckOf(row),
    auto_deploy: row.autoDeploy ?? true,
    volumes: row.volumes,
    metrics_scrape: row.metricsScrape ?? null,
    current_deployment_id: row.currentDeploymentId,
    env_var_count: envVarCount,
    created_at: (row.createdAt ?? new Date(0)).toISOString(),
    updated_at: (row.updatedAt ?? new Date(0)).toISOString(),
  };
}
