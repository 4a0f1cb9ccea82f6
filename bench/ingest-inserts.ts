// The control plane's inserts as they complete, for bench:ingest: when each table's rows reached the store, and the
// CPU used by then. The whole path's wall time and CPU end when the last accepted item is stored, not when the bench
// learns the agent's final count (a stats report the agent sends one batch interval later), and the rate "while
// the load ran" is measured between insert completions, so it is not quantised by the agent's batches.
import { TABLE_WRITERS } from "../apps/server/src/telemetry/store/rows";
import type { TelemetryStore } from "../apps/server/src/telemetry/store/types";
import { threadCpu } from "./ingest-breakdown";

/** One completed insert of a table's rows, with the CPU used up to then. */
export interface StoredMark {
  /** performance.now() when the insert completed. */
  at: number;
  /** Rows of the table inserted since the watch started (a batch deduplicated by its token would count twice). */
  total: number;
  /** This process's CPU (process.cpuUsage) at that moment. */
  own: NodeJS.CpuUsage;
  /** The agent's CPU seconds at that moment. */
  agent: number;
  /** This process's CPU by thread kind at that moment. */
  threads: Map<string, number>;
}

/** Completed inserts per table, and a way to wait for a table's total to reach a count. */
export interface InsertWatch {
  marks(table: "traces" | "logs"): StoredMark[];
  /** Resolves with the first mark at which the table's total reached `rows`. */
  reached(table: "traces" | "logs", rows: number): Promise<StoredMark>;
}

/**
 * Wraps the store's `insert` (the bench is the control plane's process) to record each completed insert. `agentCpu`
 * reads the agent's CPU seconds.
 */
export function watchInserts(store: TelemetryStore, agentCpu: () => number): InsertWatch {
  const marks = { traces: [] as StoredMark[], logs: [] as StoredMark[] };
  const waiters: { table: "traces" | "logs"; rows: number; resolve: (m: StoredMark) => void }[] = [];
  const insert = store.insert.bind(store);
  store.insert = async (rows, opts) => {
    await insert(rows, opts);
    const at = performance.now();
    for (const writer of TABLE_WRITERS) {
      const table = writer.table;
      if (table !== "traces" && table !== "logs") continue;
      const n = writer.count(rows);
      if (n === 0) continue;
      const list = marks[table];
      const mark: StoredMark = {
        at,
        total: (list.at(-1)?.total ?? 0) + n,
        own: process.cpuUsage(),
        agent: agentCpu(),
        threads: threadCpu(process.pid),
      };
      list.push(mark);
      for (let i = waiters.length - 1; i >= 0; i--) {
        const w = waiters[i];
        if (w && w.table === table && mark.total >= w.rows) {
          waiters.splice(i, 1);
          w.resolve(mark);
        }
      }
    }
  };
  return {
    marks: (table) => marks[table],
    reached: (table, rows) => {
      const done = marks[table].find((m) => m.total >= rows);
      if (done) return Promise.resolve(done);
      return new Promise((resolve) => waiters.push({ table, rows, resolve }));
    },
  };
}

/**
 * Rows stored per second between the first insert that completed at or after `from` and the last that completed at
 * or before `to`: whole batches at both ends, so the rate is not quantised by them. NaN with fewer than two.
 */
export function rateBetween(marks: StoredMark[], from: number, to: number): number {
  const inside = marks.filter((m) => m.at >= from && m.at <= to);
  const first = inside[0];
  const last = inside.at(-1);
  if (!first || !last || last === first) return Number.NaN;
  return ((last.total - first.total) / (last.at - first.at)) * 1000;
}
