import zlib from "node:zlib";
import { Decompress } from "fzstd";
import { OtlpInputError } from "./errors";
import { compressChunkSize } from "./zlib-chunk";

interface NativeZstd {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

let native: Promise<NativeZstd | null> | undefined;

/**
 * The native zstd (`@mongodb-js/zstd`, libzstd through N-API), or null where its add-on cannot be loaded (the
 * agent's single-file bundle on a server without it): callers then fall back to gzip for compression and to
 * the pure-JS decoder for decompression.
 */
export function nativeZstd(): Promise<NativeZstd | null> {
  native ??= loadZstd().catch(() => null);
  return native;
}

/**
 * The add-on's N-API functions. Its `index.js` wrapper drops compress's `level` argument (1.2.2), so every level
 * compressed at libzstd's default 3: twice the CPU of level 1 on OTLP batches. The bindings take it.
 */
type ZstdBindings = {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
};

/**
 * `require` where the code runs as CommonJS (the agent's bundle), `import()` in ESM. In CommonJS, `import()`
 * brings up Node's whole ESM loader (~0.7 MB of an idle agent's RSS) only to find no add-on beside the bundle.
 */
async function loadZstd(): Promise<NativeZstd> {
  const bindings = (
    typeof require === "function" ? require("@mongodb-js/zstd/bindings") : await import("@mongodb-js/zstd/bindings.js")
  ) as ZstdBindings;
  // Errors made by N-API carry no JS stack: rethrown as ours, with one.
  const wrap =
    <A extends unknown[]>(fn: (...args: A) => Promise<Buffer>) =>
    (...args: A) =>
      fn(...args).catch((err: unknown) => {
        throw new Error(`zstd: ${(err as Error).message}`);
      });
  return { compress: wrap(bindings.compress), decompress: wrap(bindings.decompress) };
}

/** zstd's frame magic number, little-endian on the wire. */
const MAGIC = 0xfd2fb528;

/**
 * The decompressed size of zstd data that is exactly one frame declaring its content size (Frame_Content_Size,
 * RFC 8878 section 3.1.1), else null. Walks the frame header and the block headers (3 bytes each) to check that
 * nothing follows the frame: libzstd would decompress a second, undeclared frame without a bound.
 */
export function zstdSingleFrameSize(data: Uint8Array): number | null {
  if (data.length < 6) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint32(0, true) !== MAGIC) return null;
  const descriptor = data[4] ?? 0;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const checksum = (descriptor >> 2) & 1;
  const dictIdBytes = [0, 1, 2, 4][descriptor & 3] ?? 0;
  let pos = 5 + (singleSegment ? 0 : 1) + dictIdBytes;
  const fcsBytes = fcsFlag === 0 ? singleSegment : ([1, 2, 4, 8][fcsFlag] ?? 0);
  if (fcsBytes === 0 || data.length < pos + fcsBytes) return null;
  let size: number;
  if (fcsBytes === 1) size = data[pos] ?? 0;
  else if (fcsBytes === 2) size = view.getUint16(pos, true) + 256;
  else if (fcsBytes === 4) size = view.getUint32(pos, true);
  else size = view.getUint32(pos + 4, true) * 2 ** 32 + view.getUint32(pos, true);
  pos += fcsBytes;
  for (;;) {
    if (pos + 3 > data.length) return null;
    const header = (data[pos] ?? 0) | ((data[pos + 1] ?? 0) << 8) | ((data[pos + 2] ?? 0) << 16);
    const type = (header >> 1) & 3;
    if (type === 3) return null;
    pos += 3 + (type === 1 ? 1 : header >>> 3);
    if (header & 1) break;
  }
  return pos + (checksum ? 4 : 0) === data.length ? size : null;
}

/**
 * Decompresses zstd data to at most `maxBytes`, streaming with the pure-JS decoder so that a small body claiming
 * (or expanding to) gigabytes is refused after `maxBytes`, never allocated: OtlpInputError 413. Bad data: 400.
 */
export function zstdDecompressBounded(data: Uint8Array, maxBytes: number): Buffer {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const decoder = new Decompress((chunk) => {
    total += chunk.length;
    if (total > maxBytes) throw new OtlpInputError(`zstd body decompresses to more than ${maxBytes} bytes`, 413);
    chunks.push(chunk);
  });
  const step = 64 * 1024;
  try {
    for (let offset = 0; offset < data.length; offset += step) {
      decoder.push(data.subarray(offset, offset + step), offset + step >= data.length);
    }
  } catch (err) {
    if (err instanceof OtlpInputError) throw err;
    throw new OtlpInputError(`invalid zstd data: ${(err as Error).message}`, 400, { cause: err });
  }
  return Buffer.concat(chunks, total);
}

/**
 * Decompresses zstd to at most `maxBytes`: with libzstd when the data is one frame that declares a size within
 * the limit (libzstd checks the frame produces exactly that), else with the bounded streaming decoder.
 */
export async function zstdDecompress(data: Uint8Array, maxBytes: number): Promise<Buffer> {
  const declared = zstdSingleFrameSize(data);
  if (declared !== null && declared > maxBytes) {
    throw new OtlpInputError(`zstd body declares ${declared} bytes, more than ${maxBytes}`, 413);
  }
  const zstd = declared === null ? null : await nativeZstd();
  if (!zstd) return zstdDecompressBounded(data, maxBytes);
  try {
    return await zstd.decompress(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  } catch (err) {
    throw new OtlpInputError(`invalid zstd data: ${(err as Error).message}`, 400, { cause: err });
  }
}

/** node:zlib's zstd compressor, in Node 22.15 and later (its types are not in @types/node 20). */
type ZlibZstdCompress = (
  data: Buffer,
  options: { params: Record<number, number>; pledgedSrcSize: number; chunkSize: number },
  callback: (err: Error | null, out: Buffer) => void,
) => void;

const zlibZstd = (zlib as unknown as { zstdCompress?: ZlibZstdCompress }).zstdCompress;
/** ZSTD_c_compressionLevel (zstd.h), the same in every Node that has zlib's zstd. */
const ZSTD_C_COMPRESSION_LEVEL = 100;

/**
 * Compresses with libzstd: the native add-on where it loads, else node:zlib's zstd (Node 22.15 and later: the
 * agent's single-file bundle as installed, which runs on Node 24 where the system's Node is older, has no add-on);
 * null with neither (the caller falls back to gzip). The frame declares its size either way, so the control plane
 * decompresses it with libzstd, bounded by that size.
 */
export async function zstdCompress(data: Buffer, level = 3): Promise<Buffer | null> {
  const zstd = await nativeZstd();
  return zstd ? zstd.compress(data, level) : zlibZstdCompress(data, level);
}

/** Compresses with node:zlib's zstd, the frame declaring its size; null in a Node without it (before 22.15). */
export function zlibZstdCompress(data: Buffer, level: number): Promise<Buffer> | null {
  const compress = zlibZstd;
  if (!compress) return null;
  return new Promise((resolve, reject) => {
    const options = {
      params: { [ZSTD_C_COMPRESSION_LEVEL]: level },
      pledgedSrcSize: data.length,
      chunkSize: compressChunkSize(data.length),
    };
    compress(data, options, (err, out) => (err ? reject(err) : resolve(out)));
  });
}
