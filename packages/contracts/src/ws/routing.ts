import { z } from "zod";
import { isoTimestamp, uuid } from "../common";
import { requestId, routedDomain, serverId } from "./primitives";

// Payloads an agent may never receive are built at their first parse (z.lazy, see messages-to-agent.ts).

/**
 * A certificate the user uploaded for some of a service's domains (a wildcard domain needs one). The key
 * travels only inside the agent's authenticated WebSocket and is never echoed back by either side.
 */
export const customCertificate = z.object({
  domains: z.array(routedDomain).min(1).max(100),
  cert_pem: z.string().min(1).max(64_000).includes("-----BEGIN CERTIFICATE-----"),
  key_pem: z.string().min(1).max(64_000).includes("PRIVATE KEY-----"),
});
export type CustomCertificate = z.infer<typeof customCertificate>;

/**
 * `configure_routes` payload (Syntra extension): replaces the public domains and custom certificates of a
 * service that already runs, without a redeploy (a domain verified later, a certificate uploaded). Answered by
 * a `command_response`. Older agents drop it as an unknown type; the next deploy carries the same data.
 */
export const configureRoutesPayload = z.lazy(() =>
  z.object({
    request_id: requestId,
    service_id: uuid,
    domains: z.array(routedDomain).max(100),
    certificates: z.array(customCertificate).max(100).optional(),
  }),
);
export type ConfigureRoutesPayload = z.infer<typeof configureRoutesPayload>;

/** Why a certificate could not be obtained, in terms a person can act on. */
export const certificateFailureCode = z.enum([
  "challenge_failed",
  "rate_limited",
  "dns_not_pointing_here",
  "port_80_unreachable",
  "unknown",
]);
export type CertificateFailureCode = z.infer<typeof certificateFailureCode>;

/** What the proxy serves (or failed to obtain) for one domain. */
export const certificateState = z.object({
  domain: routedDomain,
  source: z.enum(["acme", "custom"]),
  status: z.enum(["pending", "active", "failed"]),
  issuer: z.string().max(512).optional(),
  not_before: isoTimestamp.optional(),
  not_after: isoTimestamp.optional(),
  error: z.object({ code: certificateFailureCode, message: z.string().max(2000) }).optional(),
  checked_at: isoTimestamp,
});
export type CertificateState = z.infer<typeof certificateState>;

/**
 * `certificate_status` payload (Syntra extension): the TLS state of the domains this agent's proxy routes,
 * sent when it changes and periodically. Older control planes refuse it with an `error` reply and nothing else
 * happens.
 */
export const certificateStatusPayload = z.object({
  server_id: serverId,
  certificates: z.array(certificateState).max(1000),
});
export type CertificateStatusPayload = z.infer<typeof certificateStatusPayload>;

/** The certificate the proxy serves for one domain the user uploaded it for, by its SHA-256 (of the PEM text). */
export const routedCertificate = z.object({
  domain: routedDomain,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "expected 64 lowercase hex digits"),
});
export type RoutedCertificate = z.infer<typeof routedCertificate>;

/** What the proxy routes for one service the agent runs. */
export const routedService = z.object({
  service_id: uuid,
  /** The domains the proxy routes to the service now (none: it has no route). */
  domains: z.array(routedDomain).max(100),
  custom_certificates: z.array(routedCertificate).max(100),
});
export type RoutedService = z.infer<typeof routedService>;

/**
 * `routes_report` payload (Syntra extension): what the agent's proxy actually routes for each service the agent
 * runs (deployed and not stopped), read back from the proxy. Sent on every connect, after every deploy and
 * after every `configure_routes`; the control plane compares it with the domains and certificates it wants
 * routed and sends `configure_routes` for each difference. Older control planes refuse it with an `error`.
 */
export const routesReportPayload = z.object({
  server_id: serverId,
  services: z.array(routedService).max(1000),
});
export type RoutesReportPayload = z.infer<typeof routesReportPayload>;
