import { debugLog } from "./debug";
import { buildEvent, exceptionDetails, type RuntimeInfo } from "./event";
import { uuid4 } from "./ids";
import { normalizeRecord, truncate } from "./normalize";
import type { Scope, ScopeManager } from "./scope";
import { parseStack, toStackFrames } from "./stack-parser";
import { type Sender, Transport, type TransportStats } from "./transport";
import type {
  Breadcrumb,
  BreadcrumbInput,
  CaptureHint,
  ClientLike,
  Integration,
  Level,
  RequestData,
  ResolvedOptions,
  StackFrame,
  SyntraEvent,
} from "./types";

/** The SDK's name and version, sent with every event. */
export const SDK_INFO = { name: "syntra.javascript", version: "0.1.0" };

/** What differs between Node and browsers. */
export interface Platform {
  scopes: ScopeManager;
  /** Sends one batch body to the errors endpoint. */
  sender: Sender;
  runtime(): RuntimeInfo;
  /** The module name of a file (Node: its path from the app's root). */
  moduleOf?(filename: string): string | undefined;
  /** Adds the lines around each frame (Node reads the files). */
  addSourceContext?(frames: StackFrame[]): Promise<void>;
  /** The span active where the error was captured. */
  activeSpan?(): { trace_id: string; span_id: string } | undefined;
  /** The request of events captured outside any request (browsers: the page). */
  request?(): RequestData | undefined;
  /** Told of every exception captured (Node links the exception events of spans to it). */
  captured?(error: unknown, eventId: string): void;
}

/**
 * The SDK once init() ran: turns exceptions and messages into events with the current scope, runs beforeSend and
 * hands them to the transport. Nothing here throws into the app: a failure in the SDK is logged (with debug on) and
 * the event dropped and counted.
 */
export class Client implements ClientLike {
  private readonly transport: Transport | undefined;
  private readonly pending = new Set<Promise<void>>();
  private teardowns: (() => unknown)[] = [];
  private integrations: Integration[] = [];
  private lastId: string | undefined;

  constructor(
    readonly options: ResolvedOptions,
    private readonly platform: Platform,
  ) {
    this.transport = options.dsn
      ? new Transport({
          send: platform.sender,
          maxQueueSize: options.maxQueueSize,
          log: (m) => this.log(m),
        })
      : undefined;
  }

  /** Whether events are sent at all (a valid DSN and not disabled). */
  get enabled(): boolean {
    return this.transport !== undefined;
  }

  /** Sets up the integrations; each one's teardown runs at close(). */
  setupIntegrations(integrations: Integration[]): void {
    this.integrations.push(...integrations);
    for (const integration of integrations) {
      try {
        const teardown = integration.setup(this);
        if (teardown) this.teardowns.push(teardown);
        this.log(`integration ${integration.name} set up`);
      } catch (err) {
        this.log(`integration ${integration.name} failed to set up: ${String(err)}`);
      }
    }
  }

  log(message: string, ...args: unknown[]): void {
    debugLog(this.options.debug, message, ...args);
  }

  /** The id of the last event captured. */
  lastEventId(): string | undefined {
    return this.lastId;
  }

  /** Counts of events sent and dropped (by reason). */
  stats(): TransportStats | undefined {
    return this.transport?.stats();
  }

  /** The transport (browsers drain it with sendBeacon when the page goes away). */
  get eventTransport(): Transport | undefined {
    return this.transport;
  }

  captureException(error: unknown, hint: CaptureHint = {}): string {
    try {
      const details = exceptionDetails(error);
      const frames = toStackFrames(parseStack(details.stack), this.options.inApp, (f) => this.platform.moduleOf?.(f));
      return this.capture(details.type, details.message, frames, hint.level ?? "error", hint, details.causes, error);
    } catch (err) {
      this.log(`captureException failed: ${String(err)}`);
      return "";
    }
  }

  captureMessage(message: string, level: Level = "info", hint: CaptureHint = {}): string {
    try {
      return this.capture("message", truncate(String(message)), [], level, { handled: true, ...hint }, [], undefined);
    } catch (err) {
      this.log(`captureMessage failed: ${String(err)}`);
      return "";
    }
  }

  addBreadcrumb(input: BreadcrumbInput): void {
    try {
      const ts = input.timestamp instanceof Date ? input.timestamp.toISOString() : input.timestamp;
      let crumb: Breadcrumb | null = {
        timestamp: ts ?? new Date().toISOString(),
        type: input.type ?? "console",
        category: input.category,
        level: input.level ?? "info",
        ...(input.message !== undefined && { message: truncate(String(input.message)) }),
        ...(input.data && { data: normalizeRecord(input.data) }),
      };
      if (this.options.beforeBreadcrumb) crumb = this.options.beforeBreadcrumb(crumb);
      if (crumb) this.platform.scopes.current().addBreadcrumb(crumb);
    } catch (err) {
      this.log(`addBreadcrumb failed: ${String(err)}`);
    }
  }

  /** Waits for events being prepared and sent, at most `timeoutMs`; true when all left in time. */
  async flush(timeoutMs = this.options.shutdownTimeout): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const others = this.integrations.map((i) => i.flush?.().catch((err) => this.log(`flush failed: ${String(err)}`)));
    const prepared = await Promise.race([
      Promise.allSettled([...this.pending, ...others]).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (!this.transport) return prepared;
    const sent = await this.transport.flush(Math.max(0, deadline - Date.now()));
    return prepared && sent;
  }

  /** Flushes, then undoes every integration and stops sending. */
  async close(timeoutMs = this.options.shutdownTimeout): Promise<boolean> {
    const done = await this.flush(timeoutMs);
    for (const teardown of this.teardowns.splice(0).reverse()) {
      try {
        await teardown();
      } catch (err) {
        this.log(`teardown failed: ${String(err)}`);
      }
    }
    this.integrations = [];
    await this.transport?.close(0);
    return done;
  }

  private capture(
    type: string,
    message: string,
    frames: StackFrame[],
    level: Level,
    hint: CaptureHint,
    causes: { type: string; message: string }[],
    original: unknown,
  ): string {
    const id = uuid4();
    this.lastId = id;
    if (!this.transport) return id;
    if (Math.random() >= this.options.sampleRate) {
      this.transport.recordDrop("sample_rate");
      return id;
    }
    const scope: Scope = this.platform.scopes.current();
    const event = buildEvent(
      {
        id,
        type,
        message,
        frames,
        level,
        handled: hint.handled ?? true,
        hint: hint.request || scope.request ? hint : { ...hint, request: this.platform.request?.() },
        environment: this.options.environment,
        release: this.options.release,
        deploymentId: this.options.deploymentId,
        trace: this.platform.activeSpan?.(),
        runtime: this.platform.runtime(),
        sdk: SDK_INFO,
        causes,
      },
      scope,
    );
    // Later events show this one in their timeline, as Sentry does.
    this.addBreadcrumb({
      type: "error",
      category: "exception",
      level: level === "fatal" ? "error" : level === "warning" ? "warning" : level === "error" ? "error" : "info",
      message: type === "message" ? message : `${type}: ${message}`,
      data: { event_id: id },
    });
    this.platform.captured?.(original, id);
    const work = this.finish(event, original ?? hint.originalException);
    if (work) {
      this.pending.add(work);
      void work.finally(() => this.pending.delete(work));
    }
    return id;
  }

  // Synchronous unless source context or beforeSend are asynchronous: a browser page going away right after a
  // capture must find the event queued.
  private finish(event: SyntraEvent, original: unknown): Promise<void> | undefined {
    const context = this.platform.addSourceContext?.(event.stack_trace);
    if (!context) return this.afterContext(event, original);
    return context.then(
      () => this.afterContext(event, original),
      (err) => {
        this.log(`source context failed: ${String(err)}`);
        return this.afterContext(event, original);
      },
    );
  }

  private afterContext(event: SyntraEvent, original: unknown): Promise<void> | undefined {
    const transport = this.transport as Transport;
    const done = (final: SyntraEvent | null) => {
      if (final) transport.enqueue(final);
      else transport.recordDrop("before_send");
    };
    const dropOnThrow = (err: unknown) => {
      this.log(`beforeSend threw, the event is dropped: ${String(err)}`);
      transport.recordDrop("before_send");
    };
    if (!this.options.beforeSend) {
      done(event);
      return undefined;
    }
    let result: ReturnType<NonNullable<ResolvedOptions["beforeSend"]>>;
    try {
      result = this.options.beforeSend(event, { originalException: original });
    } catch (err) {
      dropOnThrow(err);
      return undefined;
    }
    if (result instanceof Promise) return result.then(done, dropOnThrow);
    done(result);
    return undefined;
  }
}
