import type { HealthCheckResult, LogEntry, MetricPoint } from "@syntra/contracts";
import { countOtlpItems, decodeOtlp, encodeOtlp, OtlpInputError, type OtlpSignal } from "@syntra/otlp";
import { BufferBusyError, type TelemetryBuffer } from "./buffer";
import type { IngestKeyRing } from "./ingest-keys";
import type { AdaptiveSampler } from "./sampler";
import type { TelemetryStats } from "./stats";

/** How an OTLP request was answered, in HTTP terms (the gRPC receiver maps them to gRPC codes). */
export type IntakeResult =
  | { ok: true }
  | { ok: false; status: 400 | 401 | 413 | 415 | 503; message: string; retryAfterSeconds?: number };

const RECEIVED = { traces: "received_spans", logs: "received_log_records", metrics: "received_metric_points" } as const;

/**
 * Where the OTLP receivers, container logs, scraping and health checks hand their telemetry: checks the ingest key,
 * counts the items (which also checks the request's framing), samples spans of services over their budget, and
 * appends to the buffer. Requests are forwarded as received, undecoded, unless sampling has to look inside.
 */
export class TelemetryIntake {
  private inFlightBytes = 0;

  constructor(
    private readonly deps: {
      keys: IngestKeyRing;
      buffer: TelemetryBuffer;
      sampler: AdaptiveSampler;
      stats: TelemetryStats;
      /** The service's current deployment on this server, attached when the resource names none. */
      deploymentOf: (serviceId: string) => string | undefined;
      /** A batch is worth cutting now (the buffer holds a batch's worth). */
      onFull: () => void;
      /** Request bytes being processed at once; beyond it requests are pushed back with 503. */
      maxInFlightBytes: number;
    },
  ) {}

  /** A request was answered with an error (any reason): counted for the agent's stats. */
  refused(): void {
    this.deps.stats.add("refused_requests", 1);
  }

  /** Checks a request's key. */
  authenticate(key: string | undefined): { serviceId: string } | IntakeResult {
    const found = this.deps.keys.resolve(key);
    if ("serviceId" in found) return found;
    return { ok: false, status: 401, message: found.message };
  }

  /**
   * Reserves room for a request body of `bytes` before reading it; false (answer 503 with Retry-After) when the
   * agent is already processing as much as it allows. `release` gives the room back.
   */
  reserve(bytes: number): boolean {
    if (this.inFlightBytes > 0 && this.inFlightBytes + bytes > this.deps.maxInFlightBytes) return false;
    this.inFlightBytes += bytes;
    return true;
  }

  release(bytes: number): void {
    this.inFlightBytes = Math.max(0, this.inFlightBytes - bytes);
  }

  /**
   * Buffers one protobuf-encoded export request of a service; resolves once it is on disk. `payload` is read and
   * copied before this first awaits, so the caller may reuse its memory from then on (the gRPC receiver does).
   */
  async acceptOtlp(serviceId: string, signal: OtlpSignal, payload: Uint8Array): Promise<IntakeResult> {
    const { sampler, stats } = this.deps;
    try {
      let items = countOtlpItems(signal, payload);
      let body = payload;
      if (signal === "traces") {
        sampler.observe(serviceId, items);
        if (sampler.probability(serviceId) < 1) {
          const outcome = sampler.sample(serviceId, decodeOtlp("traces", payload));
          stats.add("received_spans", items);
          stats.add("sampled_out_spans", outcome.dropped);
          if (!outcome.request) return { ok: true };
          body = encodeOtlp("traces", outcome.request);
          items = outcome.kept;
          return await this.append(serviceId, signal, body, items, false);
        }
      }
      return await this.append(serviceId, signal, body, items, true);
    } catch (err) {
      if (err instanceof OtlpInputError) return { ok: false, status: err.status, message: err.message };
      if (err instanceof BufferBusyError) return { ok: false, status: 503, message: err.message, retryAfterSeconds: 1 };
      throw err;
    }
  }

  private async append(
    serviceId: string,
    signal: OtlpSignal,
    payload: Uint8Array,
    items: number,
    count: boolean,
  ): Promise<IntakeResult> {
    if (items === 0) return { ok: true };
    const deploymentId = this.deps.deploymentOf(serviceId);
    await this.deps.buffer.append({ kind: "otlp", serviceId, deploymentId, signal, items, payload });
    if (count) this.deps.stats.add(RECEIVED[signal], items);
    if (this.deps.buffer.full) this.deps.onFull();
    return { ok: true };
  }

  /** Buffers telemetry the agent produced itself (container logs, scraped metrics, health checks). */
  async acceptContract(data: {
    logs?: LogEntry[];
    metrics?: MetricPoint[];
    healthChecks?: HealthCheckResult[];
  }): Promise<void> {
    const entry = {
      kind: "contract" as const,
      logs: data.logs ?? [],
      metrics: data.metrics ?? [],
      healthChecks: data.healthChecks ?? [],
    };
    if (entry.logs.length + entry.metrics.length + entry.healthChecks.length === 0) return;
    await this.deps.buffer.append(entry);
    this.deps.stats.add("received_log_records", entry.logs.length);
    this.deps.stats.add("received_metric_points", entry.metrics.length);
    if (this.deps.buffer.full) this.deps.onFull();
  }
}
