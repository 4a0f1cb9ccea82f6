/**
 * Frames of cluster messages as NOTIFY payloads. A message's body is opaque ASCII here (the bus seals it with the
 * master key, base64). PostgreSQL caps a payload below 8000 bytes, so a longer body travels as numbered chunks,
 * sent in one statement (they arrive together and in order) and put back together by the receiver. Every frame
 * carries its sender's sequence number: PostgreSQL folds identical payloads sent in one transaction into one.
 */

/** The largest payload sent in one NOTIFY, in bytes (PostgreSQL's limit is 8000 minus the channel name). */
export const MAX_PAYLOAD_BYTES = 7_000;
/** Body characters per chunk (ASCII), leaving room for the frame's own fields. */
const CHUNK_CHARS = 6_500;

/** A whole message. */
interface WholeFrame {
  /** The sender's replica id. */
  f: string;
  /** The sender's sequence number of this frame. */
  s: number;
  b: string;
}

/** One piece of a message too long for one payload. */
interface ChunkFrame {
  f: string;
  s: number;
  /** The sequence number of the message's first chunk: the message's id. */
  c: number;
  i: number;
  n: number;
  d: string;
}

/** Numbers the frames of one sender. */
export class FrameEncoder {
  private seq = 0;

  constructor(readonly from: string) {}

  /** The payloads that carry one body (ASCII), in order. */
  encode(body: string): string[] {
    const whole = JSON.stringify({ f: this.from, s: this.seq, b: body } satisfies WholeFrame);
    if (whole.length <= MAX_PAYLOAD_BYTES) {
      this.seq++;
      return [whole];
    }
    const c = this.seq;
    const n = Math.ceil(body.length / CHUNK_CHARS);
    const frames: string[] = [];
    for (let i = 0; i < n; i++) {
      const d = body.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS);
      frames.push(JSON.stringify({ f: this.from, s: this.seq++, c, i, n, d } satisfies ChunkFrame));
    }
    return frames;
  }
}

/** A whole body and who sent it. */
export interface ReceivedBody {
  from: string;
  body: string;
}

/** Puts chunked bodies back together; whole ones pass straight through. */
export class FrameAssembler {
  private readonly partial = new Map<string, { parts: string[]; got: number }>();

  /** The body this payload completes, or null (a chunk of one still incomplete, or a malformed payload). */
  accept(payload: string): ReceivedBody | null {
    let frame: Partial<WholeFrame & ChunkFrame>;
    try {
      frame = JSON.parse(payload) as Partial<WholeFrame & ChunkFrame>;
    } catch {
      return null;
    }
    if (typeof frame.f !== "string") return null;
    if (typeof frame.b === "string") return { from: frame.f, body: frame.b };
    if (typeof frame.c !== "number" || typeof frame.i !== "number" || typeof frame.n !== "number") return null;
    const key = `${frame.f}/${frame.c}`;
    const entry = this.partial.get(key) ?? { parts: new Array<string>(frame.n), got: 0 };
    this.partial.set(key, entry);
    if (entry.parts[frame.i] === undefined) entry.got++;
    entry.parts[frame.i] = frame.d ?? "";
    if (entry.got < frame.n) return null;
    this.partial.delete(key);
    return { from: frame.f, body: entry.parts.join("") };
  }

  /** Drops what is still incomplete from a replica that is gone. */
  forget(replicaId: string): void {
    for (const key of this.partial.keys()) if (key.startsWith(`${replicaId}/`)) this.partial.delete(key);
  }
}
