import { z } from "zod";

/**
 * The one table of error codes. Every API error envelope, every error an agent reports (command
 * responses, deploy statuses), every failed build and every deployment's `error_code` carries one
 * of these codes; the HTTP status lives beside it so that the server's error handler and the API
 * docs cannot disagree. A code used anywhere else fails the type check (`ErrorCode` is typed
 * everywhere) or, on the wire, is read as UNRECOGNIZED_ERROR (see `parseMessage`).
 */
export const errorCodes = {
  // REST API (interface contracts 2.2)
  VALIDATION_ERROR: { status: 400, description: "The request body, query or path failed validation." },
  BAD_REQUEST: { status: 400, description: "The request is malformed (for example invalid JSON)." },
  UNAUTHORIZED: { status: 401, description: "No valid session cookie or bearer token." },
  INVALID_CREDENTIALS: { status: 401, description: "Email or password is wrong." },
  FORBIDDEN: { status: 403, description: "The caller's role or token scopes do not allow this action." },
  SIGNUP_CLOSED: { status: 403, description: "Sign-up needs an invitation on this installation." },
  NOT_FOUND: { status: 404, description: "The resource does not exist or belongs to another organization." },
  CONFLICT: { status: 409, description: "A resource with the same unique key already exists." },
  REQUEST_TIMEOUT: {
    status: 408,
    description: "The request (its headers or body) did not arrive within the server's request timeout.",
  },
  PAYLOAD_TOO_LARGE: { status: 413, description: "The request body is larger than the configured limit." },
  URI_TOO_LONG: { status: 414, description: "A path parameter is longer than any valid value." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, description: "The request body is not JSON." },
  HEADERS_TOO_LARGE: { status: 431, description: "The request's headers are larger than the server accepts." },
  UNPROCESSABLE: {
    status: 422,
    description: "The request is well-formed but cannot be carried out in the current state.",
  },
  INVITATION_INVALID: { status: 422, description: "The invitation is unknown, expired or already used." },
  RESET_TOKEN_INVALID: { status: 422, description: "The password reset link is unknown, expired or already used." },
  RATE_LIMITED: { status: 429, description: "Too many attempts; retry after the time in the Retry-After header." },
  INTERNAL_ERROR: { status: 500, description: "An unexpected error; the request_id identifies it in the server log." },
  SERVICE_UNAVAILABLE: { status: 503, description: "A store or dependency is not reachable." },
  OAUTH_FAILED: { status: 502, description: "The OAuth provider rejected the exchange or could not be reached." },
  MAIL_NOT_CONFIGURED: { status: 503, description: "Sending email needs SYNTRA_SMTP_URL on the control plane." },
  MAIL_FAILED: { status: 502, description: "The mail server could not be reached or refused the message." },
  // Device login (RFC 8628 3.5: its error answers, as codes of this table)
  AUTHORIZATION_PENDING: { status: 400, description: "The device login is not approved yet; poll again later." },
  SLOW_DOWN: { status: 400, description: "The device polls too often; wait 5 seconds more between polls." },
  ACCESS_DENIED: { status: 403, description: "The device login was refused by the user." },
  DEVICE_CODE_EXPIRED: { status: 400, description: "The device login expired or was already used; start again." },
  // Agent commands (interface contracts 1.3, command_response.error.code)
  CONTAINER_NOT_FOUND: { status: 404, description: "No container runs for the service on the agent." },
  PULL_FAILED: { status: 502, description: "The image could not be pulled." },
  HEALTH_CHECK_FAILED: { status: 422, description: "New containers did not become healthy." },
  TIMEOUT: { status: 504, description: "The operation did not finish within its timeout." },
  AGENT_OFFLINE: { status: 409, description: "The server's agent is not connected." },
  PROTOCOL_VERSION_UNSUPPORTED: { status: 426, description: "Agent and control plane share no protocol version." },
  INVALID_MESSAGE: { status: 400, description: "A WebSocket message failed contract validation." },
  UNKNOWN_COMMAND: { status: 400, description: "The agent does not know the command type." },
  HELLO_REQUIRED: { status: 400, description: "An agent sent another message before its agent_hello was accepted." },
  SERVER_MISMATCH: { status: 403, description: "The agent's hello names another server than its token belongs to." },
  // Agent enrolment, certificates and self-update (issue 17)
  INSTALL_TOKEN_USED: {
    status: 401,
    description: "The install token was already traded for a certificate; make a new install command.",
  },
  CERTIFICATE_REQUEST_INVALID: {
    status: 400,
    description: "The certificate signing request is malformed, not EC P-256, or not signed by its own key.",
  },
  AGENT_UPDATE_REQUIRED: {
    status: 426,
    description: "The agent is older than the control plane supports (compatibility table); it must update.",
  },
  UPDATE_VERIFICATION_FAILED: {
    status: 422,
    description: "A downloaded agent bundle does not match its digest or its signature; it was not installed.",
  },
  UPDATE_FAILED: {
    status: 422,
    description: "The updated agent did not connect in time and the previous version was started again.",
  },
  UPDATE_IN_PROGRESS: {
    status: 409,
    description: "An update of this agent is already under way; its outcome shows once the agent connects again.",
  },
  NOT_SUPPORTED: {
    status: 501,
    description: "The agent cannot carry out this command in its version (self-update, for example).",
  },
  // What the agent's workloads report (deploys, exec, logs, routes)
  CANCELLED: {
    status: 409,
    description: "The operation was cancelled before it finished (by a user, a newer deployment or build, a shutdown).",
  },
  AGENT_RESTARTED: { status: 503, description: "The agent restarted before the operation finished; run it again." },
  IMAGE_NOT_FOUND: { status: 422, description: "The image is not on the server (it was not pulled or was removed)." },
  CONTAINER_NOT_RUNNING: { status: 409, description: "The service's container exists but is not running." },
  CONTAINER_START_FAILED: {
    status: 422,
    description: "A new container could not be started (its command, ports or mounts were refused).",
  },
  PROXY_UNAVAILABLE: { status: 503, description: "The server's proxy (Caddy) is not running or does not answer." },
  PROXY_ERROR: { status: 502, description: "The server's proxy refused its new configuration." },
  // Builds from git (the deployment's error_code when its build fails)
  INVALID_REQUEST: {
    status: 422,
    description: "A build setting cannot be used as given (an unsafe repository URL, ref or path, a bad variable).",
  },
  CLONE_FAILED: { status: 502, description: "The repository could not be cloned (unreachable, wrong URL or access)." },
  REF_NOT_FOUND: { status: 422, description: "The branch or commit to build is not in the repository." },
  DOCKERFILE_NOT_FOUND: { status: 422, description: "The repository has no Dockerfile at the configured path." },
  NO_BUILDABLE_STACK: {
    status: 422,
    description: "No Dockerfile, and no stack (Node, Python, Go, static site) could be detected to build.",
  },
  BUILD_FAILED: { status: 422, description: "The image build failed; the build log says why." },
  PUSH_FAILED: { status: 502, description: "The built image could not be pushed to the registry." },
  BUILD_INTERRUPTED: {
    status: 503,
    description: "The build was interrupted twice (the control plane stopped while building); deploy again.",
  },
  // The AI engine (its providers: Anthropic, an OpenAI-compatible endpoint)
  AI_DISABLED: { status: 503, description: "AI features are turned off on this installation (SYNTRA_AI=off)." },
  AI_RATE_LIMITED: {
    status: 503,
    description: "The AI provider refused the request for its rate limit; retry after the time in Retry-After.",
  },
  AI_OVERLOADED: { status: 503, description: "The AI provider is overloaded (Anthropic's 529); retry later." },
  AI_TIMEOUT: { status: 504, description: "The AI provider did not answer within SYNTRA_AI_TIMEOUT_SECONDS." },
  AI_PROVIDER_ERROR: {
    status: 502,
    description: "The AI provider could not be reached, refused the key, or answered with an error.",
  },
  AI_BUDGET_EXCEEDED: {
    status: 429,
    description:
      "The organization has spent its AI token budget for the day (UTC); it resets at midnight UTC, or an owner raises it.",
  },
  AI_INVALID_ANSWER: {
    status: 502,
    description: "The AI provider's answer did not have the structure asked for; nothing was stored.",
  },
  // Protocol compatibility
  UNRECOGNIZED_ERROR: {
    status: 502,
    description:
      "A peer of another version (an agent) reported an error code this side does not know; its message is kept and its code logged.",
  },
} as const satisfies Record<string, { status: number; description: string }>;

/** A code of the table. */
export type ErrorCode = keyof typeof errorCodes;

/** Every code of the table, in table order. */
export const errorCodeList = Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]];

/** An error code of the table, as a schema (the API's error envelope, the WebSocket's errors, `error_code`). */
export const errorCode = z.enum(errorCodeList);

/** True for a code of the table. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(errorCodes, code);
}

/**
 * A code read from somewhere this version does not control (a stored row, a peer of another version) as a code
 * of the table: itself when the table has it, UNRECOGNIZED_ERROR otherwise.
 */
export function toErrorCode(code: unknown): ErrorCode {
  return isErrorCode(code) ? code : "UNRECOGNIZED_ERROR";
}
