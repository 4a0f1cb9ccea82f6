import { z } from "zod";
import { isoTimestamp, uuid } from "../common";
import { healthCheckConfigBody } from "../health-check";
import { metricsScrapeConfig } from "../telemetry/scrape";
import { domainName, domainStatuses } from "./domains";
import { envVarKey, envVarValue, MAX_ENV_VARS } from "./env";
import { gitBranch, gitRepoUrl } from "./projects";
import { serviceVolume, serviceVolumes } from "./volumes";

/** A DNS label, because the service name becomes a container name and an internal hostname. */
export const serviceName = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "lowercase letters, digits and dashes, at most 63");

/** A path inside the repository: relative, no `..`, no control characters. */
const repoPath = z
  .string()
  .min(1)
  .max(500)
  .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[\x21-\x7e]+$/, "must be a relative path inside the repository");

/** An image reference without tag; includes its registry when not Docker Hub (`registry:5000/team/app`). */
export const imageName = z
  .string()
  .max(500)
  .regex(
    /^(?:[a-z0-9.-]+(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/,
    "not a valid image name",
  );
export const imageTag = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "not a valid image tag");

/** A glob of repository paths (`src/**`, `*.json`); a push touching none of a service's watch paths skips it. */
export const watchPath = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

/** Where a service built from git takes its code; unset fields fall back to the project's repository and branch. */
const gitSourceFields = {
  repo_url: gitRepoUrl
    .refine((url) => !/^https?:\/\/[^/]*@/.test(url), {
      message: "put credentials in PUT /services/:id/git/credentials, not in the URL",
    })
    .optional(),
  branch: gitBranch.optional(),
  watch_paths: z.array(watchPath).max(50).optional(),
};

/** `source_config` for each `source_type`. */
export const sourceConfigSchemas = {
  image: z.strictObject({ image: imageName, tag: imageTag.default("latest") }),
  dockerfile: z.strictObject({
    dockerfile_path: repoPath.default("Dockerfile"),
    build_context: repoPath.default("."),
    ...gitSourceFields,
  }),
  // Syntra detects the stack (Node, Python, Go, static) and writes the Dockerfile; the seed names it nixpacks.
  nixpacks: z.strictObject({ build_context: repoPath.default("."), ...gitSourceFields }),
  docker_compose: z.strictObject({ compose_path: repoPath.default("docker-compose.yml") }),
} as const;
export const sourceTypes = ["dockerfile", "nixpacks", "image", "docker_compose"] as const;
export type SourceType = (typeof sourceTypes)[number];
export type SourceConfig = { [K in SourceType]: z.infer<(typeof sourceConfigSchemas)[K]> }[SourceType];

const cpuLimit = z
  .string()
  .regex(/^(?:0\.\d*[1-9]\d*|[1-9]\d{0,2}(?:\.\d+)?)$/, 'CPUs as a decimal, e.g. "0.5" or "2"');
const memoryLimit = z.string().regex(/^[1-9]\d{0,6}[kmg]$/, 'a size such as "256m" or "1g"');

const serviceFields = {
  name: serviceName,
  server_id: uuid,
  type: z.enum(["app", "database", "worker", "cron"]).default("app"),
  port: z.number().int().min(1).max(65535).optional(),
  replicas: z.number().int().min(0).max(100).default(1),
  cpu_limit: cpuLimit.optional(),
  memory_limit: memoryLimit.optional(),
  env_vars: z
    .record(envVarKey, envVarValue)
    .refine((vars) => Object.keys(vars).length <= MAX_ENV_VARS, `at most ${MAX_ENV_VARS} variables`)
    .optional(),
  domains: z.array(domainName).max(50).optional(),
  health_check: healthCheckConfigBody.optional(),
  auto_deploy: z.boolean().default(true),
  volumes: serviceVolumes.default([]),
  /** Prometheus scraping of the service's containers (Syntra extension); absent or null: none. */
  metrics_scrape: metricsScrapeConfig.nullable().optional(),
  /** Route the service on its generated default domain too (see Service.default_url). */
  default_domain_enabled: z.boolean().default(true),
};

/** POST /projects/:projectId/services: `source_config` is checked against `source_type`. */
export const createServiceBody = z.discriminatedUnion("source_type", [
  z.strictObject({ ...serviceFields, source_type: z.literal("image"), source_config: sourceConfigSchemas.image }),
  z.strictObject({
    ...serviceFields,
    source_type: z.literal("dockerfile"),
    source_config: sourceConfigSchemas.dockerfile.default({ dockerfile_path: "Dockerfile", build_context: "." }),
  }),
  z.strictObject({
    ...serviceFields,
    source_type: z.literal("nixpacks"),
    source_config: sourceConfigSchemas.nixpacks.default({ build_context: "." }),
  }),
  z.strictObject({
    ...serviceFields,
    source_type: z.literal("docker_compose"),
    source_config: sourceConfigSchemas.docker_compose.default({ compose_path: "docker-compose.yml" }),
  }),
]);
export type CreateServiceBody = z.infer<typeof createServiceBody>;

/**
 * PATCH /services/:serviceId. A new `source_type` needs its `source_config`; a `source_config` alone is
 * checked against the service's current type by the server. `null` clears an optional setting.
 */
export const updateServiceBody = z
  .strictObject({
    name: serviceName.optional(),
    server_id: uuid.optional(),
    type: z.enum(["app", "database", "worker", "cron"]).optional(),
    source_type: z.enum(sourceTypes).optional(),
    source_config: z.record(z.string(), z.unknown()).optional(),
    port: z.number().int().min(1).max(65535).nullable().optional(),
    replicas: z.number().int().min(0).max(100).optional(),
    cpu_limit: cpuLimit.nullable().optional(),
    memory_limit: memoryLimit.nullable().optional(),
    domains: z.array(domainName).max(50).optional(),
    health_check: healthCheckConfigBody.nullable().optional(),
    auto_deploy: z.boolean().optional(),
    /** Replaces the whole list. */
    volumes: serviceVolumes.optional(),
    /** null stops scraping. */
    metrics_scrape: metricsScrapeConfig.nullable().optional(),
    /** Off: the default domain is not routed. Turned on again, it takes a name from the current names. */
    default_domain_enabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: "give at least one field to change" })
  .refine((b) => b.source_type === undefined || b.source_config !== undefined, {
    message: "a new source_type needs its source_config",
    path: ["source_config"],
  });
export type UpdateServiceBody = z.infer<typeof updateServiceBody>;

/** A service as the API shows it. Env var values are never part of it; see /services/:id/env. */
export const service = z.object({
  id: uuid,
  project_id: uuid,
  server_id: uuid,
  name: z.string(),
  type: z.enum(["app", "database", "worker", "cron"]),
  source_type: z.enum(sourceTypes),
  source_config: z.record(z.string(), z.unknown()),
  port: z.number().int().nullable(),
  replicas: z.number().int(),
  cpu_limit: z.string().nullable(),
  memory_limit: z.string().nullable(),
  /** Every custom domain given (verified or not), by name. */
  domains: z.array(z.string()),
  /** Each custom domain's DNS and certificate status (see GET /services/:id/domains for the details). */
  domain_statuses: z.array(
    z.object({ domain: z.string(), status: z.enum(domainStatuses), status_reason: z.string().nullable() }),
  ),
  /** Whether the default domain is routed (a service setting). */
  default_domain_enabled: z.boolean(),
  /** The generated name the service answers on without any DNS set up, or null (off, or unknown yet). */
  default_domain: z.string().nullable(),
  /** `default_domain` as a URL: scheme, and the proxy's port when it is not 80/443. */
  default_url: z.string().nullable(),
  health_check: z
    .object({
      type: z.enum(["http", "tcp", "exec"]),
      path: z.string().optional(),
      port: z.number().int().optional(),
      command: z.array(z.string()).optional(),
      interval_seconds: z.number().int(),
      timeout_seconds: z.number().int(),
      retries: z.number().int(),
      start_period_seconds: z.number().int(),
    })
    .nullable(),
  auto_deploy: z.boolean(),
  volumes: z.array(serviceVolume),
  metrics_scrape: metricsScrapeConfig.nullable(),
  current_deployment_id: uuid.nullable(),
  /** null when the variables cannot be decrypted (the master key that sealed them is missing). */
  env_var_count: z.number().int().nonnegative().nullable(),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
});
export type Service = z.infer<typeof service>;
