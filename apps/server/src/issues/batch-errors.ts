import type { ErrorEvent, LogEntry, TraceSpan } from "@syntra/contracts";
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { services } from "../db/schema";
import { type ErrorIngestDeps, ingestErrorEvents } from "./ingest";
import { errorsFromTelemetry } from "./otel-errors";

/** What a telemetry batch carries that can hold errors. */
export interface BatchSignals {
  errors: readonly ErrorEvent[];
  traces: readonly TraceSpan[];
  logs: readonly LogEntry[];
}

/** What the error part of a batch came to. */
export interface BatchErrorsResult {
  accepted: number;
  duplicates: number;
  /** Events naming a service that is not the sender's (another server's, a deleted one): not stored, counted. */
  refused: number;
}

/**
 * The hook of the telemetry ingest for errors: a batch's `errors`, its spans' exception events and its error-level
 * log records with exception attributes, stored as issues per service. Only services of `scope` are accepted
 * (`serverId`: the agent's server, for `telemetry_batch`; `serviceId`: the one service of an ingest key); events of
 * any other service are refused and counted, never stored under it. Errors derived from spans and logs have ids
 * derived from them, so a re-sent batch stores them once.
 */
export async function ingestBatchErrors(
  deps: ErrorIngestDeps & { db: Db },
  scope: { serverId: string } | { serviceId: string },
  batch: BatchSignals,
): Promise<BatchErrorsResult> {
  const events = [...batch.errors, ...errorsFromTelemetry(batch.traces, batch.logs)];
  if (events.length === 0) return { accepted: 0, duplicates: 0, refused: 0 };
  const named = [...new Set(events.map((e) => e.service_id))];
  const allowed =
    "serviceId" in scope
      ? new Set(named.filter((id) => id === scope.serviceId))
      : new Set(
          (
            await deps.db
              .select({ id: services.id })
              .from(services)
              .where(and(eq(services.serverId, scope.serverId), inArray(services.id, named)))
          ).map((r) => r.id),
        );
  const result: BatchErrorsResult = { accepted: 0, duplicates: 0, refused: 0 };
  for (const serviceId of named) {
    const mine = events.filter((e) => e.service_id === serviceId);
    if (!allowed.has(serviceId)) {
      result.refused += mine.length;
      continue;
    }
    const stored = await ingestErrorEvents(deps, { serviceId }, mine);
    result.accepted += stored.accepted;
    result.duplicates += stored.duplicates;
  }
  return result;
}
