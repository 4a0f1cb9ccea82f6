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

function encodeEntry(entry: JournalEntry): Buffer[] {
  const { payload, ...head } =
    entry.kind === "otlp" ? entry : { ...entry, payload: new Uint8Array() as Uint8Array<ArrayBufferLike> };
  const json = Buffer.from(JSON.stringify(head));
  const lengths = Buffer.alloc(8);
  lengths.writeUInt32BE(json.length, 0);
  lengths.writeUInt32BE(payload.length, 4);
  return [lengths, json, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)];
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
 * An append-only journal file with group commit: entries appended while a write is in flight go out together in
 * the next single `writev`, so many concurrent requests cost one system call. `append` resolves once the entry is
 * in the file (the page cache: it survives the agent being killed; `fsync` per request is deliberately not done).
 */
export class JournalFile {
  private queued: { buffers: Buffer[]; done: () => void; fail: (err: unknown) => void }[] = [];
  private writing: Promise<void> | null = null;
  bytes = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(file: string): Promise<JournalFile> {
    return new JournalFile(file, await open(file, "a", 0o600));
  }

  append(entry: JournalEntry): Promise<void> {
    const buffers = encodeEntry(entry);
    for (const b of buffers) this.bytes += b.length;
    return new Promise((done, fail) => {
      this.queued.push({ buffers, done, fail });
      this.writing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    // Let the requests of this turn of the event loop join the group.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queued.length > 0) {
      const group = this.queued;
      this.queued = [];
      try {
        const buffers = group.flatMap((g) => g.buffers);
        let written = 0;
        const total = buffers.reduce((n, b) => n + b.length, 0);
        // writev may write less than asked; finish the rest.
        while (written < total) {
          const { bytesWritten } = await this.handle.writev(skip(buffers, written));
          written += bytesWritten;
        }
        for (const g of group) g.done();
      } catch (err) {
        for (const g of group) g.fail(err);
      }
    }
    this.writing = null;
  }

  /** Waits for the writes in flight, then closes the file. */
  async close(): Promise<void> {
    while (this.writing) await this.writing;
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
