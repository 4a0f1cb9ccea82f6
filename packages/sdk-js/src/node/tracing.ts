import { type Attributes, context, propagation, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ExportResult } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import type { Resource } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  type ReadableSpan,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace-node";
import { SDK_INFO } from "../core/client";
import type { Dsn } from "../core/dsn";
import { KEY_HEADER } from "./http-breadcrumbs";
import { instrumentations } from "./instrumentations";

/** The attribute an `exception` span event gets when the SDK sent that exception as an error event itself. */
export const EVENT_ID_ATTRIBUTE = "syntra.event_id";

/**
 * Stacks of exceptions the SDK captured (newest kept), so the exception events instrumentations record on spans
 * can be linked to the error event instead of becoming a second one.
 */
export class CapturedStacks {
  private readonly byStack = new Map<string, string>();

  constructor(private readonly max = 500) {}

  remember(error: unknown, eventId: string): void {
    const stack = (error as { stack?: unknown } | null)?.stack;
    if (typeof stack !== "string") return;
    this.byStack.delete(stack);
    this.byStack.set(stack, eventId);
    if (this.byStack.size > this.max) this.byStack.delete(this.byStack.keys().next().value as string);
  }

  eventOf(stack: string): string | undefined {
    return this.byStack.get(stack);
  }
}

/** An exporter that marks exception events of captured errors before passing the spans on. */
class LinkingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly captured: CapturedStacks,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      for (const event of span.events) {
        const stack = event.attributes?.["exception.stacktrace"];
        if (event.name !== "exception" || typeof stack !== "string") continue;
        const id = this.captured.eventOf(stack);
        if (id && event.attributes) (event.attributes as Attributes)[EVENT_ID_ATTRIBUTE] = id;
      }
    }
    this.inner.export(spans, done);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** What tracing setup made, to be shut down by close(). */
export interface Tracing {
  provider: NodeTracerProvider;
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry tracing to the DSN's OTLP endpoint: a tracer provider with the sampling rate, batched export, W3C
 * trace context propagation and the default instrumentations. The provider is registered globally, so every OTel
 * instrumentation the app adds reports through it.
 */
export function setupTracing(dsn: Dsn, resource: Resource, sampleRate: number, captured: CapturedStacks): Tracing {
  const exporter = new OTLPTraceExporter({ url: dsn.tracesUrl, headers: { [KEY_HEADER]: dsn.key } });
  const provider = new NodeTracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(sampleRate) }),
    spanProcessors: [new BatchSpanProcessor(new LinkingExporter(exporter, captured))],
  });
  // A second init() replaces the first, whose close() is still under way: the OTel API keeps the first globals
  // it is given, so they are released here, and that close() leaves the new ones alone.
  if (registered) disableGlobals();
  provider.register();
  registered = provider;
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations,
  });
  return {
    provider,
    shutdown: async () => {
      unregister();
      // So that init() may run again in the same process (tests, hot reload).
      if (registered === provider) {
        registered = undefined;
        disableGlobals();
      }
      await provider.shutdown();
    },
  };
}

/** The provider setupTracing registered last, while it is registered. */
let registered: NodeTracerProvider | undefined;

function disableGlobals(): void {
  trace.disable();
  context.disable();
  propagation.disable();
}

/** Options of startSpan. */
export interface StartSpanOptions {
  name: string;
  attributes?: Attributes;
  kind?: SpanKind;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

function fail(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * Runs fn in a new span, the child of the active one, and ends it when fn returns or its promise settles; an
 * exception marks the span as failed and is rethrown. Works whether or not the SDK set up tracing (with no tracer
 * provider the span is a no-op).
 */
export function startSpan<T>(options: string | StartSpanOptions, fn: (span: Span) => T): T {
  const { name, attributes, kind } = typeof options === "string" ? { name: options } : options;
  const tracer = trace.getTracer(SDK_INFO.name, SDK_INFO.version);
  return tracer.startActiveSpan(name, { attributes, kind: kind ?? SpanKind.INTERNAL }, (span) => {
    try {
      const result = fn(span);
      if (isThenable(result)) {
        return Promise.resolve(result).then(
          (value) => {
            span.end();
            return value;
          },
          (error: unknown) => {
            fail(span, error);
            span.end();
            throw error;
          },
        ) as T;
      }
      span.end();
      return result;
    } catch (error) {
      fail(span, error);
      span.end();
      throw error;
    }
  });
}

/** The active span's ids, when there is a recording span. */
export function activeSpanIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const ctx = span.spanContext();
  if (!/^[0-9a-f]{32}$/.test(ctx.traceId) || /^0+$/.test(ctx.traceId) || /^0+$/.test(ctx.spanId)) return undefined;
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}
