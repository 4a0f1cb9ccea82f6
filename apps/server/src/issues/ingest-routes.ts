import { createHash } from "node:crypto";
import { type ErrorEvent, INGEST_KEY_HEADER, sdkErrorsBody } from "@syntra/contracts";
import {
  convertEnvelope,
  convertStorePayload,
  credentialsOf,
  DecompressError,
  decompressBody,
  EnvelopeError,
  PayloadRejected,
  parseEnvelope,
  SENTRY_LIMITS,
  type SentryData,
} from "@syntra/sentry";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppDeps } from "../deps";
import { AppError } from "../errors";
import { parseInput } from "../http/validation";
import { type IngestTarget, resolveIngestKey } from "../telemetry/ingest-keys";
import { NO_DEPLOYMENT } from "../telemetry/store/rows";
import type { ErrorIngestResult } from "./ingest";
import { ErrorIngestQueue } from "./ingest-queue";
import { IngestRateLimiter } from "./ingest-rate-limit";
import { storeReport } from "./report-store";

/** Paths of the Sentry-compatible endpoints (`<id>` is the service's numeric ingest id, the DSN's project id). */
export const SENTRY_ENVELOPE_PATH = "/api/:ingestId/envelope";
export const SENTRY_STORE_PATH = "/api/:ingestId/store";
/** Syntra's own error endpoint for its SDKs (and anything else that speaks the ErrorEvent contract). */
export const ERRORS_PATH = "/v1/errors";
/** The query parameter that may carry the ingest key on ERRORS_PATH (browsers: no preflight, sendBeacon). */
export const SYNTRA_KEY_PARAM = "syntra_key";

// Browser SDKs post from the app's origin; they send the key in the query string and no custom header, but other
// SDK setups send these, so a preflight must allow them.
const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-allow-headers":
    "x-sentry-auth, x-requested-with, origin, accept, content-type, content-encoding, authorization, sentry-trace, baggage, x-syntra-key",
  "access-control-expose-headers": "x-sentry-error, x-sentry-rate-limits, retry-after, x-request-id",
  "access-control-max-age": "3600",
};

/**
 * Registers the error ingest endpoints in a scope of their own: bodies of any content type (the JS SDK sends none,
 * browsers `text/plain`) read as bytes up to Sentry's 20 MB, decompressed up to 100 MB, CORS for browsers, and a
 * rate limit per key answered with Sentry's 429 headers.
 */
export async function registerErrorIngest(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const limiter = new IngestRateLimiter(deps.config.errorIngestRate, deps.now);
  const queue = new ErrorIngestQueue(deps, deps.config.errorIngestWindowMs);
  const ingest = { limiter, submit: (serviceId: string, events: ErrorEvent[]) => queue.submit(serviceId, events) };
  await app.register(
    async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(
        "*",
        { parseAs: "buffer", bodyLimit: SENTRY_LIMITS.compressedBytes },
        (_req, body, done) => done(null, body),
      );
      scope.addHook("onRequest", async (_req, reply) => {
        reply.headers(CORS_HEADERS);
      });
      for (const path of [SENTRY_ENVELOPE_PATH, SENTRY_STORE_PATH, ERRORS_PATH]) {
        scope.options(path, async (_req, reply) => reply.code(200).send());
      }
      const bodyLimit = SENTRY_LIMITS.compressedBytes;
      scope.post(SENTRY_ENVELOPE_PATH, { bodyLimit }, (req, reply) =>
        sentryIngest(deps, ingest, req, reply, "envelope"),
      );
      scope.post(SENTRY_STORE_PATH, { bodyLimit }, (req, reply) => sentryIngest(deps, ingest, req, reply, "store"));
      scope.post(ERRORS_PATH, { bodyLimit }, (req, reply) => syntraIngest(deps, ingest, req, reply));
    },
    // No log line per request: SDKs send an event per request, thousands a second, and two lines each cost more
    // CPU than storing the event. Server failures (5xx) are still logged; refusals carry their reason in the answer.
    { logLevel: "warn" },
  );
}

/** A Sentry-style refusal: the error envelope, with the reason also in `X-Sentry-Error` as Relay sends it. */
function refuse(
  code: ConstructorParameters<typeof AppError>[0],
  message: string,
  headers: Record<string, string> = {},
) {
  return new AppError(code, message, undefined, { "x-sentry-error": message, ...headers });
}

async function body(req: FastifyRequest): Promise<Buffer> {
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  try {
    return await decompressBody(raw, headerOf(req, "content-encoding"), SENTRY_LIMITS.decompressedBytes);
  } catch (err) {
    if (err instanceof DecompressError) throw refuse(err.tooLarge ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST", err.message);
    throw err;
  }
}

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function authenticate(deps: AppDeps, key: string | undefined): Promise<IngestTarget> {
  if (!key) throw refuse("FORBIDDEN", "No key: send the DSN's key (X-Sentry-Auth, sentry_key or the envelope's dsn)");
  const target = await resolveIngestKey(deps.db, key, deps.now());
  if (!target) throw refuse("FORBIDDEN", "Unknown or expired key");
  return target;
}

function checkRate(limiter: IngestRateLimiter, key: string, items: number): void {
  const wait = limiter.take(key, Math.max(1, items));
  if (wait > 0) {
    // Sentry's format: retry_after:categories:scope; no categories means every category.
    throw refuse("RATE_LIMITED", `This key sends more than its rate; retry in ${wait} s`, {
      "retry-after": String(wait),
      "x-sentry-rate-limits": `${wait}::key`,
    });
  }
}

/** The per-app state of the ingest endpoints. */
interface IngestState {
  limiter: IngestRateLimiter;
  submit: (serviceId: string, events: ErrorEvent[]) => Promise<ErrorIngestResult>;
}

async function sentryIngest(
  deps: AppDeps,
  { limiter, submit }: IngestState,
  req: FastifyRequest,
  reply: FastifyReply,
  kind: "envelope" | "store",
): Promise<FastifyReply> {
  const ingestId = (req.params as { ingestId: string }).ingestId;
  if (!/^\d{1,18}$/.test(ingestId)) throw refuse("NOT_FOUND", "The DSN's project id must be a number");
  // A key in the header or query is checked before the body is decompressed: a stranger's bomb costs nothing.
  const early = credentialsOf({ headers: req.headers, query: (req.query ?? {}) as Record<string, unknown> });
  if (early.key) await authenticate(deps, early.key);
  const bytes = await body(req);
  let data: SentryData;
  let target: IngestTarget;
  let eventId: string | undefined;
  try {
    const envelope = kind === "envelope" ? parseEnvelope(bytes) : undefined;
    const dsn = typeof envelope?.header.dsn === "string" ? envelope.header.dsn : undefined;
    const creds = credentialsOf({
      headers: req.headers,
      query: (req.query ?? {}) as Record<string, unknown>,
      envelopeDsn: dsn,
    });
    if (creds.conflicting) throw refuse("FORBIDDEN", "The request names two different keys");
    target = await authenticate(deps, creds.key);
    if (String(target.ingestNumber) !== ingestId || (creds.dsnProjectId && creds.dsnProjectId !== ingestId)) {
      throw refuse("FORBIDDEN", "The key does not belong to this DSN's project id");
    }
    const conversion = { serviceId: target.serviceId, deploymentId: NO_DEPLOYMENT };
    data = envelope
      ? convertEnvelope(envelope, conversion, deps.now())
      : convertStorePayload(bytes, conversion, deps.now());
    eventId = typeof envelope?.header.event_id === "string" ? envelope.header.event_id : undefined;
  } catch (err) {
    if (err instanceof PayloadRejected && err.tooLarge) throw refuse("PAYLOAD_TOO_LARGE", err.message);
    if (err instanceof EnvelopeError) throw refuse("BAD_REQUEST", err.message);
    throw err;
  }
  checkRate(limiter, target.serviceId, data.errors.length + data.spans.length + data.logs.length);
  const token = createHash("sha256").update(bytes).digest("hex");
  await storeReport(deps, target, data, `sentry:${target.serviceId}:${token}`, submit);
  const id = eventId ?? data.errors[0]?.id.replaceAll("-", "");
  return reply.code(200).send(id ? { id } : {});
}

async function syntraIngest(
  deps: AppDeps,
  { limiter, submit }: IngestState,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  // Browsers send the key in the query string: a header would need a CORS preflight, and sendBeacon (used while a
  // page goes away) can set no header at all.
  const queryKey = (req.query as Record<string, unknown> | undefined)?.[SYNTRA_KEY_PARAM];
  const auth =
    headerOf(req, INGEST_KEY_HEADER) ??
    /^Bearer\s+(\S+)$/i.exec(headerOf(req, "authorization") ?? "")?.[1] ??
    (typeof queryKey === "string" ? queryKey : undefined);
  if (!auth)
    throw new AppError(
      "FORBIDDEN",
      `Send the service's ingest key in ${INGEST_KEY_HEADER}, Authorization: Bearer or ?${SYNTRA_KEY_PARAM}=`,
    );
  const target = await resolveIngestKey(deps.db, auth, deps.now());
  if (!target) throw new AppError("FORBIDDEN", "Unknown or expired key");
  const bytes = await body(req);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new AppError("BAD_REQUEST", "The body is not valid JSON");
  }
  const parsed = parseInput(sdkErrorsBody, json, "body");
  checkRate(limiter, target.serviceId, parsed.errors.length);
  const errors = parsed.errors.map((e) => ({
    ...e,
    service_id: target.serviceId,
    deployment_id: e.deployment_id ?? NO_DEPLOYMENT,
  }));
  const token = createHash("sha256").update(bytes).digest("hex");
  const result = await storeReport(
    deps,
    target,
    { errors, spans: [], logs: [] },
    `errors:${target.serviceId}:${token}`,
    submit,
  );
  return reply.code(200).send({ success: true, data: { accepted: result.accepted, duplicates: result.duplicates } });
}
