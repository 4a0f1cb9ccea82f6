import type { ErrorCode } from "@syntra/contracts";
import type { AnyRouteSpec } from "./route";

/** What a command sent to a server's agent can answer besides success (deployments/service-commands.ts). */
export const AGENT_COMMAND_ERRORS: readonly ErrorCode[] = [
  "AGENT_OFFLINE",
  "TIMEOUT",
  "UNPROCESSABLE",
  "CONTAINER_NOT_FOUND",
  "PULL_FAILED",
  "HEALTH_CHECK_FAILED",
  "UNKNOWN_COMMAND",
];

/**
 * Every error code a route can answer: those of any request (a malformed one, a timeout, headers too large, an
 * unexpected failure), those its declaration implies (input to validate, a body, path parameters naming a resource,
 * a caller to authenticate and authorize), and the ones it lists in `errors`.
 */
export function declaredErrors(spec: AnyRouteSpec): ErrorCode[] {
  const codes = new Set<ErrorCode>(["BAD_REQUEST", "REQUEST_TIMEOUT", "HEADERS_TOO_LARGE", "INTERNAL_ERROR"]);
  if (spec.params || spec.query || spec.body) codes.add("VALIDATION_ERROR");
  if (spec.body) {
    codes.add("PAYLOAD_TOO_LARGE");
    codes.add("UNSUPPORTED_MEDIA_TYPE");
  }
  if (spec.params) codes.add("NOT_FOUND");
  if (!("public" in spec.access)) {
    codes.add("UNAUTHORIZED");
    // X-Syntra-Org naming an organization the caller is not in, or a missing permission.
    codes.add("FORBIDDEN");
  }
  for (const code of spec.errors ?? []) codes.add(code);
  return [...codes];
}
