import { randomUUID } from "node:crypto";
import { mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { AgentTelemetryStats, OtlpPayloadRef, TelemetryBatchHead } from "@syntra/contracts";
import { compressBatch, encodeBatchBody, encodeBatchBodyAround } from "@syntra/otlp";
import { BatchFiles, type BatchMeta } from "./batch-files";
import { entrySize, type JournalEntry, JournalFile, readJournal } from "./journal";
import { PayloadStaging } from "./staging";
import type { TelemetryStats } from "./stats";

/** Limits of the buffer. */
export interface BufferLimits {
  /** A batch is cut once this much is waiting (or at the batch interval, whichever comes first). */
  maxBatchBytes: number;
  /** Compressed batches kept in memory as well as on disk (telemetry_buffer_max_mb from hello_ack). */
  memoryMaxBytes: number;
  /** Everything waiting on disk: beyond it the oldest batches are dropped and counted. */
  diskMaxBytes: number;
}

/** Thrown by `append` when more is waiting to be batched than the buffer takes now: the caller pushes back. */
export class BufferBusyError extends Error {
  override readonly name = "BufferBusyError";
}

const JOURNAL = "journal-";

/**
 * The agent's telemetry buffer. Every entry is appended to a journal file before the app gets its answer (group
 * commit, see JournalFile); `cut` turns what waits into one compressed batch file (`json+otlp`) and starts a new
 * journal; batches stay on disk until the control plane acknowledges them, survive agent restarts, and are
 * dropped oldest first, counted, when the disk limit is reached.
 */
export class TelemetryBuffer {
  private journal!: JournalFile;
  private journalSeq = 0;
  private waiting: JournalEntry[] = [];
  private waitingBytes = 0;
  /** Journal files whose entries are in `waiting` (recovered ones, and the current one). */
  private waitingJournals: string[] = [];
  private batches: BatchMeta[] = [];
  private readonly cache = new Map<string, Buffer>();
  private cacheBytes = 0;
  private batchSeq = 0;
  private cutting: Promise<BatchMeta | null> | null = null;
  /**
   * Where batches are laid out before compression, kept between cuts while full batches keep coming (a sustained
   * load): a new 8 MiB buffer per batch was mapped, faulted in and unmapped each time. Dropped at a smaller cut.
   */
  private scratch: Buffer | undefined;
  /** Where OTLP payloads are copied as they arrive under a sustained load (see PayloadStaging). */
  private readonly staging: PayloadStaging;
  /** The control plane takes brotli batches (hello_ack): without zstd, batches are cut with brotli, else gzip. */
  brotli = false;
  /** Batches on their way to the control plane (set by the shipper): never dropped for space. */
  readonly inFlight = new Set<string>();
  private readonly files: BatchFiles;

  private constructor(
    private readonly dir: string,
    private readonly limits: BufferLimits,
    private readonly stats: TelemetryStats,
    private readonly now: () => Date,
  ) {
    this.files = new BatchFiles(dir);
    // What may wait before `append` pushes back, so that a slab takes every payload of a batch.
    this.staging = new PayloadStaging(2 * limits.maxBatchBytes);
  }

  /** Opens (or creates) the buffer in `dir`, recovering the batches and journal entries a previous run left. */
  static async open(
    dir: string,
    limits: BufferLimits,
    stats: TelemetryStats,
    now: () => Date = () => new Date(),
  ): Promise<TelemetryBuffer> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const buffer = new TelemetryBuffer(dir, limits, stats, now);
    await buffer.recover();
    return buffer;
  }

  private async recover(): Promise<void> {
    this.batches = await this.files.list();
    this.batchSeq = this.batches.reduce((max, b) => Math.max(max, b.seq), 0);
    const consumed = new Set(this.batches.flatMap((b) => b.journals));
    const journals = (await readdir(this.dir)).filter((n) => n.startsWith(JOURNAL)).sort();
    for (const name of journals) {
      this.journalSeq = Math.max(this.journalSeq, Number(name.slice(JOURNAL.length)) || 0);
      const file = path.join(this.dir, name);
      // A batch written just before a crash already holds these entries: replaying them would store them twice.
      if (consumed.has(name)) {
        await rm(file, { force: true });
        continue;
      }
      for (const entry of await readJournal(file)) this.hold(entry);
      this.waitingJournals.push(name);
    }
    const next = await this.newJournal();
    this.journal = next.file;
    this.waitingJournals.push(next.name);
  }

  private async newJournal(): Promise<{ name: string; file: JournalFile }> {
    this.journalSeq++;
    const name = `${JOURNAL}${String(this.journalSeq).padStart(12, "0")}`;
    return { name, file: await JournalFile.create(path.join(this.dir, name)) };
  }

  private hold(entry: JournalEntry): void {
    this.waiting.push(entry);
    this.waitingBytes += entrySize(entry);
  }

  /** Bytes waiting to be cut into a batch. */
  get waitingSize(): number {
    return this.waitingBytes;
  }

  /** True when a batch should be cut without waiting for the interval. */
  get full(): boolean {
    return this.waitingBytes >= this.limits.maxBatchBytes;
  }

  /**
   * Adds an entry; resolves once it is in the journal file. Throws BufferBusyError when batching has fallen behind
   * (more than two batches' worth waiting), so the receiver answers 503 instead of letting memory grow.
   */
  append(entry: JournalEntry): Promise<void> {
    if (this.waitingBytes >= 2 * this.limits.maxBatchBytes) {
      return Promise.reject(new BufferBusyError("the telemetry buffer is batching; retry shortly"));
    }
    // The caller may reuse the payload's memory once this returns (TelemetryIntake.acceptOtlp): what staging did
    // not copy into its slab is copied here.
    let held = entry;
    if (entry.kind === "otlp") {
      const staged = this.staging.stage(entry.payload);
      held = { ...entry, payload: staged === entry.payload ? Buffer.from(staged) : staged };
    }
    this.hold(held);
    return this.journal.append(held);
  }

  /** Turns everything waiting into one batch file; null when nothing waits. Concurrent calls share one cut. */
  cut(): Promise<BatchMeta | null> {
    if (this.cutting) return this.cutting;
    if (this.waiting.length === 0) return Promise.resolve(null);
    this.cutting = this.cutNow().finally(() => {
      this.cutting = null;
    });
    return this.cutting;
  }

  private async cutNow(): Promise<BatchMeta | null> {
    // The next journal exists before the swap, so that no append lands in a journal this batch will delete.
    const next = await this.newJournal();
    const entries = this.waiting;
    const journals = this.waitingJournals;
    const oldJournal = this.journal;
    const sustained = this.waitingBytes >= this.limits.maxBatchBytes;
    this.waiting = [];
    this.waitingBytes = 0;
    this.waitingJournals = [next.name];
    this.journal = next.file;
    const staged = this.staging.swap(sustained);

    const head: TelemetryBatchHead = { errors: [], traces: [], logs: [], metrics: [], health_checks: [], otlp: [] };
    const payloads: Uint8Array[] = [];
    const counts = { spans: 0, logRecords: 0, metricPoints: 0 };
    for (const entry of entries) {
      if (entry.kind === "otlp") {
        const ref: OtlpPayloadRef = {
          service_id: entry.serviceId,
          ...(entry.deploymentId ? { deployment_id: entry.deploymentId } : {}),
          signal: entry.signal,
          items: entry.items,
          bytes: entry.payload.length,
        };
        head.otlp.push(ref);
        payloads.push(entry.payload);
        if (entry.signal === "traces") counts.spans += entry.items;
        else if (entry.signal === "logs") counts.logRecords += entry.items;
        else counts.metricPoints += entry.items;
      } else {
        head.logs.push(...entry.logs);
        head.metrics.push(...entry.metrics);
        head.health_checks.push(...entry.healthChecks);
        counts.logRecords += entry.logs.length;
        counts.metricPoints += entry.metrics.length;
      }
    }
    // Staged payloads need no copy; else (the first full batch, recovered entries, a head too large for the room
    // left) the batch is laid out in the scratch. Neither is touched again before the compressor is done with it:
    // cuts run one at a time.
    let body = staged ? encodeBatchBodyAround({ head, payloads }, staged.slab, staged.start) : null;
    if (!sustained || body) this.scratch = undefined;
    else this.scratch ??= Buffer.allocUnsafe(this.limits.maxBatchBytes + 1024 * 1024);
    body ??= encodeBatchBody({ head, payloads }, this.scratch);
    const { compression, data } = await compressBatch(body, { brotli: this.brotli });
    this.batchSeq++;
    const meta: BatchMeta = {
      id: `${randomUUID()}`,
      seq: this.batchSeq,
      compression,
      rawBytes: body.length,
      bytes: data.length,
      createdAt: this.now().toISOString(),
      ...counts,
      journals,
    };
    await this.files.write(meta, data);
    this.batches.push(meta);
    this.remember(meta.id, data);
    // The entries live in the batch file now; the old journals can go once their last writes are done.
    await oldJournal.close();
    await Promise.all(journals.map((name) => rm(path.join(this.dir, name), { force: true })));
    await this.enforceDiskLimit();
    void this.stats.save();
    return meta;
  }

  /** Batches not yet acknowledged, oldest first. */
  pending(): readonly BatchMeta[] {
    return this.batches;
  }

  /** A batch's compressed data, from memory when it is still there. */
  async data(meta: BatchMeta): Promise<Buffer> {
    return this.cache.get(meta.id) ?? this.files.read(meta);
  }

  /** The control plane stored the batch: forget it. */
  async stored(id: string): Promise<void> {
    await this.forget(id);
  }

  /** The control plane can never store the batch: forget it and count what it held as lost. */
  async rejected(id: string): Promise<void> {
    const meta = await this.forget(id);
    if (meta) this.countDropped(meta);
  }

  private async forget(id: string): Promise<BatchMeta | undefined> {
    const index = this.batches.findIndex((b) => b.id === id);
    if (index < 0) return undefined;
    const [meta] = this.batches.splice(index, 1);
    if (!meta) return undefined;
    this.evictFromCache(id);
    await this.files.remove(meta);
    void this.stats.save();
    return meta;
  }

  private countDropped(meta: BatchMeta): void {
    this.stats.add("dropped_spans", meta.spans);
    this.stats.add("dropped_log_records", meta.logRecords);
    this.stats.add("dropped_metric_points", meta.metricPoints);
    this.stats.add("dropped_bytes", meta.rawBytes);
  }

  private remember(id: string, data: Buffer): void {
    this.cache.set(id, data);
    this.cacheBytes += data.length;
    // Oldest first out of memory: they stay on disk and are read back when their turn comes.
    for (const [oldId, oldData] of this.cache) {
      if (this.cacheBytes <= this.limits.memoryMaxBytes) break;
      this.cache.delete(oldId);
      this.cacheBytes -= oldData.length;
    }
  }

  private evictFromCache(id: string): void {
    const data = this.cache.get(id);
    if (!data) return;
    this.cache.delete(id);
    this.cacheBytes -= data.length;
  }

  /** Drops the oldest batches (not those in flight) while the buffer is over its disk limit. */
  private async enforceDiskLimit(): Promise<void> {
    let total = this.diskBytes();
    for (const meta of [...this.batches]) {
      if (total <= this.limits.diskMaxBytes) break;
      if (this.inFlight.has(meta.id)) continue;
      total -= meta.bytes;
      await this.forget(meta.id);
      this.countDropped(meta);
    }
  }

  private diskBytes(): number {
    return this.batches.reduce((n, b) => n + b.bytes, 0) + this.journal.bytes;
  }

  /** The buffer's part of the stats the agent reports. */
  snapshot(): Pick<AgentTelemetryStats, "buffered_bytes" | "buffer_limit_bytes" | "oldest_buffered_at"> {
    return {
      buffered_bytes: this.diskBytes() + this.waitingBytes,
      buffer_limit_bytes: this.limits.diskMaxBytes,
      oldest_buffered_at: this.batches[0]?.createdAt ?? null,
    };
  }

  /** Updates the limits (hello_ack carries telemetry_buffer_max_mb). */
  setMemoryLimit(bytes: number): void {
    this.limits.memoryMaxBytes = bytes;
  }

  /** Finishes a cut in progress and closes the journal; what waits stays in it for the next start. */
  async close(): Promise<void> {
    if (this.cutting) await this.cutting.catch(() => undefined);
    await this.journal.close();
    await this.stats.save();
  }
}
