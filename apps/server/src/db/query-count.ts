import { AsyncLocalStorage } from "node:async_hooks";
import type { Logger as DrizzleLogger } from "drizzle-orm";

/** Statements counted for one piece of work (see `countQueries`). */
export interface QueryTally {
  queries: number;
}

const tallies = new AsyncLocalStorage<QueryTally>();

/**
 * Runs `fn` counting the statements it sends through the query builder, including those of work it starts in the
 * background (the async context carries the tally): what one piece of work costs the database, whatever else runs
 * at the same time. The tally is complete once `fn` and everything it started has finished.
 */
export function countQueries<T>(tally: QueryTally, fn: () => Promise<T>): Promise<T> {
  return tallies.run(tally, fn);
}

/** Drizzle's logger hook: adds each statement to the tally of the work that sent it, if any counts. */
export const queryCounter: DrizzleLogger = {
  logQuery() {
    const tally = tallies.getStore();
    if (tally) tally.queries++;
  },
};
