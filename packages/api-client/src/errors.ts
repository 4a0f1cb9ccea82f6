import type { ErrorCode, FieldIssue } from "@syntra/contracts";

/** Codes of failures that never reached the API or came back in a shape it does not send. */
export type ClientErrorCode = "NETWORK_ERROR" | "BAD_RESPONSE";

/**
 * A failed API call: the API's error envelope (code, message, field issues, request id) or a client-side
 * failure. `message` is always fit to show a person.
 */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    readonly status: number,
    readonly details?: unknown,
    readonly requestId?: string,
  ) {
    super(message);
  }

  /** The per-field problems of a VALIDATION_ERROR (`body.name` ...), empty otherwise. */
  get fieldIssues(): FieldIssue[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter(
      (d): d is FieldIssue => typeof d === "object" && d !== null && "path" in d && "message" in d,
    );
  }
}
