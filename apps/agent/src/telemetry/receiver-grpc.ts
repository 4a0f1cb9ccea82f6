import * as grpc from "@grpc/grpc-js";
import { OTLP_SIGNALS, type OtlpSignal, otlpTypes } from "@syntra/otlp";
import type { Logger } from "pino";
import { keyFromHeaders } from "./ingest-keys";
import type { IntakeResult, TelemetryIntake } from "./intake";

const EMPTY = Buffer.alloc(0);

function grpcCode(status: Extract<IntakeResult, { ok: false }>["status"]): grpc.status {
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
function serviceDefinition(signal: OtlpSignal): grpc.ServiceDefinition {
  return {
    Export: {
      path: otlpTypes[signal].grpcPath,
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
 */
export class OtlpGrpcReceiver {
  private readonly server: grpc.Server;

  constructor(
    private readonly intake: TelemetryIntake,
    maxMessageBytes: number,
    private readonly logger: Logger,
  ) {
    this.server = new grpc.Server({
      "grpc.max_receive_message_length": maxMessageBytes,
      "grpc.max_concurrent_streams": 100,
    });
    for (const signal of OTLP_SIGNALS) {
      this.server.addService(serviceDefinition(signal), { Export: this.handler(signal) });
    }
  }

  /** Listens on each host at `port` (0: a free port, the same for all); resolves with the bound addresses. */
  async listen(hosts: readonly string[], port: number): Promise<string[]> {
    const bound: string[] = [];
    let chosen = port;
    for (const host of hosts) {
      const target = `${host.includes(":") ? `[${host}]` : host}:${chosen}`;
      chosen = await new Promise<number>((resolve, reject) =>
        this.server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (err, p) =>
          err ? reject(err) : resolve(p),
        ),
      );
      bound.push(`${host.includes(":") ? `[${host}]` : host}:${chosen}`);
    }
    return bound;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.tryShutdown(() => resolve());
      // Streams still open after a moment are cut: the clients retry elsewhere or later.
      setTimeout(() => this.server.forceShutdown(), 2000).unref();
    });
  }

  private handler(signal: OtlpSignal): grpc.handleUnaryCall<Buffer, Buffer> {
    return (call, callback) => {
      const fail = (result: Extract<IntakeResult, { ok: false }>) => {
        this.intake.refused();
        callback({ code: grpcCode(result.status), details: result.message });
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
