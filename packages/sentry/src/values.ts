// Readers for untrusted JSON: each returns the value when it has the expected type, else undefined. Sentry's payloads
// vary between SDKs and versions (a timestamp is a number of seconds or an ISO string; tags are an object or a list of
// pairs), so conversion reads every field through these instead of trusting a shape.

/** A JSON object, or undefined. */
export function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** An array, or undefined. */
export function arr(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** A string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A scalar as text (strings, finite numbers, booleans), or undefined. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "boolean") return String(value);
  return undefined;
}

/** A finite number, or undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A non-negative integer, or undefined. */
export function count(value: unknown): number | undefined {
  const n = num(value);
  return n !== undefined && n >= 0 ? Math.floor(n) : undefined;
}

/** A Sentry timestamp (seconds since the epoch as a number, or an ISO string) as a Date; undefined when invalid. */
export function sentryTime(value: unknown): Date | undefined {
  if (typeof value === "number" && Number.isFinite(value)) {
    const d = new Date(value * 1000);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  if (typeof value === "string" && value !== "") {
    // Naive ISO strings (no offset) are UTC in Sentry's protocol.
    const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`;
    const d = new Date(withZone);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

/** A hex id of exactly `length` characters (trace ids 32, span ids 16), lowercased; undefined otherwise. */
export function hexId(value: unknown, length: number): string | undefined {
  const s = str(value)?.toLowerCase().replaceAll("-", "");
  return s && s.length === length && /^[0-9a-f]+$/.test(s) && !/^0+$/.test(s) ? s : undefined;
}

/** Sentry's 32-hex event id as a UUID; undefined when it is not one. */
export function eventIdAsUuid(value: unknown): string | undefined {
  const h = hexId(value, 32);
  return h && `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * JSON copied to at most `depth` levels of nesting (deeper values become "[depth limit]"), iteratively, so that a
 * maliciously deep payload cannot exhaust the stack of whatever handles it next.
 */
export function limitDepth(value: unknown, depth: number): unknown {
  if (typeof value !== "object" || value === null) return value;
  const root: unknown = Array.isArray(value) ? [] : {};
  const stack: { from: object; to: Record<string, unknown> | unknown[]; level: number }[] = [
    { from: value, to: root as Record<string, unknown>, level: 1 },
  ];
  while (stack.length > 0) {
    const { from, to, level } = stack.pop() as (typeof stack)[number];
    for (const [k, v] of Object.entries(from)) {
      let copy: unknown = v;
      if (typeof v === "object" && v !== null) {
        if (level >= depth) copy = "[depth limit]";
        else {
          copy = Array.isArray(v) ? [] : {};
          stack.push({ from: v, to: copy as Record<string, unknown>, level: level + 1 });
        }
      }
      if (Array.isArray(to)) to[Number(k)] = copy;
      else to[k] = copy;
    }
  }
  return root;
}
