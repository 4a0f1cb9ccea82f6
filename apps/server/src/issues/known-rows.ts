// Rows ingest has seen committed, so it need not ask for them again: the (issue, user) pairs of
// error_group_users and the (issue, stack hash) pairs of error_stacks. Both are only ever deleted with their issue,
// and a new issue has a new id, so a remembered pair stays true. Remembered only after the transaction that
// stored them committed; per process (another replica asks the store once, and ON CONFLICT keeps it right).
import type { Database } from "../db/client";

/** A bounded set: past its size, the pairs remembered first are forgotten first. */
class BoundedSet {
  private readonly keys = new Set<string>();

  constructor(private readonly max: number) {}

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string): void {
    if (this.keys.has(key)) return;
    this.keys.add(key);
    if (this.keys.size > this.max) {
      const oldest = this.keys.values().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
  }
}

/** What one store's ingest remembers: ~100 bytes a pair, so at most ~2.5 MB together. */
export interface KnownRows {
  users: BoundedSet;
  stacks: BoundedSet;
}

const known = new WeakMap<Database, KnownRows>();

/** The pairs remembered for a store. */
export function knownRows(database: Database): KnownRows {
  let rows = known.get(database);
  if (!rows) {
    rows = { users: new BoundedSet(20_000), stacks: new BoundedSet(5_000) };
    known.set(database, rows);
  }
  return rows;
}

/** The key of a pair. */
export const pairKey = (groupId: string, value: string) => `${groupId}:${value}`;

/** The pairs a transaction stored or found stored, to remember once it has committed. */
export interface PairsSeen {
  users: string[];
  stacks: string[];
}

/** Remembers what a committed transaction saw. */
export function rememberSeen(rows: KnownRows, seen: PairsSeen): void {
  for (const key of seen.users) rows.users.add(key);
  for (const key of seen.stacks) rows.stacks.add(key);
}
