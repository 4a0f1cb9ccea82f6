import { z } from "zod";
import { uuid } from "../common";
import { errorCode } from "../errors";

/**
 * Server ids: the spec's `srv_<nanoid>` form, or the UUID primary key of the `servers` table,
 * since the control plane's database keys servers by UUID.
 */
export const serverId = z
  .string()
  .regex(
    /^(?:srv_[A-Za-z0-9_-]{6,64}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/,
    "expected srv_<id> or a UUID",
  );

/**
 * Correlates a command with the agent's `command_response` (and a `logs_subscribe` with its
 * `log_stream` messages). Separate from the envelope id, because a deploy queued in
 * `hello_ack.pending_deployments` travels without an envelope of its own.
 */
export const requestId = uuid;

/**
 * Error codes that cross the socket: a code of the one table (`errorCodes`), nothing else. A peer of
 * another version may still send a code this side's table lacks; `parseMessage` reads such a code as
 * UNRECOGNIZED_ERROR (keeping the message) and reports it to its caller to log, rather than refusing
 * the whole frame and losing, say, a deployment's outcome.
 */
export const wireErrorCode = errorCode;

/** Semantic version of an agent build, e.g. "0.1.0" or "0.2.0-rc.1". */
export const semver = z
  .string()
  .regex(/^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, "expected x.y.z");

// No lookarounds: the generated JSON Schemas may be checked by regex engines without them (Go, RE2).
const dnsLabel = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";

/** A DNS hostname such as "api.example.com" or "web.shop.internal". */
export const hostname = z
  .string()
  .max(253)
  .regex(new RegExp(`^${dnsLabel}(?:\\.${dnsLabel})*$`), "expected a hostname");

/**
 * A public domain routed to a service; a leading "*." makes it a wildcard. Laxer than the REST
 * API's `domainName` (any case, single labels allowed), so every domain it stores can be deployed.
 * Named apart to avoid an export clash; the two belong together in common.ts.
 */
export const routedDomain = z
  .string()
  .max(253)
  .regex(new RegExp(`^(?:\\*\\.)?${dnsLabel}(?:\\.${dnsLabel})*$`), "expected a domain name");

/** An IPv4 or IPv6 address. */
export const ipAddress = z.union([z.ipv4(), z.ipv6()]);

/** An absolute path inside a container or on the host. */
export const absolutePath = z.string().regex(/^\//, "expected an absolute path");

/**
 * Environment variables for a container. Names may hold anything but `=`, and neither side
 * may hold a NUL byte: the runtime passes them as C strings, where both would truncate or
 * split the variable.
 */
export const envVars = z.record(
  z
    .string()
    .regex(/^[^=]+$/, "an environment variable name cannot be empty or contain '='")
    .refine(noNulByte, {
      message: "cannot contain a NUL byte",
    }),
  z.string().refine(noNulByte, { message: "cannot contain a NUL byte" }),
);

function noNulByte(value: string): boolean {
  return !value.includes("\0");
}
