/**
 * What a logged error may show. Database errors carry the query's bound parameters (Drizzle's `params`, repeated in
 * its message as `params: ...`), PostgreSQL's `detail` (`Key (email)=(ana@example.com) already exists`) and
 * messages that quote the refused value (`invalid input syntax for type uuid: "..."`): password and token hashes,
 * emails, secrets. None of that is ever written; the SQL with its `$1` placeholders, the codes and names stay.
 */

// Fields of driver errors (Drizzle, node-postgres, PGlite) that hold data rather than a description of the failure.
const DATA_FIELDS = new Set([
  "params",
  "parameters",
  "values",
  "bindings",
  "detail",
  "where",
  "internalQuery",
  "internalPosition",
  "position",
  "hint",
  "query",
]);

/** A value quoted at the end of a PostgreSQL message (`... for type integer: "hunter2"`). */
const QUOTED_VALUE = /: "[\s\S]*"$/;

interface SafeError {
  type: string;
  message: string;
  stack?: string;
  cause?: SafeError | undefined;
  [field: string]: unknown;
}

/** The message an error may show in a log: without bound parameters or the values a database quoted. */
function safeMessage(err: Error & { query?: unknown; params?: unknown; severity?: unknown }): string {
  // PostgreSQL's own error (node-postgres, PGlite): its text, less a value it quotes.
  if (typeof err.severity === "string") return err.message.replace(QUOTED_VALUE, ": [value not logged]");
  // Drizzle's DrizzleQueryError: "Failed query: <sql>\nparams: <values>".
  if (typeof err.query === "string" && "params" in err) return `Failed query: ${err.query}`;
  return err.message;
}

/** pino's `err` serializer for the control plane: type, message, stack, codes, cause; never query data. */
export function serializeErrorSafely(value: unknown, depth = 0): SafeError | unknown {
  if (!(value instanceof Error)) {
    if (value && typeof value === "object" && "message" in value && depth === 0) {
      return serializeErrorSafely(Object.assign(new Error(String((value as { message: unknown }).message)), value));
    }
    return value;
  }
  const message = safeMessage(value);
  const out: SafeError = { type: value.constructor?.name ?? value.name, message };
  // The stack starts with the original message; the rest is frames.
  if (typeof value.stack === "string") out.stack = value.stack.replace(value.message, message);
  for (const [key, field] of Object.entries(value)) {
    if (DATA_FIELDS.has(key) || key === "cause" || key === "stack" || key === "message") continue;
    if (field === null || ["string", "number", "boolean"].includes(typeof field)) out[key] = field;
  }
  if (value.cause !== undefined && depth < 5) out.cause = serializeErrorSafely(value.cause, depth + 1) as SafeError;
  return out;
}
