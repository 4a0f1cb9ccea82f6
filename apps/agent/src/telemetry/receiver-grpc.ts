import net from "node:net";
import { OTLP_GRPC_PATHS, OTLP_SIGNALS, type OtlpSignal } from "@syntra/otlp";
import type { Logger } from "pino";
import type { GrpcStatus, GrpcUnaryServer, UnaryHandler } from "./grpc/unary-server";
import { keyFromHeaders } from "./ingest-keys";
import type { IntakeResult, TelemetryIntake } from "./intake";

type UnaryServerModule = typeof import("./grpc/unary-server");

function grpcStatus({ GrpcCode }: UnaryServerModule, result: Extract<IntakeResult, { ok: false }>): GrpcStatus {
  switch (result.status) {
    case 400:
    case 413:
    case 415:
      return { code: GrpcCode.INVALID_ARGUMENT, message: result.message };
    case 401:
      return { code: GrpcCode.UNAUTHENTICATED, message: result.message };
    case 503:
      return { code: GrpcCode.UNAVAILABLE, message: result.message };
    default: {
      const unknown: never = result.status;
      return unknown;
    }
  }
}

/**
 * OTLP/gRPC (the TraceService, LogsService and MetricsService `Export` methods, unary; gzip and deflate as gRPC
 * negotiates them): OK, INVALID_ARGUMENT for undecodable data, UNAUTHENTICATED without a valid ingest key (metadata
 * `x-syntra-key` or `authorization: Bearer`), UNAVAILABLE when the agent pushes back (retryable, as the OTLP
 * specification says), RESOURCE_EXHAUSTED past the message size limit (after decompression too). Requests are kept
 * as the bytes that arrived: the agent forwards them without decoding.
 *
 * gRPC is served by our own HTTP/2 connections (grpc/), not grpc-js: per 1000-span request grpc-js cost about twice
 * as much CPU (docs/performance.md, "Ingest"), which kept the agent below the Collector's spans per CPU-second.
 * The port is a plain TCP listener; the server (with its HPACK library) is loaded when the first connection
 * arrives, and every connection is handed to it unread (`pauseOnConnect`): an agent whose apps send no OTLP/gRPC
 * never loads it.
 */
export class OtlpGrpcReceiver {
  private readonly listeners: net.Server[] = [];
  /** Connections accepted while the server loads, ended if the receiver closes first. */
  private readonly waiting = new Set<net.Socket>();
  private serving: Promise<GrpcUnaryServer> | undefined;
  private closed = false;

  constructor(
    private readonly intake: TelemetryIntake,
    private readonly maxMessageBytes: number,
    private readonly logger: Logger,
  ) {}

  /** Whether gRPC has been loaded (a connection came). */
  get loaded(): boolean {
    return this.serving !== undefined;
  }

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
    const server = await this.serving?.catch(() => undefined);
    // Streams still open after a moment are cut: the clients retry elsewhere or later.
    await server?.close(2000);
  }

  private accept(socket: net.Socket): void {
    this.waiting.add(socket);
    socket.once("close", () => this.waiting.delete(socket));
    this.load().then(
      (server) => {
        this.waiting.delete(socket);
        if (this.closed || socket.destroyed) return void socket.destroy();
        server.handle(socket);
        socket.resume();
      },
      (err: unknown) => {
        this.logger.error({ err }, "OTLP/gRPC could not start: connection refused");
        socket.destroy();
      },
    );
  }

  private load(): Promise<GrpcUnaryServer> {
    this.serving ??= import("./grpc/unary-server").then((module) => {
      const methods = new Map<string, UnaryHandler>(
        OTLP_SIGNALS.map((signal) => [OTLP_GRPC_PATHS[signal], this.handler(module, signal)]),
      );
      return new module.GrpcUnaryServer({
        methods,
        maxMessageBytes: this.maxMessageBytes,
        onConnectionError: (code, reason) => this.logger.debug({ code, reason }, "OTLP/gRPC connection ended"),
        onRefused: () => this.intake.refused(),
      });
    });
    return this.serving;
  }

  private handler(module: UnaryServerModule, signal: OtlpSignal): UnaryHandler {
    return async (call) => {
      const fail = (result: Extract<IntakeResult, { ok: false }>): GrpcStatus => {
        this.intake.refused();
        return grpcStatus(module, result);
      };
      const auth = this.intake.authenticate(keyFromHeaders((name) => call.metadata(name)));
      if ("ok" in auth) return fail(auth as Extract<IntakeResult, { ok: false }>);
      const bytes = call.message.length;
      if (!this.intake.reserve(bytes)) {
        return fail({ ok: false, status: 503, message: "the agent is busy; retry shortly" });
      }
      try {
        // Called before any await: `call.message` is only valid until then, and acceptOtlp copies it at once.
        const result = await this.intake.acceptOtlp(auth.serviceId, signal, call.message);
        return result.ok ? { code: module.GrpcCode.OK } : fail(result);
      } catch (err) {
        this.logger.error({ err, signal }, "OTLP/gRPC request failed");
        return fail({ ok: false, status: 503, message: "the agent could not buffer this request" });
      } finally {
        this.intake.release(bytes);
      }
    };
  }
}
