// The wire shapes the SDK sends. They mirror the contract of `POST /v1/errors` (packages/contracts:
// `sdkErrorEvent`), written out here because the published package cannot depend on the private contracts package;
// a test checks both that these types are assignable to the contract's and that every event the SDK builds
// passes the contract's schema.

/** How bad an event is (Sentry's levels). */
export type Level = "fatal" | "error" | "warning" | "info" | "debug";

/** One frame of a stack trace, innermost frame last. */
export interface StackFrame {
  filename: string;
  /** The module: a path relative to the app's root without extension, or `package/path` inside node_modules. */
  module?: string;
  function: string;
  /** 0 when the position is unknown. */
  lineno: number;
  colno?: number;
  context_line?: string;
  pre_context?: string[];
  post_context?: string[];
  /** Whether the frame is the app's own code (not a dependency, not the runtime). */
  in_app: boolean;
}

/** The kinds of breadcrumbs the control plane knows. */
export type BreadcrumbType = "http" | "navigation" | "ui" | "console" | "error" | "query";

/** Something that happened before an error, shown as its timeline. */
export interface Breadcrumb {
  timestamp: string;
  type: BreadcrumbType;
  category: string;
  message?: string;
  data?: Record<string, unknown>;
  level: "debug" | "info" | "warning" | "error";
}

/** A breadcrumb as the app adds it: everything but the category may be left out. */
export interface BreadcrumbInput {
  category: string;
  type?: BreadcrumbType;
  message?: string;
  data?: Record<string, unknown>;
  level?: Breadcrumb["level"];
  /** Defaults to now. */
  timestamp?: string | Date;
}

/** The affected user. `id` is what users are counted by; `email` is sent only when it looks like an address. */
export interface User {
  id: string;
  email?: string;
}

/** One error or message as it goes to `POST /v1/errors`. */
export interface SyntraEvent {
  id: string;
  timestamp: string;
  /** The exception's type (`TypeError`), or `message` for captureMessage. */
  type: string;
  message: string;
  stack_trace: StackFrame[];
  breadcrumbs: Breadcrumb[];
  context: {
    environment: string;
    release: string;
    user?: User;
    tags: Record<string, string>;
    extra: Record<string, unknown>;
  };
  /** Empty: the control plane groups by the in-app frames; `{{ default }}` stands for that rule. */
  fingerprint: string[];
  level: Level;
  handled: boolean;
  deployment_id?: string;
  trace_id?: string;
  span_id?: string;
}

/** What the app may tell about a captured exception. */
export interface CaptureHint {
  /** False for errors that reached a global handler (uncaught, unhandled rejection, a framework's error hook). */
  handled?: boolean;
  /** Which hook caught it (`onuncaughtexception`, `express`, ...), kept as the `mechanism` tag. */
  mechanism?: string;
  level?: Level;
  tags?: Record<string, string>;
  extra?: Record<string, unknown>;
  fingerprint?: string[];
  /** The HTTP request being served, if any. */
  request?: RequestData;
  /** The original value the app threw, given to beforeSend. */
  originalException?: unknown;
}

/** The request an error happened in, kept in `extra.request` (credentials left out). */
export interface RequestData {
  method?: string;
  url?: string;
  query_string?: string;
  headers?: Record<string, string>;
  /** The route pattern (`/users/:id`), also the `transaction` tag. */
  route?: string;
}

/** A part of the SDK that hooks into the runtime (console, fetch, process handlers, a framework). */
export interface Integration {
  name: string;
  /** Called once when init() runs with a DSN; returns a function that undoes it (awaited by close()). */
  setup(client: ClientLike): (() => unknown) | undefined;
  /** Sends what the integration holds (spans, log records); awaited by flush(). */
  flush?(): Promise<void>;
}

/** The parts of the client integrations use. */
export interface ClientLike {
  readonly options: ResolvedOptions;
  captureException(error: unknown, hint?: CaptureHint): string;
  addBreadcrumb(crumb: BreadcrumbInput): void;
  flush(timeoutMs?: number): Promise<boolean>;
  /** Writes a line when `debug` is on, through the console methods as they were before any integration. */
  log(message: string, ...args: unknown[]): void;
}

/** What beforeSend is given beside the event. */
export interface EventHint {
  originalException?: unknown;
}

/** The options of init(). Each one can be left out; see the package README for the defaults. */
export interface Options {
  /** `http(s)://<key>@<host>[:port][/path]/<id>`; defaults to SYNTRA_DSN. Without one nothing is sent. */
  dsn?: string;
  /** Defaults to SYNTRA_ENVIRONMENT, SENTRY_ENVIRONMENT, the resource's deployment.environment.name, "production". */
  environment?: string;
  /** Defaults to SYNTRA_RELEASE, SENTRY_RELEASE or the resource's service.version (Syntra injects the commit). */
  release?: string;
  /** The share of error events sent, 0 to 1 (default 1). */
  sampleRate?: number;
  /** The share of traces recorded, 0 to 1 (default 1; Syntra's agent samples whole traces under load). */
  tracesSampleRate?: number;
  /** Sees every event last; return null to drop it, or change it (scrub PII). May be async. */
  beforeSend?: (event: SyntraEvent, hint: EventHint) => SyntraEvent | null | Promise<SyntraEvent | null>;
  /** Sees every breadcrumb; return null to drop it. */
  beforeBreadcrumb?: (crumb: Breadcrumb) => Breadcrumb | null;
  /** Added to the default integrations, or a function that picks from them. */
  integrations?: Integration[] | ((defaults: Integration[]) => Integration[]);
  /** Writes what the SDK does to the console. */
  debug?: boolean;
  /** Breadcrumbs kept per scope (default 100). */
  maxBreadcrumbs?: number;
  /** Events waiting to be sent at most; more are dropped and counted (default 100). */
  maxQueueSize?: number;
  /** How long close() and a crash wait for events to leave, in ms (default 2000). */
  shutdownTimeout?: number;
  /** Sends cookies, auth headers and IP addresses of requests too (default false). */
  sendDefaultPii?: boolean;
  /** Set to false to turn the SDK off whatever the DSN. */
  enabled?: boolean;
  /** Decides which frames are the app's own; default: not node_modules, not the runtime. */
  inApp?: (filename: string) => boolean;
  /** The deployment the app runs in; defaults to deployment.id of OTEL_RESOURCE_ATTRIBUTES (Syntra injects it). */
  deploymentId?: string;
  /** Node: record traces with OpenTelemetry (default true). Set false when the app sets up OpenTelemetry itself. */
  tracing?: boolean;
  /** Node: send console output as OpenTelemetry log records (default: true, except in containers Syntra deployed,
   * whose output the agent already collects). */
  logs?: boolean;
  /** Node: the service name of traces and logs; defaults to OTEL_SERVICE_NAME. */
  serviceName?: string;
}

/** Options after defaults, as the client uses them. */
export interface ResolvedOptions {
  dsn: import("./dsn").Dsn | undefined;
  environment: string;
  release: string;
  sampleRate: number;
  tracesSampleRate: number;
  beforeSend: Options["beforeSend"];
  beforeBreadcrumb: Options["beforeBreadcrumb"];
  debug: boolean;
  maxBreadcrumbs: number;
  maxQueueSize: number;
  shutdownTimeout: number;
  sendDefaultPii: boolean;
  inApp: ((filename: string) => boolean) | undefined;
  deploymentId: string | undefined;
  tracing: boolean;
  logs: boolean;
  serviceName: string | undefined;
}
