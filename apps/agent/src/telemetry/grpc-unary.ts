import type * as Http2 from "node:http2";
import { decodeContentEncoding, OtlpInputError } from "@syntra/otlp";

/** gRPC status codes this server answers with (google.rpc.Code). */
export const GrpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

/** A call's outcome: OK with a response message, or a status code and message. */
export type UnaryResult = { code: 0; response: Buffer } | { code: Exclude<GrpcCode, 0>; message: string };

/** One unary method: what it accepts before reading the body, and what it does with the request message. */
export interface UnaryMethod {
  /** Called with the request's headers (metadata) before the body is read; a result here ends the call. */
  admit(header: (name: string) => string | undefined): { ok: true; context: unknown } | UnaryResult;
  /** Called with the request message (decompressed); `context` is admit's. */
  call(message: Buffer, context: unknown): Promise<UnaryResult>;
}

/** grpc-encoding values accepted for request messages (gRPC's names; the same codecs as HTTP's). */
const ENCODINGS = ["identity", "gzip", "deflate", "zstd"];
const ACCEPT_ENCODING = ENCODINGS.join(",");
const PREFIX = 5;

/**
 * A gRPC server for unary methods over Node's own HTTP/2 (the gRPC over HTTP/2 protocol: length-prefixed messages,
 * status in trailers, per-message compression by `grpc-encoding`). Requests are handed over as the bytes that
 * arrived, undecoded. The OTLP receiver only needs unary calls, and this costs about a third less CPU per request
 * than grpc-js's general server (bench:ingest, agent-perf note). Message size is bounded before and after
 * decompression.
 */
export class GrpcUnaryServer {
  readonly server: Http2.Http2Server;
  private readonly sessions = new Set<Http2.ServerHttp2Session>();

  constructor(
    http2: typeof Http2,
    private readonly methods: ReadonlyMap<string, UnaryMethod>,
    private readonly maxMessageBytes: number,
    /** Called for every call answered with an error (whatever the reason): the receiver counts refusals. */
    private readonly onRefused: () => void = () => undefined,
  ) {
    const MiB = 1024 * 1024;
    this.server = http2.createServer({
      settings: { maxConcurrentStreams: 100, initialWindowSize: MiB },
      // Room for a few requests of the largest size at once (the default, 10 MB, would refuse them).
      maxSessionMemory: Math.max(10, Math.ceil((4 * maxMessageBytes) / MiB)),
    });
    this.server.on("session", (session) => {
      this.sessions.add(session);
      session.once("close", () => this.sessions.delete(session));
      session.on("error", () => session.destroy());
      // A connection-wide window as large as a few requests: fewer WINDOW_UPDATE round trips per request.
      session.setLocalWindowSize(8 * MiB);
    });
    this.server.on("stream", (stream, headers) => this.onStream(stream, headers));
  }

  /** Ends every connection: calls in progress get a moment to finish, then are cut. */
  async close(graceMs = 2000): Promise<void> {
    const closing = [...this.sessions].map(
      (session) =>
        new Promise<void>((resolve) => {
          session.close(() => resolve());
          setTimeout(() => {
            session.destroy();
            resolve();
          }, graceMs).unref();
        }),
    );
    await Promise.all(closing);
  }

  private onStream(stream: Http2.ServerHttp2Stream, headers: Http2.IncomingHttpHeaders): void {
    // A client that resets its stream must not take the agent down.
    stream.on("error", () => undefined);
    const routed = this.route(headers);
    if (typeof routed === "number") {
      this.http(stream, routed);
      return;
    }
    if ("code" in routed) {
      this.answer(stream, routed);
      return;
    }
    const { method, encoding } = routed;
    const admitted = method.admit((name) => {
      const value = headers[name];
      return Array.isArray(value) ? value[0] : value;
    });
    if (!("ok" in admitted)) {
      this.answer(stream, admitted);
      return;
    }
    this.readMessage(stream).then(
      async (read) => {
        if ("code" in read) return this.answer(stream, read);
        const message = read.compressed ? await this.decompress(read.message, encoding) : read.message;
        if (!Buffer.isBuffer(message)) return this.answer(stream, message);
        this.answer(stream, await method.call(message, admitted.context));
      },
      () => this.fail(stream, GrpcCode.INTERNAL, "the request could not be read"),
    );
  }

  /** The method a request calls and its message encoding; an HTTP status or a gRPC refusal when it cannot be served. */
  private route(
    headers: Http2.IncomingHttpHeaders,
  ): { method: UnaryMethod; encoding: string } | Exclude<UnaryResult, { code: 0 }> | number {
    if (headers[":method"] !== "POST") return 405;
    if (!String(headers["content-type"] ?? "").startsWith("application/grpc")) return 415;
    const path = String(headers[":path"] ?? "");
    const method = this.methods.get(path);
    if (!method) return { code: GrpcCode.UNIMPLEMENTED, message: `unknown method ${path}` };
    const encoding = String(headers["grpc-encoding"] ?? "identity").toLowerCase();
    if (!ENCODINGS.includes(encoding)) {
      return { code: GrpcCode.UNIMPLEMENTED, message: `grpc-encoding ${encoding} is not supported` };
    }
    return { method, encoding };
  }

  /** Reads the request's one length-prefixed message, refusing it as soon as its declared length is too large. */
  private readMessage(
    stream: Http2.ServerHttp2Stream,
  ): Promise<{ compressed: boolean; message: Buffer } | Exclude<UnaryResult, { code: 0 }>> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let received = 0;
      let declared = -1;
      const onData = (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        if (declared < 0 && received >= PREFIX) {
          const head = chunks.length === 1 ? chunk : Buffer.concat(chunks);
          declared = head.readUInt32BE(1);
          if (declared > this.maxMessageBytes) {
            stream.off("data", onData);
            resolve({
              code: GrpcCode.RESOURCE_EXHAUSTED,
              message: `request message of ${declared} bytes is larger than ${this.maxMessageBytes}`,
            });
          }
        }
        if (received > PREFIX + Math.max(declared, 0) && declared >= 0) {
          stream.off("data", onData);
          resolve({ code: GrpcCode.INVALID_ARGUMENT, message: "a unary call carries exactly one request message" });
        }
      };
      stream.on("data", onData);
      stream.once("error", reject);
      stream.once("end", () => {
        if (declared < 0 || received !== PREFIX + declared) {
          return resolve({ code: GrpcCode.INVALID_ARGUMENT, message: "the request message is cut short or missing" });
        }
        const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received);
        resolve({ compressed: all[0] === 1, message: all.subarray(PREFIX) });
      });
    });
  }

  private async decompress(message: Buffer, encoding: string): Promise<Buffer | Exclude<UnaryResult, { code: 0 }>> {
    if (encoding === "identity") {
      return { code: GrpcCode.INTERNAL, message: "compressed message without a grpc-encoding" };
    }
    try {
      return await decodeContentEncoding(message, encoding, this.maxMessageBytes);
    } catch (err) {
      if (!(err instanceof OtlpInputError)) throw err;
      const code = err.status === 413 ? GrpcCode.RESOURCE_EXHAUSTED : GrpcCode.INVALID_ARGUMENT;
      return { code, message: err.message };
    }
  }

  private answer(stream: Http2.ServerHttp2Stream, result: UnaryResult): void {
    if (result.code !== GrpcCode.OK) {
      this.fail(stream, result.code, result.message);
      return;
    }
    if (stream.destroyed || stream.headersSent) return;
    const frame = Buffer.alloc(PREFIX + result.response.length);
    frame.writeUInt32BE(result.response.length, 1);
    result.response.copy(frame, PREFIX);
    stream.respond(
      { ":status": 200, "content-type": "application/grpc", "grpc-accept-encoding": ACCEPT_ENCODING },
      { waitForTrailers: true },
    );
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(frame);
  }

  /** A Trailers-Only answer: the status in the one HEADERS frame; what the client still sends is not read. */
  private fail(stream: Http2.ServerHttp2Stream, code: GrpcCode, message: string): void {
    this.onRefused();
    if (stream.destroyed || stream.headersSent) return;
    stream.respond(
      {
        ":status": 200,
        "content-type": "application/grpc",
        "grpc-accept-encoding": ACCEPT_ENCODING,
        "grpc-status": String(code),
        "grpc-message": percentEncode(message),
      },
      { endStream: true },
    );
    stream.resume();
  }

  private http(stream: Http2.ServerHttp2Stream, status: number): void {
    this.onRefused();
    if (stream.destroyed || stream.headersSent) return;
    stream.respond({ ":status": status }, { endStream: true });
    stream.resume();
  }
}

/** grpc-message's Percent-Encoded form: bytes outside printable ASCII, and '%', as %XX of their UTF-8. */
function percentEncode(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
