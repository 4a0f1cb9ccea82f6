/**
 * Frames of cluster messages as NOTIFY payloads. PostgreSQL caps a payload below 8000 bytes, so a message that is
 * larger travels as numbered chunks (sent in one transaction, so they arrive together and in order) and is put
 * back together by the receiver.
 */

/** The largest payload sent in one NOTIFY, in bytes (PostgreSQL's limit is 8000 minus the channel name). */
export const MAX_PAYLOAD_BYTES = 7_000;

/** A whole message: sender, topic, body. */
interface WholeFrame {
  f: string;
  t: string;
  m: unknown;
}

/** One piece of a message too large for one payload. */
interface ChunkFrame {
  f: string;
  /** The message's id among its sender's chunked messages. */
  c: number;
  i: number;
  n: number;
  d: string;
}

let nextChunked = 0;

/** Characters per chunk: escaped as JSON, each takes at most 6 bytes, so a chunk stays under the cap. */
const CHUNK_CHARS = 1_000;

/** The payloads that carry one message, in order. */
export function encodeFrames(from: string, topic: string, message: unknown): string[] {
  const whole = JSON.stringify({ f: from, t: topic, m: message } satisfies WholeFrame);
  if (Buffer.byteLength(whole) <= MAX_PAYLOAD_BYTES) return [whole];
  const cuts = [0];
  for (let start = 0; start < whole.length; ) {
    let at = Math.min(start + CHUNK_CHARS, whole.length);
    // Never between the two halves of a surrogate pair: each chunk must be valid text on its own.
    const code = whole.charCodeAt(at - 1);
    if (at < whole.length && code >= 0xd800 && code <= 0xdbff) at++;
    cuts.push(at);
    start = at;
  }
  const id = nextChunked++;
  const n = cuts.length - 1;
  return cuts
    .slice(0, -1)
    .map((at, i) => JSON.stringify({ f: from, c: id, i, n, d: whole.slice(at, cuts[i + 1]) } satisfies ChunkFrame));
}

/** A decoded message. */
export interface ClusterMessage {
  from: string;
  topic: string;
  message: unknown;
}

/** Puts chunked messages back together; whole ones pass straight through. */
export class FrameAssembler {
  private readonly partial = new Map<string, { parts: string[]; got: number }>();

  /** The message this payload completes, or null (a chunk of one still incomplete, or a malformed payload). */
  accept(payload: string): ClusterMessage | null {
    let frame: Partial<WholeFrame & ChunkFrame>;
    try {
      frame = JSON.parse(payload) as Partial<WholeFrame & ChunkFrame>;
    } catch {
      return null;
    }
    if (typeof frame.f !== "string") return null;
    if (typeof frame.t === "string") return { from: frame.f, topic: frame.t, message: frame.m };
    if (typeof frame.c !== "number" || typeof frame.i !== "number" || typeof frame.n !== "number") return null;
    const key = `${frame.f}/${frame.c}`;
    const entry = this.partial.get(key) ?? { parts: new Array<string>(frame.n), got: 0 };
    this.partial.set(key, entry);
    if (entry.parts[frame.i] === undefined) entry.got++;
    entry.parts[frame.i] = frame.d ?? "";
    if (entry.got < frame.n) return null;
    this.partial.delete(key);
    return this.accept(entry.parts.join(""));
  }

  /** Drops what is still incomplete from a replica that is gone. */
  forget(replicaId: string): void {
    for (const key of this.partial.keys()) if (key.startsWith(`${replicaId}/`)) this.partial.delete(key);
  }
}
