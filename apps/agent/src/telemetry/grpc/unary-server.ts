import type { Socket } from "node:net";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { type Http2Request, Http2ServerConnection } from "./connection";
import type { ErrorCode } from "./frames";
import { headerBlock } from "./hpack";

/** gRPC status codes (grpc/doc/statuscodes.md) the receiver answers with. */
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

export interface GrpcStatus {
  code: GrpcCode;
  message?: string;
}

export interface UnaryCall {
  /**
   * The request message, decompressed, as the client serialized it. Valid until the handler returns or first awaits
   * (it may lie in the buffer the connections assemble bodies in): copy what must last longer.
   */
  message: Buffer;
  /** A metadata value (lower-case name). */
  metadata(name: string): string | undefined;
}

/** A method's implementation; its response message is empty (as every OTLP Export*ServiceResponse of a success). */
export type UnaryHandler = (call: UnaryCall) => GrpcStatus | Promise<GrpcStatus>;

export interface GrpcUnaryServerOptions {
  /** Handlers by method path (`/package.Service/Method`). */
  methods: ReadonlyMap<string, UnaryHandler>;
  /** The largest request message, on the wire and after decompression. */
  maxMessageBytes: number;
  onConnectionError?(code: ErrorCode, reason: string): void;
  /** A connection with no open stream that stays silent this long is closed with GOAWAY (5 minutes by default). */
  idleTimeoutMs?: number;
  /** A call refused before any handler ran (size, framing, compression, unknown method), for the agent's counters. */
  onRefused?(): void;
}

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const DECOMPRESSORS: Record<string, (bytes: Buffer, options: zlib.ZlibOptions) => Promise<Buffer>> = {
  gzip: gunzip,
  deflate: inflate,
};
const ACCEPT_ENCODING = "identity,deflate,gzip";

const OK_HEADERS = headerBlock([
  [":status", "200"],
  ["content-type", "application/grpc"],
  ["grpc-accept-encoding", ACCEPT_ENCODING],
]);
/** The empty response message: not compressed, zero bytes long. */
const EMPTY_MESSAGE = Buffer.alloc(5);
const OK_TRAILERS = headerBlock([["grpc-status", "0"]]);
const NOT_GRPC_HEADERS = headerBlock([
  [":status", "415"],
  ["content-type", "text/plain; charset=utf-8"],
]);
const NOT_GRPC_BODY = Buffer.from(
  "This is an OTLP/gRPC endpoint: it takes gRPC requests (content-type application/grpc).\n",
);

/**
 * A gRPC server for unary methods whose responses are empty, over HTTP/2 connections of our own (connection.ts):
 * what the OTLP collector services need (gRPC over HTTP/2, grpc/doc/PROTOCOL-HTTP2.md). It answers the way grpc-js
 * does: RESOURCE_EXHAUSTED past the message size (checked again after decompression, which stops at the limit),
 * UNIMPLEMENTED for an unknown method or compression, HTTP 415 for a request that is not gRPC.
 */
export class GrpcUnaryServer {
  /** Open connections, each with the promise of its socket's close. */
  private readonly connections = new Map<Http2ServerConnection, Promise<void>>();

  constructor(private readonly options: GrpcUnaryServerOptions) {}

  /** Serves a connection accepted elsewhere (its bytes unread). */
  handle(socket: Socket): void {
    const connection = new Http2ServerConnection(socket, {
      // The length prefix rides along with the message.
      maxBodyBytes: this.options.maxMessageBytes + 5,
      maxConcurrentStreams: 100,
      // Windows wider than HTTP/2's 64 KiB let a 1000-span request (~150 KB) arrive in one go.
      streamWindowBytes: 4 * 1024 * 1024,
      connectionWindowBytes: 16 * 1024 * 1024,
      maxHeaderListBytes: 16 * 1024,
      idleTimeoutMs: this.options.idleTimeoutMs ?? 5 * 60_000,
      onRequest: (request) => this.serve(request),
      ...(this.options.onConnectionError && { onConnectionError: this.options.onConnectionError }),
    });
    const closed = new Promise<void>((resolve) =>
      socket.once("close", () => {
        this.connections.delete(connection);
        resolve();
      }),
    );
    this.connections.set(connection, closed);
  }

  /** GOAWAY to every connection; those still open after `graceMs` (streams still being answered) are cut. */
  async close(graceMs: number): Promise<void> {
    for (const connection of this.connections.keys()) connection.shutdown();
    const deadline = setTimeout(() => {
      for (const connection of this.connections.keys()) connection.destroy();
    }, graceMs);
    await Promise.all(this.connections.values());
    clearTimeout(deadline);
  }

  private serve(request: Http2Request): void {
    const { headers } = request;
    const contentType = headers.get("content-type") ?? "";
    if (headers.get(":method") !== "POST" || !/^application\/grpc(\+|;|$)/.test(contentType)) {
      this.options.onRefused?.();
      request.respond(NOT_GRPC_HEADERS, NOT_GRPC_BODY);
      return;
    }
    const handler = this.options.methods.get(headers.get(":path") ?? "");
    if (!handler) {
      answer(request, this.refuse(GrpcCode.UNIMPLEMENTED, "unknown method"));
      return;
    }
    this.call(request, handler).then(
      (status) => answer(request, status),
      () => answer(request, { code: GrpcCode.INTERNAL, message: "the request could not be served" }),
    );
  }

  private async call(request: Http2Request, handler: UnaryHandler): Promise<GrpcStatus> {
    const { body, headers } = request;
    const max = this.options.maxMessageBytes;
    const tooLarge = (what: string) =>
      this.refuse(GrpcCode.RESOURCE_EXHAUSTED, `the request message is too large (${what}; the limit is ${max})`);
    if (!body) return tooLarge("longer on the wire");
    if (body.length < 5) return this.refuse(GrpcCode.INTERNAL, "no request message");
    const compressed = body[0] === 1;
    const length = body.readUInt32BE(1);
    if (body[0] !== 0 && !compressed) return this.refuse(GrpcCode.INTERNAL, "an unknown message flag");
    if (length > max) return tooLarge(`${length} bytes`);
    if (length !== body.length - 5)
      return this.refuse(GrpcCode.INTERNAL, "the body is not one length-prefixed message");
    let message = body.subarray(5);
    if (compressed) {
      const encoding = headers.get("grpc-encoding") ?? "identity";
      const decompress = DECOMPRESSORS[encoding];
      if (encoding === "identity") return this.refuse(GrpcCode.INTERNAL, "a compressed message without grpc-encoding");
      if (!decompress) return this.refuse(GrpcCode.UNIMPLEMENTED, `the ${encoding} compression is not supported`);
      try {
        // A copy to decompress from: the body's memory is reused while the decompression runs on zlib's thread.
        message = await decompress(Buffer.from(message), { maxOutputLength: max });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") return tooLarge("larger once decompressed");
        return this.refuse(GrpcCode.INTERNAL, "the message could not be decompressed");
      }
    }
    return await handler({ message, metadata: (name) => headers.get(name) });
  }

  private refuse(code: GrpcCode, message: string): GrpcStatus {
    this.options.onRefused?.();
    return { code, message };
  }
}

function answer(request: Http2Request, status: GrpcStatus): void {
  if (status.code === GrpcCode.OK) {
    request.respond(OK_HEADERS, EMPTY_MESSAGE, OK_TRAILERS);
    return;
  }
  // Trailers-only: one header block carries the status.
  request.respond(
    headerBlock([
      [":status", "200"],
      ["content-type", "application/grpc"],
      ["grpc-accept-encoding", ACCEPT_ENCODING],
      ["grpc-status", String(status.code)],
      ...(status.message ? ([["grpc-message", percentEncode(status.message)]] as const) : []),
    ]),
  );
}

/** grpc-message's encoding: UTF-8, with bytes outside printable ASCII and "%" as %XX; cut to keep headers small. */
function percentEncode(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text.slice(0, 512))) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
