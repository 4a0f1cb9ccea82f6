import { Readable } from "node:stream";
import type { FastifyInstance, FastifyRequest } from "fastify";

const raw = new WeakMap<FastifyRequest, Buffer>();

/** The request body's bytes as received, for routes under `prefix` (webhook signatures are over them). */
export function keepRawBodies(app: FastifyInstance, prefix: string, limitBytes: number): void {
  app.addHook("preParsing", async (req, _reply, payload) => {
    if (!req.url.startsWith(prefix)) return payload;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of payload) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += buf.length;
      if (size > limitBytes) {
        throw Object.assign(new Error("Request body is too large"), {
          statusCode: 413,
          code: "FST_ERR_CTP_BODY_TOO_LARGE",
        });
      }
      chunks.push(buf);
    }
    const body = Buffer.concat(chunks);
    raw.set(req, body);
    // Fastify reads the length of what it parses from this property of the replacement stream.
    return Object.assign(Readable.from([body]), { receivedEncodedLength: body.length });
  });
}

/** The raw body kept by keepRawBodies; empty when there was none. */
export function rawBodyOf(req: FastifyRequest): Buffer {
  return raw.get(req) ?? Buffer.alloc(0);
}
