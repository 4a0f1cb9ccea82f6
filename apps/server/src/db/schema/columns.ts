import { customType, timestamp, uuid } from "drizzle-orm/pg-core";

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

/** `TIMESTAMPTZ`, read as a Date. */
export const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** `UUID PRIMARY KEY DEFAULT uuid_generate_v4()`. */
export const idColumn = () => uuid("id").primaryKey().defaultRandom();
