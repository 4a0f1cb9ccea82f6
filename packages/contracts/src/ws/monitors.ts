import { z } from "zod";
import { isoTimestamp, uuid } from "../common";
import { requestId } from "./primitives";

// configure_monitors' payload and its checks are built at their first parse (z.lazy, see messages-to-agent.ts).

const host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9.:[\]_-]+$/, "a host name or an IP address");
const port = z.number().int().min(1).max(65535);

/**
 * What an uptime monitor checks, from the servers chosen to run it (Uptime Kuma's monitor types):
 * - `http`: the URL answers with an expected status (default any 2xx), optionally containing (or not) a keyword,
 *   within `max_latency_ms`; redirects are not followed (a 3xx is its own answer);
 * - `tcp`: a connection to host:port opens;
 * - `dns`: the name resolves (to `expected`, when given) with the record type, optionally through `resolver`;
 * - `tls`: the certificate of host:port is valid (chain and name) and expires in more than `min_days_left` days.
 */
export const monitorCheck = z.lazy(() =>
  z.discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("http"),
      url: z.url({ protocol: /^https?$/ }).max(2048),
      method: z.enum(["GET", "HEAD"]).default("GET"),
      expected_status: z.array(z.number().int().min(100).max(599)).max(20).default([]),
      keyword: z.string().min(1).max(200).optional(),
      keyword_absent: z.boolean().default(false),
      max_latency_ms: z.number().int().min(1).max(120_000).optional(),
    }),
    z.strictObject({ type: z.literal("tcp"), host, port }),
    z.strictObject({
      type: z.literal("dns"),
      hostname: host,
      record_type: z.enum(["A", "AAAA", "CNAME", "MX", "TXT", "NS"]).default("A"),
      expected: z.string().min(1).max(255).optional(),
      resolver: z
        .string()
        .regex(/^[0-9a-fA-F.:[\]]+$/, "an IP address, with :port if not 53")
        .optional(),
    }),
    z.strictObject({
      type: z.literal("tls"),
      host,
      port: port.default(443),
      min_days_left: z.number().int().min(0).max(365).default(14),
    }),
  ]),
);
export type MonitorCheck = z.infer<typeof monitorCheck>;

/** One monitor as an agent runs it. */
export const monitorSpec = z.object({
  id: uuid,
  interval_seconds: z.number().int().min(10).max(86_400),
  timeout_seconds: z.number().int().min(1).max(120),
  check: monitorCheck,
});
export type MonitorSpec = z.infer<typeof monitorSpec>;

/**
 * `configure_monitors` (Syntra extension, control plane -> agent, a command): every monitor the agent runs from now
 * on; monitors not listed stop. Sent after hello and whenever the server's monitors change.
 */
export const configureMonitorsPayload = z.lazy(() =>
  z.object({
    request_id: requestId,
    monitors: z.array(monitorSpec).max(1000),
  }),
);
export type ConfigureMonitorsPayload = z.infer<typeof configureMonitorsPayload>;

/** The outcome of one check of a monitor. */
export const monitorResult = z.object({
  monitor_id: uuid,
  checked_at: isoTimestamp,
  is_up: z.boolean(),
  latency_ms: z.number().nonnegative(),
  status_code: z.number().int().min(100).max(599).optional(),
  /** Why it is down, in words. */
  error: z.string().max(1000).optional(),
  /** `tls`: days until the certificate expires. */
  days_left: z.number().optional(),
});
export type MonitorResult = z.infer<typeof monitorResult>;

/**
 * `monitor_results` (Syntra extension, agent -> control plane): results since the last message, oldest first.
 * `dropped` counts results the agent could not keep while the control plane was away (its buffer is bounded).
 */
export const monitorResultsPayload = z.object({
  results: z.array(monitorResult).max(5000),
  dropped: z.number().int().nonnegative().default(0),
});
export type MonitorResultsPayload = z.infer<typeof monitorResultsPayload>;
