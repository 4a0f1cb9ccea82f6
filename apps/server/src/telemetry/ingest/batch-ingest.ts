import {
  type ErrorEvent,
  type HealthCheckResult,
  type TelemetryAckPayload,
  type TelemetryBatchPayload,
  type TelemetryData,
  telemetryBatchHead,
  telemetryData,
} from "@syntra/contracts";
import { decodeBatchBody, decompressBatch, OtlpInputError } from "@syntra/otlp";
import { and, eq, inArray } from "drizzle-orm";
import type { Logger } from "pino";
import type { Db } from "../../db/client";
import { healthChecks, projects, services } from "../../db/schema";
import type { TelemetryRows, TelemetryStore } from "../store/types";
import { appendOtlpRows, emptyRows } from "./otlp-rows";

/** Largest batch accepted once decompressed (the agent cuts at 8 MiB; a JSON batch may be larger). */
export const MAX_BATCH_BYTES = 128 * 1024 * 1024;

/**
 * Where error events go once their batch is stored (the errors domain groups them into issues): the batch's own
 * `errors`, and its spans and logs, where OpenTelemetry exception events and error records are.
 */
export type ErrorEventsHook = (input: { orgId: string; errors: ErrorEvent[]; rows: TelemetryRows }) => Promise<void>;

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

/** A batch's content, decoded: the contract data, and the OTLP payloads as rows. */
interface DecodedBatch {
  data: TelemetryData;
  rows: TelemetryRows;
  rejected: number;
}

/**
 * Stores one `telemetry_batch` and says what the agent should do with it. The batch is decompressed within
 * MAX_BATCH_BYTES, validated against the contract, its OTLP payloads decoded with the official protos, and every
 * item attributed to the service the agent named (which the agent took from the ingest key the data came with),
 * provided that service belongs to the agent's organization; items of other services are dropped and logged.
 * Rows go to the store with the batch id as deduplication token, so a resent batch is stored once; health checks
 * to PostgreSQL (idempotent too). A store failure answers `retry`: the agent keeps the batch and sends it again.
 */
export async function ingestTelemetryBatch(
  deps: BatchIngestDeps,
  source: BatchSource,
  payload: TelemetryBatchPayload,
): Promise<TelemetryAckPayload> {
  const batchId = payload.batch_id;
  const log = deps.logger.child({ server_id: source.serverId, batch_id: batchId });
  let decoded: DecodedBatch;
  try {
    decoded = await decodeBatch(payload, source.orgId, deps.now());
  } catch (err) {
    if (!(err instanceof OtlpInputError)) throw err;
    log.warn({ reason: err.message }, "telemetry batch rejected");
    return { batch_id: batchId, status: "rejected", message: err.message.slice(0, 2000) };
  }
  const { data, rows } = decoded;
  const foreign = await dropForeignServices(deps.db, source.orgId, rows, data);
  if (foreign > 0) log.warn({ items: foreign }, "telemetry items of services outside the agent's organization dropped");
  try {
    if (rows.spans.length + rows.logs.length + rows.metrics.length > 0) {
      await deps.telemetry.insert(rows, { dedupToken: batchId });
    }
    await storeHealthChecks(deps.db, data.health_checks);
  } catch (err) {
    log.error({ err }, "telemetry batch could not be stored; the agent will resend it");
    return { batch_id: batchId, status: "retry", retry_after_seconds: 5, message: "the telemetry store failed" };
  }
  if (deps.onErrorEvents) {
    await deps.onErrorEvents({ orgId: source.orgId, errors: data.errors, rows }).catch((err: unknown) => {
      log.error({ err }, "error events of a stored telemetry batch could not be processed");
    });
  }
  log.debug(
    { spans: rows.spans.length, logs: rows.logs.length, metrics: rows.metrics.length, rejected: decoded.rejected },
    "telemetry batch stored",
  );
  return { batch_id: batchId, status: "stored" };
}

async function decodeBatch(payload: TelemetryBatchPayload, orgId: string, now: Date): Promise<DecodedBatch> {
  if (payload.compression === "none") {
    return { data: payload.data, rows: contractRows(payload.data, orgId), rejected: 0 };
  }
  const body = await decompressBatch(
    payload.compression,
    Buffer.from(payload.data, "base64"),
    MAX_BATCH_BYTES,
    payload.raw_bytes,
  );
  if ((payload.format ?? "json") === "json") {
    const data = parseContract(telemetryData, parseJson(body));
    return { data, rows: contractRows(data, orgId), rejected: 0 };
  }
  const split = decodeBatchBody(body);
  const head = parseContract(telemetryBatchHead, split.head);
  const rows = contractRows(head, orgId);
  let rejected = 0;
  const payloads = split.payloads(head.otlp);
  head.otlp.forEach((ref, i) => {
    const bytes = payloads[i];
    if (!bytes) return;
    const attribution = { serviceId: ref.service_id, deploymentId: ref.deployment_id };
    try {
      rejected += appendOtlpRows(rows, ref.signal, bytes, attribution, orgId, now).rejected;
    } catch (err) {
      // One undecodable request does not cost the rest of the batch; the agent checked its framing already.
      if (!(err instanceof OtlpInputError)) throw err;
      rejected += ref.items;
    }
  });
  return { data: head, rows, rejected };
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

function contractRows(data: TelemetryData, orgId: string): TelemetryRows {
  const rows = emptyRows();
  for (const span of data.traces) rows.spans.push({ ...span, org_id: orgId });
  for (const log of data.logs) rows.logs.push({ ...log, org_id: orgId });
  for (const point of data.metrics) rows.metrics.push({ ...point, org_id: orgId });
  return rows;
}

/** Removes (in place) items of services that are not the organization's; returns how many were removed. */
async function dropForeignServices(db: Db, orgId: string, rows: TelemetryRows, data: TelemetryData): Promise<number> {
  const named = new Set<string>();
  for (const list of [rows.spans, rows.logs, rows.metrics, data.health_checks, data.errors]) {
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
  rows.spans = keep(rows.spans);
  rows.logs = keep(rows.logs);
  rows.metrics = keep(rows.metrics);
  data.health_checks = keep(data.health_checks);
  data.errors = keep(data.errors);
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
