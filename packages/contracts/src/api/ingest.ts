import { z } from "zod";
import { isoTimestamp } from "../common";

/** Where a deployed container reaches its server's agent: Docker's host-gateway name, added to every container. */
export const CONTAINER_AGENT_HOST = "host.docker.internal";
/** The agent's OTLP/HTTP port (the OTLP default). */
export const AGENT_OTLP_HTTP_PORT = 4318;
/** The agent's OTLP/gRPC port (the OTLP default). */
export const AGENT_OTLP_GRPC_PORT = 4317;
/** The header that carries an ingest key on OTLP requests (`Authorization: Bearer <key>` works too). */
export const INGEST_KEY_HEADER = "x-syntra-key";

/**
 * GET /services/:serviceId/ingest: how an app reports telemetry for the service. `key` is public like a Sentry DSN's
 * key (it lets its holder send data for this service, nothing else). `dsn` is for `@syntra/sdk` and `syntra-sdk`,
 * `sentry_dsn` for Sentry SDKs, `otlp` for OpenTelemetry SDKs and Collectors anywhere (the control plane's own
 * OTLP/HTTP). `in_container` is what Syntra injects into the service's containers: their server's agent.
 */
export const serviceIngest = z.object({
  key: z.string(),
  /** The service's numeric id: the project id of its DSNs. */
  ingest_id: z.number().int().positive(),
  dsn: z.string(),
  sentry_dsn: z.string(),
  otlp: z.object({
    /** OTLP/HTTP base URL (SDKs add `/v1/traces`, `/v1/logs`, `/v1/metrics`). */
    http_endpoint: z.string(),
    /** OTLP/gRPC: only the server agent serves it, so this is the in-container address of the agent's. */
    grpc_endpoint: z.string(),
    /** Headers every OTLP request must carry. */
    headers: z.record(z.string(), z.string()),
  }),
  in_container: z.object({
    otlp_http_endpoint: z.string(),
    otlp_grpc_endpoint: z.string(),
    dsn: z.string(),
  }),
  /** The key a rotation replaced, while it still works. */
  previous_key: z.object({ key: z.string(), expires_at: isoTimestamp }).nullable(),
});
export type ServiceIngest = z.infer<typeof serviceIngest>;
