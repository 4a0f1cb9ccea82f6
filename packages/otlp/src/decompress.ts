import { promisify } from "node:util";
import zlib from "node:zlib";
import { OtlpInputError } from "./errors";
import { decompressChunkSize } from "./zlib-chunk";
import { zstdDecompress } from "./zstd";

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotli = promisify(zlib.brotliDecompress);

/** Content-Encodings an OTLP/HTTP receiver accepts. */
export const SUPPORTED_ENCODINGS = ["identity", "gzip", "x-gzip", "deflate", "zstd", "br"] as const;

/**
 * Decodes a request body by its Content-Encoding to at most `maxBytes` (the decompressed-size limit that guards
 * against decompression bombs, as the Collector's fix for GHSA-c74f-6mfw-mm4v does): 413 beyond it, 400 for
 * corrupt data, 415 for an encoding not supported.
 */
export async function decodeContentEncoding(
  body: Buffer,
  encoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const name = (encoding ?? "identity").trim().toLowerCase() || "identity";
  // A few output chunks rather than one per 16 KiB (each a turn of the main thread; see zlibChunkSize).
  const chunkSize = decompressChunkSize(body.length, maxBytes);
  try {
    switch (name) {
      case "identity":
        if (body.length > maxBytes) throw new OtlpInputError(`body is larger than ${maxBytes} bytes`, 413);
        return body;
      case "gzip":
      case "x-gzip":
        return await gunzip(body, { maxOutputLength: maxBytes, chunkSize });
      case "deflate":
        return await inflate(body, { maxOutputLength: maxBytes, chunkSize });
      case "br":
        return await brotli(body, { maxOutputLength: maxBytes, chunkSize });
      case "zstd":
        return await zstdDecompress(body, maxBytes);
      default:
        throw new OtlpInputError(
          `Content-Encoding ${name} is not supported (use ${SUPPORTED_ENCODINGS.join(", ")})`,
          415,
        );
    }
  } catch (err) {
    if (err instanceof OtlpInputError) throw err;
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new OtlpInputError(`${name} body decompresses to more than ${maxBytes} bytes`, 413, { cause: err });
    }
    throw new OtlpInputError(`invalid ${name} data: ${(err as Error).message}`, 400, { cause: err });
  }
}
