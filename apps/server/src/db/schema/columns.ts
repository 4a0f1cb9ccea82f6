import { customType, uuid } from "drizzle-orm/pg-core";

/** BYTEA as a Node Buffer (both node-postgres and PGlite hand back binary data). */
export const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/**
 * JSON kept as TEXT: for values only ever read whole, which PostgreSQL then neither parses on write nor prints on
 * read (JSONB does both). Written as JSON.stringify makes it, read back with JSON.parse.
 */
export const jsonText = <T>(name: string) =>
  customType<{ data: T; driverData: string }>({
    dataType: () => "text",
    toDriver: (value) => JSON.stringify(value),
    fromDriver: (value) => JSON.parse(value) as T,
  })(name);

/**
 * PostgreSQL's text form of a TIMESTAMPTZ (`0020-02-29 00:00:00+00`) as a Date. Drizzle's own column hands that text
 * to `new Date()`, whose non-ISO parsing reads years 0001-0099 as 19xx/20xx or not at all (a stored year-20 date came
 * back invalid, and the answer was a 500); the ISO form, with `T` and a `±hh:mm` offset, is read exactly.
 */
export function parseTimestamptz(value: string | Date): Date {
  if (value instanceof Date) return value;
  return new Date(value.replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00"));
}

/** `TIMESTAMPTZ`, read as a Date (`parseTimestamptz`), written as ISO 8601. */
export const tstz = customType<{ data: Date; driverData: string | Date }>({
  dataType: () => "timestamp with time zone",
  toDriver: (value) => value.toISOString(),
  fromDriver: parseTimestamptz,
});

/** `UUID PRIMARY KEY DEFAULT uuid_generate_v4()`. */
export const idColumn = () => uuid("id").primaryKey().defaultRandom();
