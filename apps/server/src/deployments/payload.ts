import {
  type CustomCertificate,
  type DeploymentSpec,
  type DeployPayload,
  type DeployStrategy,
  deployPayload,
  type ImageReference,
  type RegistryAuth,
} from "@syntra/contracts";
import type { deployments, projects, services } from "../db/schema";
import { AppError } from "../errors";
import { serializeService } from "../services/serialize";
import { assertSingleWriterReplicas, deployStrategyFor, volumeMounts } from "../services/volumes";
import { telemetryEnv } from "../telemetry/injected-env";

type ServiceRow = typeof services.$inferSelect;
type ProjectRow = typeof projects.$inferSelect;
type DeploymentRow = typeof deployments.$inferSelect;

/** Docker Hub, where image names without a registry host come from. */
export const DEFAULT_REGISTRY = "docker.io";

/** How long the agent may take to carry out a deploy before it gives up (and rolls back). */
export const DEPLOY_TIMEOUT_SECONDS = 300;

/**
 * Splits an image name (`nginx`, `acme/web`, `registry.local:5000/acme/web`) and a tag into registry,
 * repository and tag, as Docker reads them: the first path component is a registry host when it holds a
 * dot or a port, or is `localhost`; otherwise the image is on Docker Hub, where one-part names live
 * under `library/`.
 */
export function splitImage(name: string, tag: string): ImageReference {
  const slash = name.indexOf("/");
  const first = slash === -1 ? "" : name.slice(0, slash);
  if (first && (first.includes(".") || first.includes(":") || first === "localhost")) {
    return { registry: first, repository: name.slice(slash + 1), tag };
  }
  return { registry: DEFAULT_REGISTRY, repository: slash === -1 ? `library/${name}` : name, tag };
}

/** The full reference of an image (`docker.io/library/nginx:1.27`), as the `deployments.image` column holds it. */
export function imageRef(image: ImageReference): string {
  return `${image.registry}/${image.repository}:${image.tag}`;
}

/** Reads back a full reference written by `imageRef`. */
export function parseImageRef(ref: string): ImageReference {
  const slash = ref.indexOf("/");
  const colon = ref.lastIndexOf(":");
  if (slash === -1 || colon < slash) throw new Error(`not a full image reference: ${ref}`);
  return { registry: ref.slice(0, slash), repository: ref.slice(slash + 1, colon), tag: ref.slice(colon + 1) };
}

/**
 * The non-secret settings a deployment of the service runs with. Refuses, with a reason the user can act
 * on, a service the agent could not run: one without a port, or scaled to zero.
 */
export function specOf(service: ServiceRow, strategy: DeployStrategy): DeploymentSpec {
  if (service.port === null) {
    throw new AppError("UNPROCESSABLE", "Set the service's port (PATCH /api/v1/services/:id) before deploying it", [
      { path: "service.port", message: "required to deploy" },
    ]);
  }
  const replicas = service.replicas ?? 1;
  if (replicas < 1) {
    throw new AppError(
      "UNPROCESSABLE",
      "The service is scaled to 0 replicas; set replicas (PATCH /api/v1/services/:id) before deploying it",
      [{ path: "service.replicas", message: "must be at least 1 to deploy" }],
    );
  }
  assertSingleWriterReplicas({ ...service, replicas }, "service.replicas");
  return {
    port: service.port,
    replicas,
    cpu_limit: service.cpuLimit,
    memory_limit: service.memoryLimit,
    domains: service.domains ?? [],
    health_check: serializeService(service, null).health_check,
    strategy: deployStrategyFor(service, strategy),
    rollback_on_failure: true,
    timeout_seconds: DEPLOY_TIMEOUT_SECONDS,
  };
}

/** Everything a deploy command is built from; `env` is decrypted, so the result must never be logged. */
export interface DeployInputs {
  deployment: DeploymentRow;
  service: ServiceRow;
  project: ProjectRow;
  env: Record<string, string>;
  requestId: string;
  /**
   * The service's routing as the command leaves (its domains then, with their uploaded certificates, keys
   * decrypted); without it, the domains recorded when the deployment was queued and no certificates.
   */
  routing?: { domains: string[]; certificates: CustomCertificate[] };
  /** Credentials for pulling the image (Syntra's registry); without them it is pulled anonymously. */
  registryAuth?: RegistryAuth | undefined;
  /** The control plane's public URL, for the injected SENTRY_DSN. */
  publicUrl: string;
}

/**
 * The `deploy` payload of a deployment: its recorded image and settings, the service's current env vars,
 * names and labels. Checked against the contract, so a setting the agent would refuse fails here.
 */
export function buildDeployPayload({
  deployment,
  service,
  project,
  env,
  requestId,
  routing,
  registryAuth,
  publicUrl,
}: DeployInputs): DeployPayload {
  if (!deployment.image || !deployment.specSnapshot) {
    throw new AppError("UNPROCESSABLE", "This deployment has no recorded image to deploy");
  }
  const spec = deployment.specSnapshot;
  // Volumes are the service's current ones, a rollback included: it goes back in code, not in data.
  assertSingleWriterReplicas({ ...service, replicas: spec.replicas }, "spec_snapshot.replicas");
  const image = parseImageRef(deployment.image);
  // Telemetry settings for the app's SDKs, under the service's own variables (which win). Made at each dispatch
  // from the service's current key, so a rotation reaches the next deploy.
  const injected = telemetryEnv({
    serviceId: service.id,
    serviceName: service.name,
    projectSlug: project.slug,
    deploymentId: deployment.id,
    version: deployment.gitCommitSha ?? image.tag,
    ingestKey: service.ingestKey,
    ingestNumber: service.ingestNumber,
    publicUrl,
    userEnv: env,
  });
  const payload = deployPayload.safeParse({
    request_id: requestId,
    deployment_id: deployment.id,
    service_id: service.id,
    service_name: service.name,
    project_name: project.name,
    image: {
      ...image,
      // Pinned to what was built and pushed: a moved tag cannot change what runs.
      ...(deployment.imageDigest && { digest: deployment.imageDigest }),
    },
    registry_auth: registryAuth ?? { username: "", password: "" },
    config: {
      port: spec.port,
      replicas: spec.replicas,
      ...(spec.cpu_limit !== null && { cpu_limit: spec.cpu_limit }),
      ...(spec.memory_limit !== null && { memory_limit: spec.memory_limit }),
      env_vars: { ...env, ...injected },
      labels: {
        "dev.syntra.project": project.slug,
        "dev.syntra.service": service.name,
        "dev.syntra.service-id": service.id,
        "dev.syntra.deployment-id": deployment.id,
      },
      ...(spec.health_check !== null && { health_check: spec.health_check }),
      ...(service.volumes.length > 0 && { volumes: volumeMounts(service.id, service.volumes) }),
    },
    networking: {
      domains: routing?.domains ?? spec.domains,
      internal_hostname: `${service.name}.${project.slug}.internal`,
      expose_port: false,
      ...(routing?.certificates.length && { certificates: routing.certificates }),
    },
    strategy: deployStrategyFor(service, spec.strategy),
    rollback_on_failure: spec.rollback_on_failure,
    timeout_seconds: spec.timeout_seconds,
    // The agent accepts the service's key from now on, and scrapes its /metrics when asked to.
    telemetry: {
      ingest_keys: [{ key: service.ingestKey, service_id: service.id, expires_at: null }],
      ...(service.metricsScrape ? { metrics_scrape: service.metricsScrape } : {}),
    },
  });
  if (!payload.success) {
    // Only paths and messages: the values include decrypted env vars.
    const issues = payload.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new AppError("UNPROCESSABLE", `The deploy command would be invalid: ${issues.join("; ")}`);
  }
  return payload.data;
}
