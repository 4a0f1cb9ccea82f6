import {
  countOtlpItems,
  decodeContentEncoding,
  exportResponse,
  type OtlpEncoding,
  OtlpInputError,
  type OtlpSignal,
  otlpJsonToProtobuf,
  statusBody,
} from "@syntra/otlp";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppDeps } from "../../deps";
import { ingestBatchErrors } from "../../issues/batch-errors";
import { type IngestTarget, resolveIngestKey } from "../ingest-keys";
import { KeyRateLimiter } from "./limits";
import { OtlpRowsBuilder } from "./otlp-rows";

const SIGNALS: Record<string, OtlpSignal> = { "/v1/traces": "traces", "/v1/logs": "logs", "/v1/metrics": "metrics" };

function encodingOf(contentType: string | undefined): OtlpEncoding | null {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  if (type === "application/json") return "json";
  return null;
}

function keyOf(req: FastifyRequest): string | undefined {
  const direct = req.headers["x-syntra-key"];
  if (typeof direct === "string" && direct.trim() !== "") return direct.trim();
  return /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
}

/** An OTLP/HTTP refusal: status, message, and how long to wait before retrying. */
class OtlpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

interface OtlpRequestState {
  signal: OtlpSignal;
  encoding: OtlpEncoding;
  target: IngestTarget;
  reserved: number;
}

/**
 * OTLP/HTTP straight to the control plane (`POST /v1/traces`, `/v1/logs`, `/v1/metrics`), so an app anywhere can
 * send without an agent; the key in `x-syntra-key` or `Authorization: Bearer` decides the service (never a resource
 * attribute). Answers as the OTLP specification says (see the agent's receiver), with these limits: bodies up to
 * `maxBodyBytes` compressed and decompressed (413), `itemsPerSecondPerKey` per ingest key (429 with Retry-After),
 * at most `maxInFlightBytes` of requests processed at once (503 with Retry-After), so memory stays bounded under any
 * load. Registered in a context of its own: its body parser and error answers do not touch the JSON API.
 */
export async function registerOtlpHttp(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const limits = deps.config.telemetry.otlp;
  const rates = new KeyRateLimiter(limits.itemsPerSecondPerKey, 10, () => deps.now().getTime());
  let inFlight = 0;
  const state = new WeakMap<FastifyRequest, OtlpRequestState>();

  await app.register(async (otlp) => {
    otlp.removeAllContentTypeParsers();
    otlp.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: limits.maxBodyBytes }, (_req, body, done) =>
      done(null, body),
    );
    otlp.setErrorHandler((error: FastifyError, req, reply) => {
      const refusal =
        error instanceof OtlpRefusal
          ? error
          : error instanceof OtlpInputError
            ? new OtlpRefusal(error.status, error.message)
            : error.code === "FST_ERR_CTP_BODY_TOO_LARGE"
              ? new OtlpRefusal(413, `request bodies are limited to ${limits.maxBodyBytes} bytes`)
              : (error.statusCode ?? 500) < 500
                ? new OtlpRefusal(error.statusCode ?? 400, error.message)
                : null;
      if (!refusal) req.log.error({ err: error }, "OTLP/HTTP request failed");
      const answer = refusal ?? new OtlpRefusal(503, "the request could not be stored; retry later", 5);
      return sendRefusal(
        reply,
        answer,
        state.get(req)?.encoding ?? encodingOf(req.headers["content-type"]) ?? "protobuf",
      );
    });
    // Checked before the body is read: a request without a valid key or over the limits costs nothing.
    otlp.addHook("onRequest", async (req, reply) => {
      const signal = SIGNALS[req.url.split("?")[0] ?? ""];
      if (!signal) throw new OtlpRefusal(404, "OTLP/HTTP paths are /v1/traces, /v1/logs and /v1/metrics");
      if (req.method !== "POST") throw new OtlpRefusal(405, "use POST");
      const encoding = encodingOf(req.headers["content-type"]);
      if (!encoding) throw new OtlpRefusal(415, "Content-Type must be application/x-protobuf or application/json");
      const key = keyOf(req);
      const target = key ? await resolveIngestKey(deps.db, key, deps.now()) : null;
      if (!target) {
        throw new OtlpRefusal(
          401,
          key ? "unknown or expired ingest key" : "send the service's ingest key in x-syntra-key",
        );
      }
      const declared = Number(req.headers["content-length"] ?? 0);
      const reserved = Math.max(Number.isFinite(declared) ? declared : 0, 64 * 1024);
      if (inFlight > 0 && inFlight + reserved > limits.maxInFlightBytes) {
        throw new OtlpRefusal(503, "the control plane is busy; retry shortly", 1);
      }
      inFlight += reserved;
      // 'close' comes after the answer and after an abort alike, so the room is always given back.
      reply.raw.once("close", () => {
        inFlight -= reserved;
      });
      state.set(req, { signal, encoding, target, reserved });
    });
    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const s = state.get(req);
      if (!s) throw new OtlpRefusal(400, "not an OTLP request");
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const encodingHeader = req.headers["content-encoding"];
      const raw = await decodeContentEncoding(
        body,
        Array.isArray(encodingHeader) ? encodingHeader[0] : encodingHeader,
        limits.maxBodyBytes,
      );
      const protobuf = s.encoding === "json" ? otlpJsonToProtobuf(s.signal, raw) : raw;
      const wait = rates.take(s.target.serviceId, countOtlpItems(s.signal, protobuf));
      if (wait > 0) throw new OtlpRefusal(429, "this ingest key is over its rate limit", wait);
      const builder = new OtlpRowsBuilder(s.target.orgId, deps.now(), { [s.signal]: protobuf.length });
      const { rejected, message } = builder.append(s.signal, protobuf, { serviceId: s.target.serviceId });
      try {
        if (builder.count > 0) await deps.telemetry.insert(builder.finish());
      } finally {
        builder.release();
      }
      // Exception events and error log records become issues (the errors domain); a failure there costs no data.
      const { spans, logs } = builder.errorSources;
      await ingestBatchErrors(deps, { serviceId: s.target.serviceId }, { errors: [], traces: spans, logs }).catch(
        (err: unknown) => req.log.error({ err }, "errors of an OTLP request could not be grouped into issues"),
      );
      return reply
        .code(200)
        .type(s.encoding === "json" ? "application/json" : "application/x-protobuf")
        .send(exportResponse(s.signal, s.encoding, { rejected, message: message ?? "" }));
    };
    for (const url of Object.keys(SIGNALS)) otlp.post(url, handler);
    // Other methods and paths under /v1 answer in OTLP's terms too (the onRequest hook refuses them).
    otlp.all("/v1/*", handler);
    otlp.get("/v1", handler);
  });
}

function sendRefusal(reply: FastifyReply, refusal: OtlpRefusal, encoding: OtlpEncoding): FastifyReply {
  if (refusal.retryAfterSeconds) reply.header("retry-after", String(refusal.retryAfterSeconds));
  if (refusal.status === 405) reply.header("allow", "POST");
  return reply
    .code(refusal.status)
    .type(encoding === "json" ? "application/json" : "application/x-protobuf")
    .send(statusBody(refusal.status, refusal.message, encoding));
}
