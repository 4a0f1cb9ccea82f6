import type { ErrorCode } from "@syntra/contracts";

/**
 * A code from the shared table (`errorCodes` in @syntra/contracts) or one the agent adds, such as
 * `AGENT_RESTARTED`. Always UPPER_SNAKE: it crosses the socket as a `wireErrorCode`.
 */
export type AgentErrorCode = ErrorCode | "AGENT_RESTARTED" | (string & {});

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
