import { promisify } from "node:util";
import zlib from "node:zlib";

const inflaters = {
  gzip: promisify(zlib.gunzip),
  "x-gzip": promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
} as const;

/** Why a body could not be decompressed. */
export class DecompressError extends Error {
  override readonly name = "DecompressError";
  constructor(
    message: string,
    readonly tooLarge: boolean,
  ) {
    super(message);
  }
}

/**
 * A request body decoded per its `Content-Encoding` (gzip, deflate, br, or none; a list is undone right to left).
 * zlib stops at `maxBytes` of output, so a decompression bomb costs at most that much memory before it is refused.
 */
export async function decompressBody(
  body: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const encodings = (contentEncoding ?? "")
    .split(",")
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== "" && e !== "identity");
  let out = body;
  for (const encoding of encodings.reverse()) {
    const inflate = inflaters[encoding as keyof typeof inflaters];
    if (!inflate)
      throw new DecompressError(`unsupported Content-Encoding '${encoding}' (gzip, deflate and br are)`, false);
    try {
      out = await inflate(out, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) {
        throw new DecompressError(`the body decompresses to more than ${maxBytes} bytes`, true);
      }
      // deflate: some clients send raw deflate without the zlib header.
      if (encoding === "deflate") {
        try {
          out = await promisify(zlib.inflateRaw)(out, { maxOutputLength: maxBytes });
          continue;
        } catch {
          // report the first error below
        }
      }
      throw new DecompressError(`the body is not valid ${encoding}`, false);
    }
  }
  if (out.length > maxBytes) throw new DecompressError(`the body is larger than ${maxBytes} bytes`, true);
  return out;
}
