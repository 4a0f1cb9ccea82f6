import { writevSync } from "node:fs";
import { type FileHandle, open, readFile } from "node:fs/promises";
import type { HealthCheckResult, LogEntry, MetricPoint, OtlpSignalName } from "@syntra/contracts";

/** An OTLP export request as received (protobuf; JSON requests are re-encoded), of one service. */
export interface OtlpEntry {
  kind: "otlp";
  serviceId: string;
  deploymentId?: string | undefined;
  signal: OtlpSignalName;
  /** Spans, log records or data points in it. */
  items: number;
  payload: Uint8Array;
}

/** Telemetry the agent made itself, in contract form: container logs, scraped metrics, health checks. */
export interface ContractEntry {
  kind: "contract";
  logs: LogEntry[];
  metrics: MetricPoint[];
  healthChecks: HealthCheckResult[];
}

/** One unit of buffered telemetry. */
export type JournalEntry = OtlpEntry | ContractEntry;

/** Bytes an entry takes in memory and on disk, near enough for the buffer's accounting. */
export function entrySize(entry: JournalEntry): number {
  return entry.kind === "otlp" ? entry.payload.length + 128 : entry.logs.length * 300 + entry.metrics.length * 200;
}

/*
 * On disk each entry is: u32 head length, u32 payload length (both big-endian), the head as JSON, the payload.
 * A record cut short by a crash mid-write is dropped when the journal is read back (only the last can be).
 */

/** Appends an entry's record to `out`: its lengths and head in one buffer, then the payload as it is (not copied). */
function encodeEntry(entry: JournalEntry, out: Buffer[]): void {
  const json = JSON.stringify(entry.kind === "otlp" ? otlpHead(entry) : entry);
  const headLength = Buffer.byteLength(json);
  const head = Buffer.allocUnsafe(8 + headLength);
  head.writeUInt32BE(headLength, 0);
  head.writeUInt32BE(entry.kind === "otlp" ? entry.payload.length : 0, 4);
  head.write(json, 8);
  out.push(head);
  if (entry.kind === "otlp") {
    const { payload } = entry;
    out.push(Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
  }
}

/** An OTLP entry's head, the fields in a fixed order (no rest copy of the entry per request). */
function otlpHead(entry: OtlpEntry): Omit<OtlpEntry, "payload"> {
  return {
    kind: "otlp",
    serviceId: entry.serviceId,
    deploymentId: entry.deploymentId,
    signal: entry.signal,
    items: entry.items,
  };
}

/** Reads a journal file back; a torn last record is left out. */
export async function readJournal(file: string): Promise<JournalEntry[]> {
  const data = await readFile(file);
  const entries: JournalEntry[] = [];
  let pos = 0;
  while (pos + 8 <= data.length) {
    const headLength = data.readUInt32BE(pos);
    const payloadLength = data.readUInt32BE(pos + 4);
    const end = pos + 8 + headLength + payloadLength;
    if (end > data.length) break;
    try {
      const head = JSON.parse(data.subarray(pos + 8, pos + 8 + headLength).toString("utf8")) as JournalEntry;
      if (head.kind === "otlp") head.payload = data.subarray(pos + 8 + headLength, end);
      entries.push(head);
    } catch {
      break;
    }
    pos = end;
  }
  return entries;
}

/**
 * An append-only journal file with group commit: entries appended during one turn of the event loop go out together
 * in one synchronous `writev` at its end (setImmediate), so many concurrent requests cost one system call. `append`
 * resolves once the entry is in the file (the page cache: it survives the agent being killed; `fsync` per request is
 * deliberately not done). A page-cache write of a few hundred KB takes tens of microseconds: cheaper on the main
 * thread than a hop through libuv's thread pool and the promises around it (bench:ingest).
 */
export class JournalFile {
  private queued: Buffer[] = [];
  private waiters: { done: () => void; fail: (err: unknown) => void }[] = [];
  private scheduled = false;
  private closed = false;
  bytes = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(file: string): Promise<JournalFile> {
    return new JournalFile(file, await open(file, "a", 0o600));
  }

  append(entry: JournalEntry): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`journal ${this.path} is closed`));
    encodeEntry(entry, this.queued);
    return new Promise((done, fail) => {
      this.waiters.push({ done, fail });
      if (!this.scheduled) {
        this.scheduled = true;
        // The requests read in this turn of the event loop join the group.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const buffers = this.queued;
    const waiters = this.waiters;
    if (waiters.length === 0) return;
    this.queued = [];
    this.waiters = [];
    try {
      let total = 0;
      for (const b of buffers) total += b.length;
      // writev may write less than asked (a signal, a full disk, more buffers than IOV_MAX); finish the rest.
      let written = 0;
      while (written < total) written += writevSync(this.handle.fd, skip(buffers, written));
      this.bytes += total;
      for (const w of waiters) w.done();
    } catch (err) {
      for (const w of waiters) w.fail(err);
    }
  }

  /** Writes what is queued, then closes the file. */
  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    await this.handle.close();
  }
}

function skip(buffers: Buffer[], bytes: number): Buffer[] {
  if (bytes === 0) return buffers;
  const out: Buffer[] = [];
  let left = bytes;
  for (const b of buffers) {
    if (left >= b.length) {
      left -= b.length;
      continue;
    }
    out.push(left > 0 ? b.subarray(left) : b);
    left = 0;
  }
  return out;
}
