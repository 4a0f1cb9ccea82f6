import hpack from "hpack.js";

/** The dynamic table size the receiver decodes with: the protocol's default, which it never raises. */
export const HEADER_TABLE_BYTES = 4096;

/** The decompressor's steps, one per representation in a block (hpack.js's lib/hpack/decompressor.js). */
interface DecompressorSteps {
  _processIndexed(...args: unknown[]): void;
  _processLiteral(...args: unknown[]): void;
  _processUpdate(...args: unknown[]): void;
}

export type HeaderFields = ReadonlyArray<readonly [name: string, value: string]>;

/**
 * A connection's HPACK decoder (RFC 7541, through hpack.js). Its dynamic table is the connection's, so every header
 * block must pass through it in order, even those of streams that are then refused; an error leaves it unusable
 * and is a connection error (COMPRESSION_ERROR).
 */
export class HeaderDecoder {
  // `maxSize`, not the `size` hpack.js's README shows: with `size` its table has no limit and never evicts.
  private readonly decompressor = hpack.decompressor.create({ table: { maxSize: HEADER_TABLE_BYTES } });
  private failure: Error | undefined;
  /** Fields decoded so far in the current block. */
  private fields = 0;

  constructor() {
    this.decompressor.on("error", (err) => {
      this.failure = err;
    });
    // RFC 7541 section 4.2: a dynamic table size update may only open a header block. hpack.js (2.1.6, pinned)
    // accepts one anywhere, so its three per-representation steps are wrapped to tell.
    const steps = this.decompressor as unknown as DecompressorSteps;
    const { _processIndexed, _processLiteral, _processUpdate } = steps;
    steps._processIndexed = (...args) => {
      this.fields++;
      _processIndexed.apply(steps, args);
    };
    steps._processLiteral = (...args) => {
      this.fields++;
      _processLiteral.apply(steps, args);
    };
    steps._processUpdate = (...args) => {
      if (this.fields > 0) throw new Error("a dynamic table size update after a header field");
      _processUpdate.apply(steps, args);
    };
  }

  /** The fields of one whole header block, in order; throws when it cannot be decoded. */
  decode(block: Uint8Array): Array<[string, string]> {
    if (this.failure) throw this.failure;
    this.fields = 0;
    this.decompressor.write(block);
    this.decompressor.execute();
    const fields: Array<[string, string]> = [];
    for (let field = this.decompressor.read(); field; field = this.decompressor.read()) {
      fields.push([field.name, field.value]);
    }
    if (this.failure) throw this.failure;
    return fields;
  }
}

/**
 * A header block whose fields are literals that are never indexed: it leaves the peer's dynamic table untouched, so
 * it can be encoded once and sent on any connection, in any order.
 */
export function headerBlock(fields: HeaderFields): Buffer {
  const compressor = hpack.compressor.create({ table: { maxSize: 0 } });
  compressor.write(fields.map(([name, value]) => ({ name, value, neverIndex: true, huffman: false })));
  const parts: Buffer[] = [];
  for (let part = compressor.read(); part; part = compressor.read()) parts.push(part);
  return Buffer.concat(parts);
}
