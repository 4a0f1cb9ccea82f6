import { type Dsn, parseDsn } from "./dsn";
import type { Options, ResolvedOptions } from "./types";

/** Environment variables the SDK reads (process.env on Node; nothing in browsers). */
export type Env = Record<string, string | undefined>;

/**
 * OTEL_RESOURCE_ATTRIBUTES read as the OpenTelemetry specification says: `key=value` pairs separated by commas,
 * values percent-encoded. Syntra injects `deployment.id`, `service.version` and `deployment.environment.name`.
 */
export function resourceAttributes(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? "").split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim();
    try {
      out[key] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      out[key] = pair.slice(at + 1).trim();
    }
  }
  return out;
}

function rate(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0 || value > 1) {
    throw new RangeError(`Syntra: ${name} must be a number from 0 to 1, not ${String(value)}`);
  }
  return value;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`Syntra: ${name} must be a whole number >= 0, not ${String(value)}`);
  }
  return value;
}

/** What resolving options found: the options, and why the DSN could not be used when it could not. */
export interface Resolution {
  options: ResolvedOptions;
  /** Set when a DSN was given but is invalid: the SDK then stays off and says this once. */
  dsnProblem?: string;
}

/**
 * Options with their defaults, many taken from the variables Syntra injects into the containers it deploys.
 * A wrong DSN does not throw (an app must not crash because telemetry is misconfigured); it is reported instead.
 * Wrong numeric options do throw: they are programming errors found at the first start.
 */
export function resolveOptions(options: Options, env: Env): Resolution {
  const resource = resourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES);
  const rawDsn = options.dsn ?? env.SYNTRA_DSN;
  let dsn: Dsn | undefined;
  let dsnProblem: string | undefined;
  if (rawDsn !== undefined && rawDsn.trim() !== "" && options.enabled !== false) {
    try {
      dsn = parseDsn(rawDsn);
    } catch (err) {
      dsnProblem = (err as Error).message;
    }
  }
  // Output of a container Syntra deployed is collected by its agent already; sending console lines too would
  // store every line twice.
  const inSyntraContainer = resource["deployment.id"] !== undefined;
  return {
    dsnProblem,
    options: {
      dsn,
      environment:
        options.environment ??
        env.SYNTRA_ENVIRONMENT ??
        env.SENTRY_ENVIRONMENT ??
        resource["deployment.environment.name"] ??
        "production",
      release: options.release ?? env.SYNTRA_RELEASE ?? env.SENTRY_RELEASE ?? resource["service.version"] ?? "",
      sampleRate: rate(options.sampleRate, 1, "sampleRate"),
      tracesSampleRate: rate(options.tracesSampleRate, 1, "tracesSampleRate"),
      beforeSend: options.beforeSend,
      beforeBreadcrumb: options.beforeBreadcrumb,
      debug: options.debug ?? (env.SYNTRA_DEBUG === "1" || env.SYNTRA_DEBUG === "true"),
      maxBreadcrumbs: positive(options.maxBreadcrumbs, 100, "maxBreadcrumbs"),
      maxQueueSize: positive(options.maxQueueSize, 100, "maxQueueSize"),
      shutdownTimeout: positive(options.shutdownTimeout, 2000, "shutdownTimeout"),
      sendDefaultPii: options.sendDefaultPii ?? false,
      inApp: options.inApp,
      deploymentId: options.deploymentId ?? resource["deployment.id"],
      tracing: options.tracing ?? true,
      logs: options.logs ?? !inSyntraContainer,
      serviceName: options.serviceName ?? env.OTEL_SERVICE_NAME ?? resource["service.name"],
    },
  };
}
