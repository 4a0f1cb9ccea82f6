import { z } from "zod";
import { stringRecord, uuid } from "../common";
import { healthCheckConfig } from "../health-check";
import { metricsScrapeConfig } from "../telemetry/scrape";
import { absolutePath, envVars, hostname, requestId, routedDomain } from "./primitives";
import { customCertificate } from "./routing";
import { ingestKeyGrant } from "./telemetry";

// Image references are passed to the container runtime, so they are held to Docker's grammar.
const pathComponent = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";

/** The image to run: `<registry>/<repository>:<tag>`, pinned by `digest` when given. */
export const imageReference = z.object({
  registry: z.string().regex(/^[A-Za-z0-9.-]+(?::\d{1,5})?$/, "expected a registry host, e.g. registry.syntra.dev"),
  repository: z
    .string()
    .max(255)
    .regex(new RegExp(`^${pathComponent}(?:/${pathComponent})*$`), "expected a lowercase repository path"),
  tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "expected a Docker image tag"),
  digest: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/, "expected sha256:<64 hex>")
    .optional(),
});
export type ImageReference = z.infer<typeof imageReference>;

/**
 * Credentials for pulling the image. The password is a short-lived token: never log it. Empty strings mean an
 * anonymous pull (public images, or images already on the server), a Syntra reading of the spec's required field.
 */
export const registryAuth = z.object({
  username: z.string(),
  password: z.string(),
});
export type RegistryAuth = z.infer<typeof registryAuth>;

/** A volume mounted into the service's containers; without `host_path` it is a named volume. */
export const volumeMount = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "expected a volume name"),
  host_path: absolutePath.optional(),
  container_path: absolutePath,
  read_only: z.boolean(),
});
export type VolumeMount = z.infer<typeof volumeMount>;

const port = z.number().int().min(1).max(65535);

/**
 * Runtime settings of the service's containers. `env_vars` arrive decrypted: never log them.
 * `health_check` is the REST API's HealthCheckConfig, unchanged; its `port` defaults to the service's.
 */
export const containerConfig = z.object({
  port,
  replicas: z.number().int().positive(),
  cpu_limit: z
    .string()
    .regex(/^(?:0\.\d*[1-9]\d*|[1-9]\d*(?:\.\d+)?)$/, 'expected a positive number of CPUs, e.g. "0.5"')
    .optional(),
  memory_limit: z
    .string()
    .regex(/^[1-9]\d*[bkmg]$/i, 'expected a size such as "256m" or "1g"')
    .optional(),
  env_vars: envVars,
  labels: stringRecord,
  volumes: z.array(volumeMount).optional(),
  health_check: healthCheckConfig.optional(),
});
export type ContainerConfig = z.infer<typeof containerConfig>;

/** How the service is reached: public domains routed by the proxy and its internal name. */
export const deployNetworking = z.object({
  // A leading "*." makes a wildcard domain.
  domains: z.array(routedDomain),
  internal_hostname: hostname,
  expose_port: z.boolean(),
  // Syntra extension: user-supplied certificates for some of the domains; the others get ACME certificates.
  certificates: z.array(customCertificate).max(100).optional(),
});
export type DeployNetworking = z.infer<typeof deployNetworking>;

/** How new containers replace the old ones. */
export const deployStrategy = z.enum(["rolling", "instant", "blue_green"]);
export type DeployStrategy = z.infer<typeof deployStrategy>;

/**
 * Telemetry settings of the deployed service (Syntra extension, optional): the ingest keys its apps send with (so
 * the agent accepts them before the next `ingest_keys`), and Prometheus scraping.
 */
export const deployTelemetry = z.object({
  ingest_keys: z.array(ingestKeyGrant).max(10).optional(),
  metrics_scrape: metricsScrapeConfig.nullable().optional(),
});
export type DeployTelemetry = z.infer<typeof deployTelemetry>;

/** `deploy` payload: run a new deployment of a service. Also the shape of a queued deployment in `hello_ack`. */
export const deployPayload = z.object({
  request_id: requestId,
  deployment_id: uuid,
  service_id: uuid,
  service_name: z.string().min(1),
  project_name: z.string().min(1),
  image: imageReference,
  registry_auth: registryAuth,
  config: containerConfig,
  networking: deployNetworking,
  strategy: deployStrategy,
  rollback_on_failure: z.boolean(),
  timeout_seconds: z.number().int().positive(),
  telemetry: deployTelemetry.optional(),
});
export type DeployPayload = z.infer<typeof deployPayload>;
