import { INGEST_KEY_HEADER } from "@syntra/contracts";
import { CONTAINER_OTLP_HTTP_ENDPOINT, dsnFor } from "./ingest-info";

/** What the telemetry variables of a deployment are made from. */
export interface TelemetryEnvInputs {
  serviceId: string;
  serviceName: string;
  projectSlug: string;
  deploymentId: string;
  /** The commit deployed, or else the image tag: the release and service version. */
  version: string;
  ingestKey: string;
  ingestNumber: number;
  /** The control plane's public URL, where Sentry SDKs send (it speaks their protocol; the agent does not). */
  publicUrl: string;
  /** The service's own variables: any of these it sets wins. */
  userEnv: Record<string, string>;
}

/** The environment every deployment reports from, as Sentry's default is. */
export const DEPLOY_ENVIRONMENT = "production";

// OTEL_RESOURCE_ATTRIBUTES is W3C Baggage-like: key=value pairs, values percent-encoded (commas, '=' and spaces
// would otherwise split them).
function encodeAttributes(attributes: [string, string][]): string {
  return attributes.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join(",");
}

function attributeKeys(value: string): Set<string> {
  return new Set(
    value
      .split(",")
      .map((pair) => pair.split("=")[0]?.trim() ?? "")
      .filter((k) => k !== ""),
  );
}

/**
 * The standard variables that make an OpenTelemetry or Sentry SDK in the container report to Syntra with no
 * configuration: OTLP to the server's agent with the service's ingest key, the service name, and resource attributes
 * naming the deployment, so every span, log and metric carries the deployment that produced it. A variable the
 * service sets itself is left out (its value wins); in OTEL_RESOURCE_ATTRIBUTES the service's own attributes are
 * kept and Syntra adds only those it does not set.
 */
export function telemetryEnv(inputs: TelemetryEnvInputs): Record<string, string> {
  const { userEnv } = inputs;
  const ours: [string, string][] = [
    ["deployment.id", inputs.deploymentId],
    ["service.version", inputs.version],
    ["deployment.environment.name", DEPLOY_ENVIRONMENT],
    ["service.namespace", inputs.projectSlug],
    ["syntra.service.id", inputs.serviceId],
  ];
  const userAttributes = userEnv.OTEL_RESOURCE_ATTRIBUTES;
  const taken = attributeKeys(userAttributes ?? "");
  const added = encodeAttributes(ours.filter(([k]) => !taken.has(k)));
  const resourceAttributes = userAttributes ? [userAttributes, added].filter((s) => s !== "").join(",") : added;
  const injected: Record<string, string> = {
    OTEL_EXPORTER_OTLP_ENDPOINT: CONTAINER_OTLP_HTTP_ENDPOINT,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    OTEL_EXPORTER_OTLP_HEADERS: `${INGEST_KEY_HEADER}=${inputs.ingestKey}`,
    OTEL_SERVICE_NAME: inputs.serviceName,
    SYNTRA_DSN: dsnFor(CONTAINER_OTLP_HTTP_ENDPOINT, inputs.ingestKey, inputs.ingestNumber),
    SENTRY_DSN: dsnFor(inputs.publicUrl, inputs.ingestKey, inputs.ingestNumber),
    SENTRY_RELEASE: inputs.version,
    SENTRY_ENVIRONMENT: DEPLOY_ENVIRONMENT,
  };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(injected)) if (!(name in userEnv)) env[name] = value;
  env.OTEL_RESOURCE_ATTRIBUTES = resourceAttributes;
  return env;
}
