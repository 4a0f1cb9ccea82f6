/**
 * The one table of error codes. Every API error envelope and every agent `command_response`
 * error carries one of these codes; the HTTP status lives beside it so that the server's
 * error handler and the API docs cannot disagree.
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
  // Agent commands (interface contracts 1.3, command_response.error.code)
  CONTAINER_NOT_FOUND: { status: 404, description: "No container runs for the service on the agent." },
  PULL_FAILED: { status: 502, description: "The image could not be pulled." },
  HEALTH_CHECK_FAILED: { status: 422, description: "New containers did not become healthy." },
  TIMEOUT: { status: 504, description: "The operation did not finish within its timeout." },
  AGENT_OFFLINE: { status: 409, description: "The server's agent is not connected." },
  PROTOCOL_VERSION_UNSUPPORTED: { status: 426, description: "Agent and control plane share no protocol version." },
  INVALID_MESSAGE: { status: 400, description: "A WebSocket message failed contract validation." },
  UNKNOWN_COMMAND: { status: 400, description: "The agent does not know the command type." },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof errorCodes;

export const errorCodeList = Object.keys(errorCodes) as ErrorCode[];
