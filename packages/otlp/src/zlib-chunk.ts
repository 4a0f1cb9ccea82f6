import zlib from "node:zlib";

/**
 * node:zlib's `chunkSize` for a one-shot (de)compression whose output is expected to be about `expectedBytes`.
 * The default, 16 KiB, makes the thread-pool job stop each time that much output is ready and come back to the
 * main thread for the next buffer: an 8.5 MB batch decompressed in ~530 such turns (45 ms of CPU, 21 of them on the
 * main thread; one chunk: 15 and 1.5 ms), and compressed with brotli quality 0 in ~80 (15-18 vs 10 ms, the main
 * thread's share 3-5 vs 1 ms). Output beyond it still comes, in further chunks of this size.
 */
export function zlibChunkSize(expectedBytes: number): number {
  return Math.max(zlib.constants.Z_DEFAULT_CHUNK, Math.ceil(expectedBytes));
}

/** What OTLP batches shrink by at the levels the agent uses, roughly: 5x (spans) to 15x (log records). */
const COMPRESSION_RATIO = 8;

/** The chunk size for compressing `inputBytes` of OTLP. */
export function compressChunkSize(inputBytes: number): number {
  return zlibChunkSize(inputBytes / COMPRESSION_RATIO);
}

/** The chunk size for decompressing `inputBytes` of OTLP whose output may not exceed `maxBytes`. */
export function decompressChunkSize(inputBytes: number, maxBytes: number): number {
  return zlibChunkSize(Math.min(maxBytes, inputBytes * COMPRESSION_RATIO));
}
