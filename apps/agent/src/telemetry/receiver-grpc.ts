import net from "node:net";
import { OTLP_GRPC_PATHS, OTLP_SIGNALS, type OtlpSignal } from "@syntra/otlp";
import type { Logger } from "pino";
import { GrpcCode, GrpcUnaryServer, type UnaryMethod, type UnaryResult } from "./grpc-unary";
import { keyFromHeaders } from "./ingest-keys";
import type { IntakeResult, TelemetryIntake } from "./intake";

/** An empty Export*ServiceResponse (zero bytes in protobuf). */
const EMPTY = Buffer.alloc(0);

function grpcCode(status: Extract<IntakeResult, { ok: false }>["status"]): Exclude<GrpcCode, 0> {
  switch (status) {
    case 400:
    case 415:
      return GrpcCode.INVALID_ARGUMENT;
    case 413:
      return GrpcCode.RESOURCE_EXHAUSTED;
    case 401:
      return GrpcCode.UNAUTHENTICATED;
    case 503:
      return GrpcCode.UNAVAILABLE;
    default: {
      const unknown: never = status;
      return unknown;
    }
  }
}

/**
 * OTLP/gRPC (the TraceService, LogsService and MetricsService `Export` methods, at the official protos' paths;
 * gzip, deflate or zstd as gRPC negotiates it): OK, INVALID_ARGUMENT for undecodable data, UNAUTHENTICATED without
 * a valid ingest key (metadata `x-syntra-key` or `authorization: Bearer`), RESOURCE_EXHAUSTED for a message over
 * the size limit (before or after decompression), UNAVAILABLE when the agent pushes back (retryable, as the OTLP
 * specification says). Requests are kept as the bytes that arrived: the agent forwards them without decoding.
 *
 * The port is a plain TCP listener; HTTP/2 is loaded when the first connection arrives, and every connection is
 * handed to it unread (`pauseOnConnect`). An agent whose apps send no OTLP/gRPC never loads it.
 */
export class OtlpGrpcReceiver {
  private readonly listeners: net.Server[] = [];
  /** Connections accepted while HTTP/2 loads, ended if the receiver closes first. */
  private readonly waiting = new Set<net.Socket>();
  private serving: Promise<GrpcUnaryServer> | undefined;
  private closed = false;

  constructor(
    private readonly intake: TelemetryIntake,
    private readonly maxMessageBytes: number,
    private readonly logger: Logger,
  ) {}

  /** Listens on each host at `port` (0: a free port, the same for all); resolves with the bound addresses. */
  async listen(hosts: readonly string[], port: number): Promise<string[]> {
    const bound: string[] = [];
    let chosen = port;
    for (const host of hosts) {
      const listener = net.createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
      await new Promise<void>((resolve, reject) => {
        listener.once("error", reject);
        listener.listen(chosen, host, () => {
          listener.off("error", reject);
          resolve();
        });
      });
      this.listeners.push(listener);
      chosen = (listener.address() as net.AddressInfo).port;
      bound.push(`${host.includes(":") ? `[${host}]` : host}:${chosen}`);
    }
    return bound;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve()))));
    for (const socket of this.waiting) socket.destroy();
    const serving = await this.serving?.catch(() => undefined);
    await serving?.close();
  }

  private accept(socket: net.Socket): void {
    this.waiting.add(socket);
    socket.once("close", () => this.waiting.delete(socket));
    this.load().then(
      (serving) => {
        this.waiting.delete(socket);
        if (this.closed || socket.destroyed) return void socket.destroy();
        serving.server.emit("connection", socket);
        socket.resume();
      },
      (err: unknown) => {
        this.logger.error({ err }, "OTLP/gRPC could not start: connection refused");
        socket.destroy();
      },
    );
  }

  private load(): Promise<GrpcUnaryServer> {
    this.serving ??= import("node:http2").then((http2) => {
      const methods = new Map(OTLP_SIGNALS.map((signal) => [OTLP_GRPC_PATHS[signal], this.method(signal)]));
      return new GrpcUnaryServer(http2, methods, this.maxMessageBytes, () => this.intake.refused());
    });
    return this.serving;
  }

  private method(signal: OtlpSignal): UnaryMethod {
    // Counted as refused by the server, like its own refusals (unknown method, oversized message ...).
    const refuse = (result: Extract<IntakeResult, { ok: false }>): UnaryResult => ({
      code: grpcCode(result.status),
      message: result.message,
    });
    return {
      admit: (header) => {
        const auth = this.intake.authenticate(keyFromHeaders(header));
        if ("ok" in auth) return refuse(auth as Extract<IntakeResult, { ok: false }>);
        return { ok: true, context: auth.serviceId };
      },
      call: async (message, context) => {
        const bytes = message.length;
        if (!this.intake.reserve(bytes)) {
          return refuse({ ok: false, status: 503, message: "the agent is busy; retry shortly" });
        }
        try {
          const result = await this.intake.acceptOtlp(context as string, signal, message);
          return result.ok ? { code: GrpcCode.OK, response: EMPTY } : refuse(result);
        } catch (err) {
          this.logger.error({ err, signal }, "OTLP/gRPC request failed");
          return refuse({ ok: false, status: 503, message: "the agent could not buffer this request" });
        } finally {
          this.intake.release(bytes);
        }
      },
    };
  }
}
