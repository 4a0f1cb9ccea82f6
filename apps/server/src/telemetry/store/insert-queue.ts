import type { ClickHouseDriver, InsertSettings } from "./driver";
import { RowBinaryWriter } from "./row-binary";
import { encodedBytes, soleEncoded, TABLE_WRITERS, type TableWriter } from "./rows";
import type { TelemetryRows } from "./types";

interface Job {
  rows: TelemetryRows;
  token: string | undefined;
  resolve: () => void;
  reject: (err: unknown) => void;
}

// Tables are written in TABLE_WRITERS' order; a retry with the same dedup token skips the tables already written.

/** Largest number of rows that calls without a token are merged into (one insert per table). */
const MERGE_MAX_ROWS = 200_000;

function rowCount(rows: TelemetryRows): number {
  return TABLE_WRITERS.reduce((n, table) => n + table.count(rows), 0);
}

/**
 * Writes batches one insert at a time, group-commit style: while one insert runs, the calls that arrive are queued,
 * and the calls without a dedup token are then written together as one insert per table. ClickHouse wants few large
 * inserts (each makes a part that must be merged later), and many small OTLP requests arriving together become one
 * insert without adding a delay when the store is idle. A call with a dedup token is written alone: the token names
 * exactly its rows. Every call resolves once its rows are stored, or rejects with the insert's error.
 */
export class InsertQueue {
  private readonly jobs: Job[] = [];
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};

  /**
   * Settings that turn deduplication off for an insert. ClickHouse 26 replaced `insert_deduplicate` by
   * `deduplicate_insert` (and ignores the old one); older servers do not know the new one. Set from the engine's own
   * settings list by `detectDedupSetting`.
   */
  private noDedup: InsertSettings = { insert_deduplicate: 0 };

  constructor(private readonly driver: ClickHouseDriver) {}

  /** Asks the engine which setting turns insert deduplication off. */
  async detectDedupSetting(): Promise<void> {
    const rows = await this.driver.query<{ n: string }>(
      "SELECT toString(count()) AS n FROM system.settings WHERE name = 'deduplicate_insert'",
    );
    this.noDedup =
      rows[0]?.n === "1" ? { insert_deduplicate: 0, deduplicate_insert: "disable" } : { insert_deduplicate: 0 };
  }

  /** Queues a batch; resolves when it is stored. */
  write(rows: TelemetryRows, token: string | undefined): Promise<void> {
    if (rowCount(rows) === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.jobs.push({ rows, token, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  /** Resolves when every queued batch has been written (or has failed). */
  flushed(): Promise<void> {
    return this.idle;
  }

  private async drain(): Promise<void> {
    this.running = true;
    this.idle = new Promise((resolve) => {
      this.markIdle = resolve;
    });
    while (this.jobs.length > 0) {
      const group = this.takeGroup();
      const failures = await this.insert(group);
      for (const job of group) {
        const failure = failures.get(job);
        if (failure === undefined) job.resolve();
        else job.reject(failure.error);
      }
    }
    this.running = false;
    this.markIdle();
  }

  /** The next insert's calls: the first tokened call alone, or the untokened calls up to the row limit. */
  private takeGroup(): Job[] {
    const first = this.jobs[0] as Job;
    if (first.token !== undefined) return this.jobs.splice(0, 1);
    const group: Job[] = [];
    let rows = 0;
    for (let i = 0; i < this.jobs.length; ) {
      const job = this.jobs[i] as Job;
      if (job.token !== undefined || (group.length > 0 && rows + rowCount(job.rows) > MERGE_MAX_ROWS)) {
        i++;
        continue;
      }
      group.push(job);
      rows += rowCount(job.rows);
      this.jobs.splice(i, 1);
    }
    return group;
  }

  /**
   * Writes a group, one insert per table, tables in order. When a merged insert fails, each call's rows of that table
   * are written alone, so one bad batch does not fail the calls merged with it. A call whose rows fail is not written
   * further (its later tables are skipped), and is returned with its error.
   */
  private async insert(group: Job[]): Promise<Map<Job, { error: unknown }>> {
    const token = group.length === 1 ? group[0]?.token : undefined;
    const settings = this.settings(token);
    const failed = new Map<Job, { error: unknown }>();
    for (const table of TABLE_WRITERS) {
      const parts = group.filter((job) => !failed.has(job) && table.count(job.rows) > 0);
      if (parts.length === 0) continue;
      // One call whose rows are one encoded block (an agent's batch, an OTLP request): sent as it is, no copy.
      const sole = parts.length === 1 ? soleEncoded((parts[0] as Job).rows, table) : undefined;
      if (sole) {
        await this.driver
          .insert({ table: table.table, columns: table.columns, data: sole }, settings)
          .catch((error: unknown) => failed.set(parts[0] as Job, { error }));
        continue;
      }
      // A call whose rows cannot be encoded fails alone, before anything is sent. The writer starts with room for the
      // encoded blocks, so merging them costs one copy each and no regrowth.
      const w = new RowBinaryWriter(64 * 1024 + parts.reduce((n, job) => n + encodedBytes(job.rows, table), 0));
      const encoded = parts.filter((job) => {
        const start = w.length;
        try {
          table.write(w, job.rows);
          return true;
        } catch (error) {
          w.truncate(start);
          failed.set(job, { error });
          return false;
        }
      });
      if (encoded.length === 0) continue;
      try {
        await this.driver.insert({ table: table.table, columns: table.columns, data: w.bytes() }, settings);
      } catch (error) {
        if (encoded.length === 1) {
          failed.set(encoded[0] as Job, { error });
          continue;
        }
        for (const job of encoded) {
          await this.writeAlone(table, job, settings).catch((err: unknown) => failed.set(job, { error: err }));
        }
      }
    }
    return failed;
  }

  private async writeAlone(table: TableWriter, job: Job, settings: InsertSettings): Promise<void> {
    const w = new RowBinaryWriter(64 * 1024 + encodedBytes(job.rows, table));
    table.write(w, job.rows);
    await this.driver.insert({ table: table.table, columns: table.columns, data: w.bytes() }, settings);
  }

  private settings(token: string | undefined): InsertSettings {
    if (token !== undefined) {
      // The token also keys the blocks the materialized views write, so the rollups skip a re-sent batch too.
      return { insert_deduplication_token: token, deduplicate_blocks_in_dependent_materialized_views: 1 };
    }
    // Without a token nothing is deduplicated: two requests with identical rows (the same counter value twice) are
    // both real. On a server, small inserts are buffered by ClickHouse itself (async inserts), and the answer waits
    // until they are written.
    const base = this.noDedup;
    return this.driver.kind === "clickhouse" ? { ...base, async_insert: 1, wait_for_async_insert: 1 } : base;
  }
}
