// Request bodies put together from the DATA frames they arrived in (connection.ts).

/** Bodies up to this size are assembled in one buffer shared by every connection and reused (`assembleBody`). */
const ASSEMBLY_BYTES = 1024 * 1024;
let assembly: Buffer | undefined;

/**
 * A body from the views of the socket's chunks its DATA frames arrived in: one chunk as it is, more copied into the
 * shared assembly buffer (larger bodies into one of their own). Why: a 1000-span request (~150 KB) put together in
 * a buffer of its own per request was an mmap, page faults and external memory for V8 to collect, for bytes the
 * agent copies into its staging slab at once anyway. Sharing is safe because a body is used synchronously.
 */
export function assembleBody(chunks: readonly Buffer[], size: number): Buffer {
  if (chunks.length === 1) return chunks[0] as Buffer;
  if (size > ASSEMBLY_BYTES) return Buffer.concat(chunks, size);
  assembly ??= Buffer.allocUnsafeSlow(ASSEMBLY_BYTES);
  let at = 0;
  for (const chunk of chunks) {
    assembly.set(chunk, at);
    at += chunk.length;
  }
  return assembly.subarray(0, size);
}
