/** Longest string kept in extra data, tags and messages; longer ones end in "…". */
export const MAX_STRING = 8192;
const MAX_DEPTH = 6;
const MAX_KEYS = 100;

/** Cuts a string to `max` characters. */
export function truncate(text: string, max = MAX_STRING): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Any value the app hands over (extra data, breadcrumb data), made safe to send as JSON: cycles, functions, symbols,
 * BigInts, Errors, Maps, Sets and class instances become plain values; depth, width and string length are bounded,
 * so one huge object cannot make an event too large to be stored.
 */
export function normalize(value: unknown, depth = MAX_DEPTH): unknown {
  return walk(value, depth, new WeakSet());
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case "string":
      return truncate(value);
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "boolean":
      return value;
    case "undefined":
      return "[undefined]";
    case "bigint":
      return `${value}n`;
    case "symbol":
      return value.toString();
    case "function":
      return `[Function: ${value.name || "anonymous"}]`;
    default:
      break;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return "[Circular]";
  if (depth <= 0) return Array.isArray(obj) ? "[Array]" : "[Object]";
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? "Invalid Date" : obj.toISOString();
  if (obj instanceof RegExp) return obj.toString();
  seen.add(obj);
  try {
    if (obj instanceof Error) {
      return { name: obj.name, message: truncate(obj.message), stack: obj.stack ? truncate(obj.stack) : undefined };
    }
    if (Array.isArray(obj) || obj instanceof Set) {
      const items = Array.from(obj as Iterable<unknown>);
      const out = items.slice(0, MAX_KEYS).map((v) => walk(v, depth - 1, seen));
      if (items.length > MAX_KEYS) out.push(`[${items.length - MAX_KEYS} more]`);
      return out;
    }
    const entries = obj instanceof Map ? Array.from(obj.entries()) : Object.entries(obj);
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries.slice(0, MAX_KEYS)) out[String(k)] = walk(v, depth - 1, seen);
    if (entries.length > MAX_KEYS) out["…"] = `${entries.length - MAX_KEYS} more keys`;
    return out;
  } catch (err) {
    // A getter that throws, a revoked proxy: say so instead of failing the event.
    return `[unreadable: ${err instanceof Error ? err.message : String(err)}]`;
  } finally {
    seen.delete(obj);
  }
}

/** A record of extra data, normalized. */
export function normalizeRecord(record: Record<string, unknown>): Record<string, unknown> {
  const out = normalize(record);
  return out !== null && typeof out === "object" && !Array.isArray(out) ? (out as Record<string, unknown>) : {};
}
