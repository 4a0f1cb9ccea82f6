import {
  type ExportTraceServiceRequest,
  int64,
  randomnessOf,
  type Span,
  type Threshold14,
  thresholdFor,
  withThreshold,
} from "@syntra/otlp";

/** Settings of adaptive sampling. */
export interface SamplerOptions {
  /** Spans per second each service may send before sampling starts; 0 turns sampling off. */
  spanBudgetPerSecond: number;
  /** The span rate is measured over this window. */
  windowSeconds?: number;
  /** Traces marked interesting (an error, unusual latency) are kept whole for this long. */
  keepTraceSeconds?: number;
  now?: () => number;
}

/** What sampling did to one request. */
export interface SampleOutcome {
  /** The request with only the kept spans (the same object, changed in place); null when none was kept. */
  request: ExportTraceServiceRequest | null;
  kept: number;
  dropped: number;
}

const STATUS_ERROR = 2;
// Latency statistics per operation need this many spans before "unusual" means anything.
const MIN_LATENCY_SAMPLES = 50;
const MAX_OPERATIONS = 1000;
const MAX_KEPT_TRACES = 100_000;

class RateWindow {
  private readonly buckets: number[];
  private lastSecond = 0;

  constructor(private readonly seconds: number) {
    this.buckets = new Array<number>(seconds).fill(0);
  }

  add(nowMs: number, n: number): void {
    this.advance(nowMs);
    const i = this.lastSecond % this.seconds;
    this.buckets[i] = (this.buckets[i] ?? 0) + n;
  }

  /** Spans per second over the window. */
  rate(nowMs: number): number {
    this.advance(nowMs);
    return this.buckets.reduce((a, b) => a + b, 0) / this.seconds;
  }

  private advance(nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    if (this.lastSecond === 0) this.lastSecond = second;
    for (let s = this.lastSecond + 1; s <= second && s - this.lastSecond <= this.seconds; s++) {
      this.buckets[s % this.seconds] = 0;
    }
    this.lastSecond = Math.max(this.lastSecond, second);
  }
}

/** Running mean and variance of an operation's durations (Welford), to tell an unusually slow span. */
class LatencyStats {
  private n = 0;
  private mean = 0;
  private m2 = 0;

  /** True when `durationNs` is far above what this operation usually takes (mean + 3 standard deviations). */
  unusual(durationNs: number): boolean {
    const result = this.n >= MIN_LATENCY_SAMPLES && durationNs > this.mean + 3 * Math.sqrt(this.m2 / (this.n - 1));
    // After many spans the statistics follow recent behaviour rather than freezing.
    if (this.n < 10_000) this.n++;
    const delta = durationNs - this.mean;
    this.mean += delta / this.n;
    this.m2 += delta * (durationNs - this.mean);
    return result;
  }
}

/**
 * Adaptive, consistent trace sampling. Below its span budget a service is not sampled. Above it, each trace is kept
 * with probability budget / rate, decided by the trace's randomness (its trace id, OpenTelemetry's consistent
 * probability sampling), so every service on this server keeps the same traces, whole, and a less sampled service
 * keeps a superset of a more sampled one's. Spans with an error or an unusual latency for their operation, and
 * every span of their trace in the same request or arriving later, are always kept. Kept spans record the
 * threshold in their tracestate (`ot=th:`), from which the control plane computes their sample weight.
 */
export class AdaptiveSampler {
  private readonly rates = new Map<string, RateWindow>();
  private readonly latencies = new Map<string, Map<string, LatencyStats>>();
  /** Trace ids (hex) kept whole, with when they stop being special; insertion-ordered for cheap expiry. */
  private readonly keptTraces = new Map<string, number>();
  private readonly windowSeconds: number;
  private readonly keepMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: SamplerOptions) {
    this.windowSeconds = opts.windowSeconds ?? 10;
    this.keepMs = (opts.keepTraceSeconds ?? 60) * 1000;
    this.now = opts.now ?? Date.now;
  }

  /** Counts a request's spans toward the service's rate. */
  observe(serviceId: string, spans: number): void {
    if (this.opts.spanBudgetPerSecond <= 0) return;
    let window = this.rates.get(serviceId);
    if (!window) {
      window = new RateWindow(this.windowSeconds);
      this.rates.set(serviceId, window);
    }
    window.add(this.now(), spans);
  }

  /** The share of traces the service keeps now: 1 below its budget. */
  probability(serviceId: string): number {
    const budget = this.opts.spanBudgetPerSecond;
    if (budget <= 0) return 1;
    const rate = this.rates.get(serviceId)?.rate(this.now()) ?? 0;
    return rate <= budget ? 1 : budget / rate;
  }

  /** Samples a decoded request of the service at its current probability (a no-op at 1). */
  sample(serviceId: string, request: ExportTraceServiceRequest): SampleOutcome {
    const probability = this.probability(serviceId);
    let kept = 0;
    let dropped = 0;
    if (probability >= 1) {
      for (const rs of request.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) kept += ss.spans?.length ?? 0;
      return { request, kept, dropped };
    }
    const threshold = thresholdFor(probability);
    const now = this.now();
    this.expireKeptTraces(now);
    const spans = (request.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? []));
    // Interesting traces first, so every span of such a trace in this request is kept with it.
    for (const span of spans) {
      if (this.interesting(serviceId, span)) this.keptTraces.set(hex(span.traceId), now + this.keepMs);
    }
    while (this.keptTraces.size > MAX_KEPT_TRACES) {
      const oldest = this.keptTraces.keys().next().value;
      if (oldest === undefined) break;
      this.keptTraces.delete(oldest);
    }
    for (const rs of request.resourceSpans ?? []) {
      for (const ss of rs.scopeSpans ?? []) {
        ss.spans = (ss.spans ?? []).filter((span) => {
          const keep = this.decide(span, threshold);
          if (keep) kept++;
          else dropped++;
          return keep;
        });
      }
      rs.scopeSpans = (rs.scopeSpans ?? []).filter((ss) => ss.spans.length > 0);
    }
    request.resourceSpans = (request.resourceSpans ?? []).filter((rs) => rs.scopeSpans.length > 0);
    return { request: kept > 0 ? request : null, kept, dropped };
  }

  private decide(span: Span, threshold: Threshold14): boolean {
    const traceId = hex(span.traceId);
    if (this.keptTraces.has(traceId)) return true;
    const traceState = span.traceState ?? "";
    if (randomnessOf(traceId, traceState) < threshold) return false;
    span.traceState = withThreshold(traceState, threshold);
    return true;
  }

  private interesting(serviceId: string, span: Span): boolean {
    const error = span.status?.code === STATUS_ERROR;
    let operations = this.latencies.get(serviceId);
    if (!operations) {
      operations = new Map();
      this.latencies.set(serviceId, operations);
    }
    let stats = operations.get(span.name);
    if (!stats && operations.size < MAX_OPERATIONS) {
      stats = new LatencyStats();
      operations.set(span.name, stats);
    }
    const slow = stats?.unusual(int64(span.endTimeUnixNano) - int64(span.startTimeUnixNano)) ?? false;
    return error || slow;
  }

  private expireKeptTraces(now: number): void {
    for (const [traceId, until] of this.keptTraces) {
      if (until > now) break;
      this.keptTraces.delete(traceId);
    }
  }
}

function hex(bytes: Uint8Array | undefined): string {
  return bytes ? Buffer.from(bytes).toString("hex") : "";
}
