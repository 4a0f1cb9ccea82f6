import {
  type ErrorEvent,
  type HealthCheckResult,
  type LogEntry,
  type OtlpPayloadRef,
  type ReceivedTelemetryBatch,
  type TelemetryAckPayload,
  type TelemetryData,
  type TraceSpan,
  telemetryBatchHead,
  telemetryData,
} from "@syntra/contracts";
import { decodeBatchBody, decompressBatch, OtlpInputError } from "@syntra/otlp";
import { and, eq, inArray } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client";
import { healthChecks, projects, services } from "../../db/schema";
import type { TelemetryStore } from "../store/types";
import { OtlpRowsBuilder } from "./otlp-rows";

/** Largest batch accepted once decompressed (the agent cuts at 8 MiB; a JSON batch may be larger). */
export const MAX_BATCH_BYTES = 128 * 1024 * 1024;

/**
 * Where error events go once their batch is stored (the errors domain groups them into issues): the batch's own
 * `errors`, and the spans and logs where OpenTelemetry exception events and error records are (only those: spans
 * with events and error-level records of the OTLP payloads, all the contract ones).
 */
export type ErrorEventsHook = (input: {
  orgId: string;
  errors: ErrorEvent[];
  spans: TraceSpan[];
  logs: LogEntry[];
}) => Promise<void>;

/** What ingesting a batch needs. */
export interface BatchIngestDeps {
  db: Db;
  telemetry: TelemetryStore;
  logger: Logger;
  now: () => Date;
  onErrorEvents?: ErrorEventsHook | undefined;
}

/** The server whose agent sent the batch. */
export interface BatchSource {
  serverId: string;
  orgId: string;
}

/** A batch's content, read and checked against the contract: the contract data, and the OTLP payloads. */
interface ReadBatch {
  data: TelemetryData;
  otlp: { ref: OtlpPayloadRef; bytes: Buffer }[];
}

/**
 * Stores one `telemetry_batch` and says what the agent should do with it. The batch is decompressed within
 * MAX_BATCH_BYTES, validated against the contract, its OTLP payloads converted with the official protos, and every
 * item attributed to the service the agent named (which the agent took from the ingest key the data came with),
 * provided that service belongs to the agent's organization; items of other services are dropped and logged.
 * Rows go to the store with the batch id as deduplication token, so a resent batch is stored once; health checks
 * to PostgreSQL (idempotent too). A store failure answers `retry`: the agent keeps the batch and sends it again.
 */
export async function ingestTelemetryBatch(
  deps: BatchIngestDeps,
  source: BatchSource,
  payload: ReceivedTelemetryBatch,
): Promise<TelemetryAckPayload> {
  const batchId = payload.batch_id;
  const log = deps.logger.child({ server_id: source.serverId, batch_id: batchId });
  let batch: ReadBatch;
  try {
    batch = await readBatch(payload);
  } catch (err) {
    if (!(err instanceof OtlpInputError)) throw err;
    log.warn({ reason: err.message }, "telemetry batch rejected");
    return { batch_id: batchId, status: "rejected", message: err.message.slice(0, 2000) };
  }
  const { data } = batch;
  const foreign = await dropForeignServices(deps.db, source.orgId, batch);
  if (foreign > 0) log.warn({ items: foreign }, "telemetry items of services outside the agent's organization dropped");
  const expected = { traces: 0, logs: 0 };
  for (const { ref, bytes } of batch.otlp) if (ref.signal !== "metrics") expected[ref.signal] += bytes.length;
  const builder = new OtlpRowsBuilder(source.orgId, deps.now(), expected);
  for (const span of data.traces) builder.rows.spans.push({ ...span, org_id: source.orgId });
  for (const entry of data.logs) builder.rows.logs.push({ ...entry, org_id: source.orgId });
  for (const point of data.metrics) builder.rows.metrics.push({ ...point, org_id: source.orgId });
  let rejected = 0;
  for (const { ref, bytes } of batch.otlp) {
    try {
      rejected += builder.append(ref.signal, bytes, {
        serviceId: ref.service_id,
        deploymentId: ref.deployment_id,
      }).rejected;
    } catch (err) {
      // One undecodable request does not cost the rest of the batch; the agent checked its framing already.
      if (!(err instanceof OtlpInputError)) throw err;
      rejected += ref.items;
    }
    // A batch holds up to 8 MiB of requests: the API and the agents' heartbeats are served between them.
    await new Promise((resolve) => setImmediate(resolve));
  }
  try {
    try {
      if (builder.count > 0) await deps.telemetry.insert(builder.finish(), { dedupToken: batchId });
    } finally {
      builder.release();
    }
    await storeHealthChecks(deps.db, data.health_checks);
  } catch (err) {
    log.error({ err }, "telemetry batch could not be stored; the agent will resend it");
    return { batch_id: batchId, status: "retry", retry_after_seconds: 5, message: "the telemetry store failed" };
  }
  if (deps.onErrorEvents) {
    const sources = builder.errorSources;
    await deps
      .onErrorEvents({
        orgId: source.orgId,
        errors: data.errors,
        spans: [...data.traces, ...sources.spans],
        logs: [...data.logs, ...sources.logs],
      })
      .catch((err: unknown) => {
        log.error({ err }, "error events of a stored telemetry batch could not be processed");
      });
  }
  log.debug({ items: builder.count, rejected }, "telemetry batch stored");
  return { batch_id: batchId, status: "stored" };
}

/**
 * Decompresses a batch and checks it against the contract; OtlpInputError when it breaks it. The compressed data
 * is base64 in the JSON form, the frame's own bytes in the binary form.
 */
async function readBatch(payload: ReceivedTelemetryBatch): Promise<ReadBatch> {
  if (payload.compression === "none") return { data: payload.data, otlp: [] };
  const { data } = payload;
  const body = await decompressBatch(
    payload.compression,
    typeof data === "string" ? Buffer.from(data, "base64") : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    MAX_BATCH_BYTES,
    payload.raw_bytes,
  );
  if ((payload.format ?? "json") === "json") return { data: parseContract(telemetryData, parseJson(body)), otlp: [] };
  const split = decodeBatchBody(body);
  const head = parseContract(telemetryBatchHead, split.head);
  const payloads = split.payloads(head.otlp);
  return { data: head, otlp: head.otlp.map((ref, i) => ({ ref, bytes: payloads[i] as Buffer })) };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new OtlpInputError(`batch is not JSON: ${(err as Error).message}`, 400, { cause: err });
  }
}

function parseContract<T>(
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  value: unknown,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`);
  throw new OtlpInputError(`batch breaks the contract: ${issues.join("; ")}`, 400);
}

/**
 * Removes (in place) the items and OTLP payloads of services that are not the organization's, before anything of
 * them is converted; returns how many items were removed.
 */
async function dropForeignServices(db: Db, orgId: string, batch: ReadBatch): Promise<number> {
  const { data } = batch;
  const named = new Set<string>(batch.otlp.map((p) => p.ref.service_id));
  for (const list of [data.traces, data.logs, data.metrics, data.health_checks, data.errors]) {
    for (const item of list) named.add(item.service_id);
  }
  if (named.size === 0) return 0;
  const found = await db
    .select({ id: services.id })
    .from(services)
    .innerJoin(projects, eq(projects.id, services.projectId))
    .where(and(eq(projects.orgId, orgId), inArray(services.id, [...named])));
  const ours = new Set(found.map((r) => r.id));
  if (ours.size === named.size) return 0;
  let dropped = 0;
  const keep = <T extends { service_id: string }>(list: T[]): T[] => {
    const kept = list.filter((item) => ours.has(item.service_id));
    dropped += list.length - kept.length;
    return kept;
  };
  data.traces = keep(data.traces);
  data.logs = keep(data.logs);
  data.metrics = keep(data.metrics);
  data.health_checks = keep(data.health_checks);
  data.errors = keep(data.errors);
  batch.otlp = batch.otlp.filter((p) => {
    if (ours.has(p.ref.service_id)) return true;
    dropped += p.ref.items;
    return false;
  });
  return dropped;
}

/** Health-check results into PostgreSQL's health_checks, once per service and instant. */
async function storeHealthChecks(db: Db, results: HealthCheckResult[]): Promise<void> {
  if (results.length === 0) return;
  await db
    .insert(healthChecks)
    .values(
      results.map((r) => ({
        serviceId: r.service_id,
        statusCode: r.status_code ?? null,
        responseTimeMs: Math.round(r.response_time_ms),
        isHealthy: r.is_healthy,
        errorMessage: r.error ?? null,
        checkedAt: new Date(r.timestamp),
      })),
    )
    .onConflictDoNothing();
}
