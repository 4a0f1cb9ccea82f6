import net from "node:net";
import type * as Grpc from "@grpc/grpc-js";
import { OTLP_GRPC_PATHS, OTLP_SIGNALS, type OtlpSignal } from "@syntra/otlp";
import type { Logger } from "pino";
import { keyFromHeaders } from "./ingest-keys";
import type { IntakeResult, TelemetryIntake } from "./intake";

const EMPTY = Buffer.alloc(0);

type GrpcModule = typeof Grpc;

/** gRPC serving, once loaded: the server and the way connections accepted on our own sockets get into it. */
interface Serving {
  server: Grpc.Server;
  injector: Grpc.ConnectionInjector;
}

function grpcCode(grpc: GrpcModule, status: Extract<IntakeResult, { ok: false }>["status"]): Grpc.status {
  switch (status) {
    case 400:
    case 413:
    case 415:
      return grpc.status.INVALID_ARGUMENT;
    case 401:
      return grpc.status.UNAUTHENTICATED;
    case 503:
      return grpc.status.UNAVAILABLE;
    default: {
      const unknown: never = status;
      return unknown;
    }
  }
}

/**
 * The service definition of one signal's collector service (`Export`, unary), from the official protos' method
 * path. Requests are kept as the bytes that arrived: the agent forwards them without decoding. Responses are
 * empty Export*ServiceResponse messages (zero bytes in protobuf).
 */
function serviceDefinition(signal: OtlpSignal): Grpc.ServiceDefinition {
  return {
    Export: {
      path: OTLP_GRPC_PATHS[signal],
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: Buffer) => value,
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: () => EMPTY,
      responseDeserialize: () => ({}),
    },
  };
}

/**
 * OTLP/gRPC (the TraceService, LogsService and MetricsService `Export` methods; gzip as gRPC negotiates it): OK,
 * INVALID_ARGUMENT for undecodable data, UNAUTHENTICATED without a valid ingest key (metadata `x-syntra-key` or
 * `authorization: Bearer`), UNAVAILABLE when the agent pushes back (retryable, as the OTLP specification says).
 * grpc-js enforces the message size limit after decompression.
 *
 * The port is a plain TCP listener; grpc-js (with HTTP/2) is loaded when the first connection arrives, and every
 * connection is handed to it unread (`pauseOnConnect`). An agent whose apps send no OTLP/gRPC never loads it:
 * ~5 MB less resident memory at idle (bench:idle).
 */
export class OtlpGrpcReceiver {
  private readonly listeners: net.Server[] = [];
  /** Connections accepted while grpc-js loads, ended if the receiver closes first. */
  private readonly waiting = new Set<net.Socket>();
  private serving: Promise<Serving> | undefined;
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
    const serving = await this.serving?.catch(() => undefined);
    if (!serving) return;
    await new Promise<void>((resolve) => {
      serving.server.tryShutdown(() => resolve());
      // Streams still open after a moment are cut: the clients retry elsewhere or later.
      setTimeout(() => serving.server.forceShutdown(), 2000).unref();
    });
  }

  private accept(socket: net.Socket): void {
    this.waiting.add(socket);
    socket.once("close", () => this.waiting.delete(socket));
    this.load().then(
      ({ injector }) => {
        this.waiting.delete(socket);
        if (this.closed || socket.destroyed) return void socket.destroy();
        injector.injectConnection(socket);
        socket.resume();
      },
      (err: unknown) => {
        this.logger.error({ err }, "OTLP/gRPC could not start: connection refused");
        socket.destroy();
      },
    );
  }

  private load(): Promise<Serving> {
    this.serving ??= import("@grpc/grpc-js").then((grpc) => {
      const server = new grpc.Server({
        "grpc.max_receive_message_length": this.maxMessageBytes,
        "grpc.max_concurrent_streams": 100,
        // No channelz service is served, so its per-call bookkeeping (counters, timestamps, closures) is waste.
        "grpc.enable_channelz": 0,
      });
      for (const signal of OTLP_SIGNALS) {
        server.addService(serviceDefinition(signal), { Export: this.handler(grpc, signal) });
      }
      return { server, injector: server.createConnectionInjector(grpc.ServerCredentials.createInsecure()) };
    });
    return this.serving;
  }

  private handler(grpc: GrpcModule, signal: OtlpSignal): Grpc.handleUnaryCall<Buffer, Buffer> {
    return (call, callback) => {
      const fail = (result: Extract<IntakeResult, { ok: false }>) => {
        this.intake.refused();
        callback({ code: grpcCode(grpc, result.status), details: result.message });
      };
      const auth = this.intake.authenticate(
        keyFromHeaders((name) => {
          const value = call.metadata.get(name)[0];
          return typeof value === "string" ? value : undefined;
        }),
      );
      if ("ok" in auth) return fail(auth as Extract<IntakeResult, { ok: false }>);
      const bytes = call.request.length;
      if (!this.intake.reserve(bytes)) {
        return fail({ ok: false, status: 503, message: "the agent is busy; retry shortly" });
      }
      this.intake
        .acceptOtlp(auth.serviceId, signal, call.request)
        .then(
          (result) => (result.ok ? callback(null, EMPTY) : fail(result)),
          (err: unknown) => {
            this.logger.error({ err, signal }, "OTLP/gRPC request failed");
            fail({ ok: false, status: 503, message: "the agent could not buffer this request" });
          },
        )
        .finally(() => this.intake.release(bytes));
    };
  }
}
