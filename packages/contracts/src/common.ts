import { z } from "zod";

/** ISO 8601 timestamp with offset, as every timestamp on the wire. */
export const isoTimestamp = z.iso.datetime({ offset: true });

/** Database identifiers are UUIDs. */
export const uuid = z.uuid();

/** A string-keyed map of strings, as labels, tags and env vars. */
export const stringRecord = z.record(z.string(), z.string());

/** Agent ids look like `agt_<nanoid>`, server ids in the protocol like `srv_<nanoid>` or a UUID. */
export const agentId = z.string().regex(/^agt_[A-Za-z0-9_-]{6,64}$/, "expected agt_<id>");
