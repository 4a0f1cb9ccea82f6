import { z } from "zod";

// A NUL, or a UTF-16 surrogate without its other half. PostgreSQL refuses both: `text` and `jsonb` cannot hold
// U+0000, and a lone surrogate has no UTF-8 form (jsonb refuses its `\ud800` escape). Such a string must be refused
// at validation, before it reaches a store where it would fail half-way through a change.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The message of a refused unstorable string. */
export const UNSTORABLE_TEXT_MESSAGE = "cannot contain NUL characters or unpaired UTF-16 surrogates";

/** True when PostgreSQL can store the string: no NUL character, no unpaired UTF-16 surrogate. */
export function isStorableText(value: string): boolean {
  return !value.includes("\0") && !LONE_SURROGATE.test(value);
}

// Not a JSON Schema `pattern`: surrogate code points cannot be written in the regex engines of several JSON Schema
// validators (Rust's and Go's, and schemathesis' through them), which then refuse the whole operation.

/**
 * Free text as Syntra stores it: at most `max` characters, storable in PostgreSQL (see `isStorableText`).
 * Every string a caller hands in that may reach a store or a log goes through this (or `trimmedText`).
 */
export function text(max: number) {
  return z.string().max(max).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);
}

/** A required name-like string: trimmed, 1 to `max` characters, storable. */
export function trimmedText(max: number) {
  return z.string().trim().min(1).max(max).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);
}

// PostgreSQL has no year 0 (ISO year 0000 is 1 BC there, written differently), and an instant before year 1 in UTC
// would come back as a year-0000 timestamp; years 0001 to 9999 in UTC are what every side reads the same way.
const YEAR = /^(\d{4})-/;
const EARLIEST = Date.parse("0001-01-01T00:00:00Z");
const LATEST = Date.parse("9999-12-31T23:59:59.999Z");

/** True when an ISO timestamp names a real instant from year 1 to 9999 UTC (Feb 30 and year 0000 are refused). */
export function isStorableTimestamp(value: string): boolean {
  const year = Number(YEAR.exec(value)?.[1] ?? Number.NaN);
  const instant = Date.parse(value);
  if (!(year >= 1) || !(instant >= EARLIEST && instant <= LATEST)) return false;
  // Date.parse rolls 2025-02-30 over to March 2; the calendar date must survive the round trip.
  const [, month, day] = /^\d{4}-(\d{2})-(\d{2})/.exec(value) ?? [];
  const probe = new Date(Date.UTC(2000, Number(month) - 1, Number(day)));
  probe.setUTCFullYear(year);
  return probe.getUTCMonth() === Number(month) - 1 && probe.getUTCDate() === Number(day);
}

/** ISO 8601 timestamp with offset, as every timestamp on the wire; years 0001 to 9999, real calendar dates. */
// `abort` stops at the first failed check, so a malformed value is reported once, not by every later refinement.
export const isoTimestamp = z.iso
  .datetime({ offset: true, abort: true })
  .refine(isStorableTimestamp, { message: "must be a real date between the years 0001 and 9999", abort: true });

/** Database identifiers are UUIDs. */
export const uuid = z.uuid();

/** A string-keyed map of strings, as labels, tags and env vars. */
export const stringRecord = z.record(z.string(), z.string());

/** Agent ids look like `agt_<nanoid>`, server ids in the protocol like `srv_<nanoid>` or a UUID. */
export const agentId = z.string().regex(/^agt_[A-Za-z0-9_-]{6,64}$/, "expected agt_<id>");
