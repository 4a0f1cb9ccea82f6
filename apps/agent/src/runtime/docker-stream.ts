import type { LogLine } from "./types";

type StreamName = "stdout" | "stderr";

/**
 * Splits Docker's multiplexed attach/logs format (8-byte frame headers: stream type, 3 zero bytes, a
 * big-endian length) into stdout and stderr. Frames may arrive cut anywhere, so bytes wait in `pending`.
 * Containers started with a TTY send raw bytes instead: `raw` treats everything as stdout.
 */
export class DockerDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onData: (stream: StreamName, chunk: Buffer) => void,
    private readonly raw = false,
  ) {}

  push(chunk: Buffer): void {
    if (this.raw) {
      this.onData("stdout", chunk);
      return;
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      // 0 is stdin (never sent here), 1 stdout, 2 stderr.
      const stream: StreamName = this.pending[0] === 2 ? "stderr" : "stdout";
      this.onData(stream, this.pending.subarray(8, 8 + size));
      this.pending = this.pending.subarray(8 + size);
    }
  }
}

/** Collects a stream's bytes up to a cap, remembering whether anything was cut. */
export class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    const room = this.maxBytes - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length < chunk.length) this.truncated = true;
    this.chunks.push(part);
    this.size += part.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

/**
 * Turns `docker logs --timestamps` output into LogLines: each line starts with an RFC 3339 timestamp with
 * nanoseconds and a space. Partial lines wait for their end, per stream; `flush` emits what is left.
 */
export class LogLineParser {
  private readonly partial: Record<StreamName, string> = { stdout: "", stderr: "" };

  constructor(private readonly onLine: (line: LogLine) => void) {}

  push(stream: StreamName, chunk: Buffer): void {
    const text = this.partial[stream] + chunk.toString("utf8");
    const lines = text.split("\n");
    this.partial[stream] = lines.pop() ?? "";
    for (const line of lines) this.emit(stream, line);
  }

  flush(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      if (this.partial[stream] !== "") this.emit(stream, this.partial[stream]);
      this.partial[stream] = "";
    }
  }

  private emit(stream: StreamName, line: string): void {
    const clean = line.endsWith("\r") ? line.slice(0, -1) : line;
    const space = clean.indexOf(" ");
    const stamp = space > 0 ? Date.parse(clean.slice(0, space)) : Number.NaN;
    if (Number.isNaN(stamp)) {
      this.onLine({ timestamp: new Date().toISOString(), stream, message: clean });
      return;
    }
    // Millisecond precision: the contract's isoTimestamp, and enough to order lines for a person.
    this.onLine({ timestamp: new Date(stamp).toISOString(), stream, message: clean.slice(space + 1) });
  }
}

/** `since`/`until` for the Engine API: Unix seconds, fractional. */
export function toUnixSeconds(iso: string | undefined): string | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : (ms / 1000).toFixed(3);
}
