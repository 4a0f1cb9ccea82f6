import { type ErrorCode, errorCodes } from "../errors";
import type { AnyApiRoute } from "./route";

/**
 * What a command carried out by a server's agent can answer besides success: not connected, no answer in time,
 * refused, and the agent's own codes passed through (the control plane's deployments/service-commands.ts).
 */
export const AGENT_COMMAND_ERRORS = [
  "AGENT_OFFLINE",
  "TIMEOUT",
  "UNPROCESSABLE",
  "CONTAINER_NOT_FOUND",
  "CONTAINER_NOT_RUNNING",
  "PULL_FAILED",
  "HEALTH_CHECK_FAILED",
  "UNKNOWN_COMMAND",
] as const satisfies readonly ErrorCode[];

/**
 * Every error code a route can answer: those of any request (malformed, too slow, headers too large, an unexpected
 * failure), those its declaration implies (input to validate, a body, path parameters naming a resource, a
 * caller to authenticate and authorize), and the ones it lists in `errors`. The API description declares their
 * statuses, and the server's tests fail on an answer outside them.
 */
export function declaredErrors(route: AnyApiRoute): ErrorCode[] {
  const codes = new Set<ErrorCode>(["BAD_REQUEST", "REQUEST_TIMEOUT", "HEADERS_TOO_LARGE", "INTERNAL_ERROR"]);
  if (route.params || route.query || route.body) codes.add("VALIDATION_ERROR");
  // The server reads a body sent with any method but GET, declared or not (an unexpected one is ignored once read).
  if (route.body || route.method !== "GET") {
    codes.add("PAYLOAD_TOO_LARGE");
    codes.add("UNSUPPORTED_MEDIA_TYPE");
  }
  if (route.params) codes.add("NOT_FOUND");
  if (!("public" in route.access)) {
    codes.add("UNAUTHORIZED");
    // X-Syntra-Org naming an organization the caller is not in, or a permission the caller lacks.
    codes.add("FORBIDDEN");
  }
  for (const code of route.errors ?? []) codes.add(code);
  return [...codes];
}

/** The HTTP statuses of `declaredErrors`, for checking answers against the declaration. */
export function declaredErrorStatuses(route: AnyApiRoute): Set<number> {
  return new Set(declaredErrors(route).map((code) => errorCodes[code].status));
}
