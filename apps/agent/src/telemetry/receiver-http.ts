import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  decodeContentEncoding,
  exportResponse,
  type OtlpEncoding,
  OtlpInputError,
  type OtlpSignal,
  otlpJsonToProtobuf,
  statusBody,
} from "@syntra/otlp";
import type { Logger } from "pino";
import { keyFromHeaders } from "./ingest-keys";
import type { IntakeResult, TelemetryIntake } from "./intake";

const PATHS: Record<string, OtlpSignal> = { "/v1/traces": "traces", "/v1/logs": "logs", "/v1/metrics": "metrics" };

/** Limits of the OTLP/HTTP receiver. */
export interface HttpReceiverLimits {
  /** Request bodies as sent (compressed) beyond this get 413 before they are read. */
  maxBodyBytes: number;
  /** Request bodies once decompressed beyond this get 413 (the guard against decompression bombs). */
  maxDecompressedBytes: number;
}

function encodingOf(contentType: string | undefined): OtlpEncoding | null {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  if (type === "application/json") return "json";
  return null;
}

/**
 * OTLP/HTTP (`POST /v1/traces`, `/v1/logs`, `/v1/metrics`; protobuf or JSON; gzip, deflate, br or zstd) as the
 * OTLP specification describes it: 200 with an Export*ServiceResponse, 400 undecodable, 401 without a valid ingest
 * key, 413 too large, 415 unsupported media type or encoding, 503 with Retry-After when the agent pushes back; every
 * error body a `google.rpc.Status` in the request's encoding.
 */
export class OtlpHttpReceiver {
  private readonly servers: http.Server[] = [];

  constructor(
    private readonly intake: TelemetryIntake,
    private readonly limits: HttpReceiverLimits,
    private readonly logger: Logger,
  ) {}

  /** Listens on each host at `port`; resolves with the bound addresses (`port` 0 picks a free one, the same for all). */
  async listen(hosts: readonly string[], port: number): Promise<string[]> {
    const bound: string[] = [];
    let chosen = port;
    for (const host of hosts) {
      const server = http.createServer((req, res) => void this.handle(req, res));
      server.keepAliveTimeout = 65_000;
      server.requestTimeout = 60_000;
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(chosen, host, () => resolve());
      });
      chosen = (server.address() as AddressInfo).port;
      this.servers.push(server);
      bound.push(`${host.includes(":") ? `[${host}]` : host}:${chosen}`);
    }
    return bound;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const signal = PATHS[(req.url ?? "").split("?")[0] ?? ""];
    const encoding = encodingOf(req.headers["content-type"]) ?? "protobuf";
    const fail = (result: { status: number; message: string; retryAfterSeconds?: number | undefined }) => {
      const headers: http.OutgoingHttpHeaders = {
        "content-type": encoding === "json" ? "application/json" : "application/x-protobuf",
      };
      if (result.retryAfterSeconds) headers["retry-after"] = String(result.retryAfterSeconds);
      if (result.status === 405) headers.allow = "POST";
      this.intake.refused();
      req.resume();
      res.writeHead(result.status, headers).end(statusBody(result.status, result.message, encoding));
    };
    if (!signal) return fail({ status: 404, message: "OTLP/HTTP paths are /v1/traces, /v1/logs and /v1/metrics" });
    if (req.method !== "POST") return fail({ status: 405, message: "use POST" });
    if (!encodingOf(req.headers["content-type"])) {
      return fail({ status: 415, message: "Content-Type must be application/x-protobuf or application/json" });
    }
    const auth = this.intake.authenticate(keyFromHeaders((name) => header(req, name)));
    if (!("serviceId" in auth)) return fail(auth as Extract<IntakeResult, { ok: false }>);
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > this.limits.maxBodyBytes) {
      return fail({ status: 413, message: `request bodies are limited to ${this.limits.maxBodyBytes} bytes` });
    }
    const reserved = Math.max(declared, 64 * 1024);
    if (!this.intake.reserve(reserved)) {
      return fail({ status: 503, message: "the agent is busy; retry shortly", retryAfterSeconds: 1 });
    }
    try {
      const body = await readBody(req, this.limits.maxBodyBytes);
      if (!body)
        return fail({ status: 413, message: `request bodies are limited to ${this.limits.maxBodyBytes} bytes` });
      const raw = await decodeContentEncoding(body, header(req, "content-encoding"), this.limits.maxDecompressedBytes);
      const protobuf = encoding === "json" ? otlpJsonToProtobuf(signal, raw) : raw;
      const result = await this.intake.acceptOtlp(auth.serviceId, signal, protobuf);
      if (!result.ok) return fail(result);
      res
        .writeHead(200, { "content-type": encoding === "json" ? "application/json" : "application/x-protobuf" })
        .end(exportResponse(signal, encoding));
    } catch (err) {
      if (err instanceof OtlpInputError) return fail({ status: err.status, message: err.message });
      this.logger.error({ err, signal }, "OTLP/HTTP request failed");
      return fail({ status: 503, message: "the agent could not buffer this request", retryAfterSeconds: 5 });
    } finally {
      this.intake.release(reserved);
    }
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The whole body, or null once it passes `max` bytes (the rest is not kept). */
function readBody(req: http.IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) over = true;
      if (!over) chunks.push(chunk);
    });
    req.once("end", () => resolve(over ? null : Buffer.concat(chunks, size)));
    req.once("error", reject);
  });
}
