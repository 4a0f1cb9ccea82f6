/** Room left before the staged payloads for the batch's length prefix and JSON head (~140 bytes per OTLP entry). */
export const HEAD_ROOM = 256 * 1024;

/**
 * Not-full cuts in a row after which the slabs go. Not the first one: under a sustained load the batch interval's
 * cut comes between full ones and finds a partial batch, and dropping the slabs there made ~33 MB of buffers (two
 * slabs of 8 MB batches) garbage for a full collection to find, and as much again made at the next full cut, every
 * interval (bench:ingest, with a probe of the agent's ArrayBuffer bytes around each collection).
 */
const QUIET_CUTS = 2;

/** Where a cut batch's staged payloads lie: back to back in `slab` from `start`, `HEAD_ROOM` bytes in. */
export interface StagedSlab {
  slab: Buffer;
  start: number;
}

/**
 * Two slabs the buffer copies OTLP payloads into as they arrive, while full batches keep coming (a sustained
 * load). Why: a waiting payload is the request buffer the gRPC or HTTP receiver allocated (~0.5 MB for 1000 spans),
 * held until its batch is cut. Held that long, it outlives two scavenges and is promoted, so only a full
 * mark-compact frees it: the ~8 MB of every batch added up to V8's external-memory limit, and a mark-compact
 * followed every 0.5-0.7 s under load. Copied into a slab, the request buffer dies young. The batch is then laid
 * out around the payloads (its head in the room left before them), which spares the copy the cut made anyway.
 *
 * The cut's slab is read (laid out, compressed) until the cut ends; appends meanwhile go to the other slab, which
 * the next cut takes. Cuts run one at a time, so a slab is written again only after the cut that read it ended,
 * and after the journal wrote its entries (at the end of the turn they were appended in).
 */
export class PayloadStaging {
  private slabs: [Buffer, Buffer] | undefined;
  private current = 0;
  private end = HEAD_ROOM;
  /** Cuts in a row that were not full batches. */
  private quietCuts = 0;

  /** `capacity`: payload bytes one slab takes (what may wait before the buffer pushes back). */
  constructor(private readonly capacity: number) {}

  /** A copy of `payload` in the current slab; `payload` itself while staging is off or when it does not fit. */
  stage(payload: Uint8Array): Uint8Array {
    const slab = this.slabs?.[this.current];
    if (!slab || this.end + payload.length > slab.length) return payload;
    slab.set(payload, this.end);
    const staged = slab.subarray(this.end, this.end + payload.length);
    this.end += payload.length;
    return staged;
  }

  /**
   * At a cut, when it takes what waits: the slab that was being filled (undefined while staging was off); appends
   * go to the other one from now on. `sustained`: the cut is a full batch, so staging goes on (slabs are made if
   * there were none). After QUIET_CUTS cuts in a row that were not, it stops and the slabs go, so that an agent at a
   * low rate does not keep them.
   */
  swap(sustained: boolean): StagedSlab | undefined {
    const slab = this.slabs?.[this.current];
    this.quietCuts = sustained ? 0 : this.quietCuts + 1;
    if (this.quietCuts >= QUIET_CUTS) this.slabs = undefined;
    else if (sustained) this.slabs ??= [this.newSlab(), this.newSlab()];
    this.current ^= 1;
    this.end = HEAD_ROOM;
    return slab ? { slab, start: HEAD_ROOM } : undefined;
  }

  private newSlab(): Buffer {
    return Buffer.allocUnsafe(HEAD_ROOM + this.capacity);
  }
}
