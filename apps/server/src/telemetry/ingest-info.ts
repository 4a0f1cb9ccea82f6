import {
  AGENT_OTLP_GRPC_PORT,
  AGENT_OTLP_HTTP_PORT,
  CONTAINER_AGENT_HOST,
  INGEST_KEY_HEADER,
  type ServiceIngest,
} from "@syntra/contracts";
import type { UnitOfWork } from "../audit/unit-of-work";
import type { AppDeps } from "../deps";
import { notFound } from "../errors";
import type { ProjectScope } from "../projects/projects";
import { getServiceRow } from "../services/services";
import { hasValidPreviousKey, rotateIngestKey, type ServiceIngestIdentity, serviceIngestIdentity } from "./ingest-keys";

/** The agent's OTLP/HTTP endpoint as a deployed container reaches it. */
export const CONTAINER_OTLP_HTTP_ENDPOINT = `http://${CONTAINER_AGENT_HOST}:${AGENT_OTLP_HTTP_PORT}`;
/** The agent's OTLP/gRPC endpoint as a deployed container reaches it. */
export const CONTAINER_OTLP_GRPC_ENDPOINT = `http://${CONTAINER_AGENT_HOST}:${AGENT_OTLP_GRPC_PORT}`;

/**
 * A DSN as Sentry's SDKs (and Syntra's) read it: `<scheme>://<key>@<host>[:port][/path]/<numeric id>`. A base URL
 * with a path (Syntra behind a reverse proxy under `/syntra`) keeps it before the id, as Sentry DSNs allow.
 */
export function dsnFor(baseUrl: string, key: string, ingestId: number): string {
  const url = new URL(baseUrl);
  const prefix = url.pathname.replace(/\/+$/, "");
  return `${url.protocol}//${key}@${url.host}${prefix}/${ingestId}`;
}

/** Everything an app needs to report for a service, from its identity and the control plane's public URL. */
export function describeIngest(publicUrl: string, identity: ServiceIngestIdentity, now: Date): ServiceIngest {
  const { key, ingestNumber } = identity;
  return {
    key,
    ingest_id: ingestNumber,
    dsn: dsnFor(publicUrl, key, ingestNumber),
    sentry_dsn: dsnFor(publicUrl, key, ingestNumber),
    otlp: {
      http_endpoint: publicUrl,
      grpc_endpoint: CONTAINER_OTLP_GRPC_ENDPOINT,
      headers: { [INGEST_KEY_HEADER]: key },
    },
    in_container: {
      otlp_http_endpoint: CONTAINER_OTLP_HTTP_ENDPOINT,
      otlp_grpc_endpoint: CONTAINER_OTLP_GRPC_ENDPOINT,
      dsn: dsnFor(CONTAINER_OTLP_HTTP_ENDPOINT, key, ingestNumber),
    },
    previous_key:
      hasValidPreviousKey(identity, now) && identity.previousKey && identity.previousKeyExpiresAt
        ? { key: identity.previousKey, expires_at: identity.previousKeyExpiresAt.toISOString() }
        : null,
  };
}

/** A service's ingest settings; NOT_FOUND outside the caller's scope. */
export async function getServiceIngest(deps: AppDeps, scope: ProjectScope, serviceId: string): Promise<ServiceIngest> {
  const row = await getServiceRow(deps.db, scope, serviceId);
  const identity = await serviceIngestIdentity(deps.db, row.id);
  if (!identity) throw notFound("Service");
  return describeIngest(deps.config.publicUrl, identity, deps.now());
}

/**
 * Gives a service a new ingest key; the old one keeps working for the configured grace period, so running apps keep
 * reporting until their next deploy carries the new key.
 */
export async function rotateServiceIngestKey(
  deps: AppDeps,
  scope: ProjectScope,
  serviceId: string,
  change: UnitOfWork,
): Promise<ServiceIngest> {
  const now = deps.now();
  const identity = await change(async (tx) => {
    const row = await getServiceRow(tx, scope, serviceId);
    // Cached lookups belong to the app's store, not to this transaction: they are dropped there.
    return rotateIngestKey(tx, row.id, deps.config.telemetry.ingestKeyGraceMs, now, deps.db);
  });
  if (!identity) throw notFound("Service");
  return describeIngest(deps.config.publicUrl, identity, now);
}
