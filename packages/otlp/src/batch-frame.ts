import { promisify } from "node:util";
import zlib from "node:zlib";
import type { BatchCompression, OtlpPayloadRef, TelemetryBatchHead } from "@syntra/contracts";
import { OtlpInputError } from "./errors";
import { compressChunkSize, decompressChunkSize, zlibChunkSize } from "./zlib-chunk";
import { nativeZstd, zstdCompress, zstdDecompress } from "./zstd";

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);
const brotliCompress = promisify(zlib.brotliCompress);
const brotliDecompress = promisify(zlib.brotliDecompress);

/** A `json+otlp` batch before compression: its head and the OTLP payloads its `otlp` entries describe. */
export interface BatchBody {
  head: TelemetryBatchHead;
  payloads: Uint8Array[];
}

/**
 * Lays out a `json+otlp` batch (see `telemetryBatchPayload` in the contracts): a 4-byte big-endian head length,
 * the head's JSON, then the payloads. Each `otlp` entry's `bytes` must be its payload's length. With `scratch`
 * large enough, the batch is laid out in it (a view of it is returned) rather than in a new buffer.
 */
export function encodeBatchBody({ head, payloads }: BatchBody, scratch?: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(head));
  let size = 4 + json.length;
  for (const p of payloads) size += p.length;
  const body = scratch && scratch.length >= size ? scratch.subarray(0, size) : Buffer.allocUnsafe(size);
  body.writeUInt32BE(json.length, 0);
  json.copy(body, 4);
  let offset = 4 + json.length;
  for (const p of payloads) {
    body.set(p, offset);
    offset += p.length;
  }
  return body;
}

/**
 * Lays out a `json+otlp` batch around payloads that already lie back to back in `slab` from `start` (copied there
 * as they arrived): the length and the head go into the room before them, and a view of the slab is returned.
 * Null when the payloads are not there in that order or the head does not fit: the caller copies (encodeBatchBody).
 */
export function encodeBatchBodyAround({ head, payloads }: BatchBody, slab: Buffer, start: number): Buffer | null {
  let end = slab.byteOffset + start;
  for (const p of payloads) {
    if (p.buffer !== slab.buffer || p.byteOffset !== end) return null;
    end += p.length;
  }
  const json = Buffer.from(JSON.stringify(head));
  const from = start - 4 - json.length;
  if (from < 0) return null;
  slab.writeUInt32BE(json.length, from);
  json.copy(slab, from + 4);
  return slab.subarray(from, end - slab.byteOffset);
}

/**
 * Splits a `json+otlp` batch into its head (parsed JSON, not yet checked against the contract) and payloads,
 * checking that the payload sizes the head declares account for the rest exactly.
 */
export function decodeBatchBody(body: Buffer): { head: unknown; payloads: (refs: OtlpPayloadRef[]) => Buffer[] } {
  if (body.length < 4) throw new OtlpInputError("batch shorter than its head length", 400);
  const headLength = body.readUInt32BE(0);
  if (4 + headLength > body.length) throw new OtlpInputError("batch head runs past the batch", 400);
  let head: unknown;
  try {
    head = JSON.parse(body.subarray(4, 4 + headLength).toString("utf8"));
  } catch (err) {
    throw new OtlpInputError(`batch head is not JSON: ${(err as Error).message}`, 400, { cause: err });
  }
  return {
    head,
    payloads: (refs) => {
      let offset = 4 + headLength;
      const out = refs.map((ref) => {
        const part = body.subarray(offset, offset + ref.bytes);
        offset += ref.bytes;
        return part;
      });
      if (offset !== body.length) {
        throw new OtlpInputError(`batch payloads declare ${offset} bytes, the batch has ${body.length}`, 400);
      }
      return out;
    },
  };
}

export type { BatchCompression };

/**
 * Compresses a batch body with zstd (level 1: the agent's CPU matters more than the bytes). Without zstd, with
 * brotli at quality 0 where the control plane takes it (`brotli`): on OTLP batches a third of gzip level 1's CPU
 * (10 vs 28 ms per 8.5 MB of spans, 4.5 vs 11 of log records) for 7% more bytes; else gzip level 1.
 */
export async function compressBatch(
  body: Buffer,
  opts: { brotli?: boolean } = {},
): Promise<{ compression: BatchCompression; data: Buffer }> {
  const zstd = await zstdCompress(body, 1);
  if (zstd) return { compression: "zstd", data: zstd };
  if (opts.brotli) {
    const params = { [zlib.constants.BROTLI_PARAM_QUALITY]: 0, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length };
    return {
      compression: "br",
      data: await brotliCompress(body, { params, chunkSize: compressChunkSize(body.length) }),
    };
  }
  return {
    compression: "gzip",
    data: await gzip(body, { level: 1, chunkSize: compressChunkSize(body.length) }),
  };
}

/**
 * Decompresses a batch's data to at most `maxBytes` (413 beyond, 400 when corrupt). `rawBytes` is the size the agent
 * declared: libzstd (4x faster than the pure-JS decoder) then decompresses it, and must produce exactly that; without
 * a declared size the bounded streaming decoder does. Only authenticated agents' batches come here; OTLP bodies from
 * apps always go through the bounded decoder (`decodeContentEncoding`).
 */
export async function decompressBatch(
  compression: BatchCompression,
  data: Buffer,
  maxBytes: number,
  rawBytes?: number,
): Promise<Buffer> {
  if (rawBytes !== undefined && rawBytes > maxBytes) {
    throw new OtlpInputError(`batch declares ${rawBytes} bytes, more than ${maxBytes}`, 413);
  }
  if (compression === "zstd") {
    const zstd = rawBytes === undefined ? null : await nativeZstd();
    if (!zstd) return zstdDecompress(data, maxBytes);
    let out: Buffer;
    try {
      out = await zstd.decompress(data);
    } catch (err) {
      throw new OtlpInputError(`invalid zstd batch: ${(err as Error).message}`, 400, { cause: err });
    }
    if (out.length !== rawBytes)
      throw new OtlpInputError(`batch is ${out.length} bytes, not the ${rawBytes} declared`, 400);
    return out;
  }
  let out: Buffer;
  try {
    // One output chunk when the size is declared (+1: a full chunk would make zlib ask for another before it ends).
    const chunkSize = rawBytes === undefined ? decompressChunkSize(data.length, maxBytes) : zlibChunkSize(rawBytes + 1);
    out = await (compression === "br" ? brotliDecompress : gunzip)(data, { maxOutputLength: maxBytes, chunkSize });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new OtlpInputError(`batch decompresses to more than ${maxBytes} bytes`, 413, { cause: err });
    }
    throw new OtlpInputError(`invalid ${compression} batch: ${(err as Error).message}`, 400, { cause: err });
  }
  if (rawBytes !== undefined && out.length !== rawBytes) {
    throw new OtlpInputError(`batch is ${out.length} bytes, not the ${rawBytes} declared`, 400);
  }
  return out;
}

/**
 * A brotli batch compressed again for a control plane that does not take brotli (the agent cut it while connected
 * to one that did): zstd where it is available, else gzip.
 */
export async function recompressBatch(
  data: Buffer,
  rawBytes: number,
): Promise<{ compression: BatchCompression; data: Buffer }> {
  return compressBatch(await decompressBatch("br", data, rawBytes, rawBytes));
}
