import { type ErrorCode, errorCodes } from "@syntra/contracts";

/**
 * A failure with an API error code. Domain code throws these; the HTTP error handler turns them into the
 * error envelope with the status from the contracts' error table. The message is shown to the caller, so it
 * must never hold a secret.
 */
export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  get status(): number {
    return errorCodes[this.code].status;
  }
}

/** The resource does not exist for this caller (also used for other organizations' resources). */
export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);

/** A unique key is taken. */
export const conflict = (message: string, details?: unknown) => new AppError("CONFLICT", message, details);

/** True for PostgreSQL's unique_violation, optionally on one named constraint or index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = findPgError(err);
  return e?.code === "23505" && (constraint === undefined || e.constraint === constraint);
}

/** True for PostgreSQL's foreign_key_violation. */
export function isForeignKeyViolation(err: unknown): boolean {
  return findPgError(err)?.code === "23503";
}

// Drizzle wraps driver errors in its own error with `cause`; PGlite and node-postgres both expose `code`.
function findPgError(err: unknown): { code?: string; constraint?: string } | undefined {
  let e: unknown = err;
  for (let depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const candidate = e as { code?: unknown; constraint?: string; cause?: unknown };
    if (typeof candidate.code === "string" && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      return { code: candidate.code, constraint: candidate.constraint };
    }
    e = candidate.cause;
  }
  return undefined;
}
