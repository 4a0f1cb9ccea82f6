import type { ErrorCode } from "@syntra/contracts";

/**
 * A code of the one error table (`errorCodes` in @syntra/contracts): the agent has no codes of its own, since
 * every code it reports crosses the socket as a `wireErrorCode` and may reach the API.
 */
export type AgentErrorCode = ErrorCode;

/** The error the agent's workload layer throws: a machine-readable code plus a message for humans. */
export class AgentError extends Error {
  override readonly name = "AgentError";

  constructor(
    readonly code: AgentErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Whether `err` is an AgentError, optionally with the given code. */
export function isAgentError(err: unknown, code?: AgentErrorCode): err is AgentError {
  return err instanceof AgentError && (code === undefined || err.code === code);
}

/**
 * The code to report for a failure: an AgentError's own, INTERNAL_ERROR for anything else (a Docker or Node error's
 * `code`, such as ECONNREFUSED, is not one of the table's and says nothing to the control plane's users).
 */
export function errorCodeOf(err: unknown): AgentErrorCode {
  return err instanceof AgentError ? err.code : "INTERNAL_ERROR";
}
