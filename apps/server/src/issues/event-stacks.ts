// Stack traces stored once per issue (migration 0032): an issue's events nearly always repeat one stack, and the
// stack is most of an event's bytes. Ingest stores each distinct stack of an issue once in `error_stacks`, keyed
// by the SHA-256 of its JSON, and the event row names it by `stack_hash`; reads put it back in the event.
import { hash } from "node:crypto";
import type { StackFrame } from "@syntra/contracts";
import { and, eq, getTableColumns, sql } from "drizzle-orm";
import type { RawTx } from "../db/client";
import { errorEvents, errorStacks } from "../db/schema";

/** A stack ready to be stored: its JSON text (made once) and the hash that names it. */
export interface StackRef {
  json: string;
  hash: string;
}

/** The stack of an event as stored; none for an event without frames (its row keeps an empty array inline). */
export function stackRef(frames: StackFrame[]): StackRef | null {
  if (frames.length === 0) return null;
  const json = JSON.stringify(frames);
  return { json, hash: hash("sha256", json) };
}

/**
 * Stores the stacks of an issue's events that it does not have yet: one query finds the missing ones, one
 * inserts them (ON CONFLICT: a concurrent batch may store the same stack first).
 */
export async function storeStacks(tx: RawTx, stacks: { groupId: string; stack: StackRef }[]): Promise<void> {
  const distinct = new Map<string, { groupId: string; stack: StackRef }>();
  for (const s of stacks) distinct.set(`${s.groupId}:${s.stack.hash}`, s);
  if (distinct.size === 0) return;
  const list = [...distinct.values()];
  const missing = await tx.query<{ g: string; h: string }>(
    `SELECT u.g, u.h FROM unnest($1::uuid[], $2::text[]) AS u(g, h)
      WHERE NOT EXISTS (SELECT 1 FROM error_stacks s WHERE s.error_group_id = u.g AND s.hash = u.h)`,
    [list.map((s) => s.groupId), list.map((s) => s.stack.hash)],
  );
  if (missing.length === 0) return;
  // The document is assembled from the JSON made for the hash, so no stack is serialized twice.
  const rows = missing.map(({ g, h }) => {
    const s = distinct.get(`${g}:${h}`);
    if (!s) throw new Error(`stack ${h} of issue ${g} was not asked for`);
    return `{"g":${JSON.stringify(g)},"h":"${h}","st":${s.stack.json}}`;
  });
  await tx.query(
    `INSERT INTO error_stacks (error_group_id, hash, stack_trace)
     SELECT g, h, st FROM jsonb_to_recordset($1::jsonb) AS r(g uuid, h text, st jsonb)
     ON CONFLICT DO NOTHING`,
    [`[${rows.join(",")}]`],
  );
}

/** The columns of an `error_events` row with its stack put back (select them with `joinStacks`). */
export const eventColumns = {
  ...getTableColumns(errorEvents),
  stackTrace: sql<unknown>`COALESCE(${errorEvents.stackTrace}, ${errorStacks.stackTrace}, '[]'::jsonb)`.mapWith(
    errorEvents.stackTrace,
  ),
};

/** The join that `eventColumns` reads the stored stack through. */
export const stackJoin = and(
  eq(errorStacks.errorGroupId, errorEvents.errorGroupId),
  eq(errorStacks.hash, errorEvents.stackHash),
);
