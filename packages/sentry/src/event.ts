import { randomUUID } from "node:crypto";
import {
  type Breadcrumb,
  type ErrorEvent,
  type ErrorLevel,
  MESSAGE_EVENT_TYPE,
  type StackFrame,
} from "@syntra/contracts";
import { arr, count, eventIdAsUuid, hexId, limitDepth, obj, scalarText, sentryTime, str } from "./values";

/** Where converted data belongs: the service of the key, and a deployment when the sender knows it. */
export interface ConversionTarget {
  serviceId: string;
  /** The deployment id to record; the control plane re-attributes events from their release and time. */
  deploymentId: string;
}

/** Request headers that may carry credentials: never stored, even when an SDK sends them. */
const SECRET_HEADERS =
  /^(?:cookie|set-cookie|authorization|proxy-authorization|x-api-key|x-auth-token|x-sentry-auth)$/i;

const LEVELS: Record<string, ErrorLevel> = {
  fatal: "fatal",
  critical: "fatal",
  error: "error",
  warning: "warning",
  warn: "warning",
  info: "info",
  log: "info",
  debug: "debug",
};

/**
 * A Sentry error event (an `event` item, or the body of the legacy store endpoint) as an ErrorEvent: the
 * outermost exception with its frames (innermost last, as Sentry orders them), or the message of a message event
 * with its thread's stack, breadcrumbs, tags, user, contexts, release and environment.
 */
export function errorEventFromSentry(event: Record<string, unknown>, target: ConversionTarget, now: Date): ErrorEvent {
  const exceptions = (arr(obj(event.exception)?.values) ?? arr(event.exception) ?? []).map(obj).filter(Boolean);
  const main = exceptions.at(-1);
  const mechanism = obj(main?.mechanism);
  const handled = typeof mechanism?.handled === "boolean" ? mechanism.handled : undefined;
  const level = LEVELS[str(event.level) ?? "error"] ?? "error";
  const message = messageOf(event);
  // captureMessage with a stack: some SDKs wrap the message in an exception without a type.
  const isMessage = !main || (!str(main.type) && !str(main.module) && message !== undefined);
  const frames = framesOf(obj(main?.stacktrace) ?? threadStacktrace(event));
  const trace = obj(obj(event.contexts)?.trace);
  const traceId = hexId(trace?.trace_id, 32);
  const spanId = hexId(trace?.span_id, 16);
  const user = userOf(obj(event.user));
  return {
    id: eventIdAsUuid(event.event_id) ?? randomUUID(),
    service_id: target.serviceId,
    deployment_id: target.deploymentId,
    timestamp: (sentryTime(event.timestamp) ?? now).toISOString(),
    type: isMessage ? MESSAGE_EVENT_TYPE : str(main?.type) || str(main?.module) || "Error",
    message: isMessage ? (message ?? str(main?.value) ?? "") : (str(main?.value) ?? message ?? ""),
    stack_trace: frames,
    breadcrumbs: breadcrumbsOf(event.breadcrumbs),
    context: {
      environment: str(event.environment) ?? "",
      release: str(event.release) ?? "",
      ...(user && { user }),
      tags: tagsOf(event, level, mechanism, handled),
      extra: extraOf(event),
    },
    fingerprint: (arr(event.fingerprint) ?? []).map(scalarText).filter((p): p is string => !!p),
    level,
    ...(handled !== undefined && { handled }),
    ...(traceId && { trace_id: traceId }),
    ...(spanId && { span_id: spanId }),
  };
}

function messageOf(event: Record<string, unknown>): string | undefined {
  const entry = obj(event.logentry) ?? obj(event.message);
  return str(entry?.formatted) ?? str(entry?.message) ?? str(event.message);
}

// captureMessage with attachStacktrace puts the stack on the thread instead of an exception.
function threadStacktrace(event: Record<string, unknown>): Record<string, unknown> | undefined {
  const threads = arr(obj(event.threads)?.values) ?? arr(event.threads) ?? [];
  for (const t of threads) {
    const stack = obj(obj(t)?.stacktrace);
    if (stack) return stack;
  }
  return undefined;
}

function framesOf(stacktrace: Record<string, unknown> | undefined): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const raw of arr(stacktrace?.frames) ?? []) {
    const f = obj(raw);
    if (!f) continue;
    const filename = str(f.filename) || str(f.abs_path) || str(f.module) || "?";
    const frame: StackFrame = {
      filename,
      function: str(f.function) ?? "",
      lineno: count(f.lineno) ?? 0,
      in_app:
        typeof f.in_app === "boolean" ? f.in_app : !/node_modules|site-packages|dist-packages|^node:/.test(filename),
    };
    const module = str(f.module);
    if (module) frame.module = module;
    const colno = count(f.colno);
    if (colno !== undefined) frame.colno = colno;
    const context = str(f.context_line);
    if (context !== undefined) frame.context_line = context;
    const pre = (arr(f.pre_context) ?? []).map(str).filter((l): l is string => l !== undefined);
    const post = (arr(f.post_context) ?? []).map(str).filter((l): l is string => l !== undefined);
    if (pre.length > 0) frame.pre_context = pre;
    if (post.length > 0) frame.post_context = post;
    frames.push(frame);
  }
  return frames;
}

const BREADCRUMB_LEVELS: Record<string, Breadcrumb["level"]> = {
  fatal: "error",
  error: "error",
  warning: "warning",
  warn: "warning",
  info: "info",
  log: "info",
  debug: "debug",
};

/** Sentry's breadcrumb types mapped onto the contract's; the category is kept as sent. */
function breadcrumbType(type: string | undefined, category: string): Breadcrumb["type"] {
  if (type === "http" || /^(?:http|fetch|xhr)$/.test(category)) return "http";
  if (type === "navigation" || category === "navigation") return "navigation";
  if (type === "ui" || type === "user" || category.startsWith("ui.")) return "ui";
  if (type === "query" || /^(?:query|db|sql)/.test(category)) return "query";
  if (type === "error") return "error";
  return "console";
}

function breadcrumbsOf(value: unknown): Breadcrumb[] {
  const list = arr(obj(value)?.values) ?? arr(value) ?? [];
  const out: Breadcrumb[] = [];
  for (const raw of list) {
    const b = obj(raw);
    if (!b) continue;
    const category = str(b.category) ?? str(b.type) ?? "default";
    const crumb: Breadcrumb = {
      timestamp: (sentryTime(b.timestamp) ?? new Date(0)).toISOString(),
      type: breadcrumbType(str(b.type), category),
      category,
      level: BREADCRUMB_LEVELS[str(b.level) ?? "info"] ?? "info",
    };
    const message = str(b.message);
    if (message !== undefined) crumb.message = message;
    const data = obj(b.data);
    if (data) crumb.data = limitDepth(data, 5) as Record<string, unknown>;
    out.push(crumb);
  }
  return out;
}

function userOf(user: Record<string, unknown> | undefined): ErrorEvent["context"]["user"] {
  if (!user) return undefined;
  // Sentry counts users by the first of these it has.
  const id = scalarText(user.id) || str(user.username) || str(user.email) || str(user.ip_address);
  if (!id) return undefined;
  const email = str(user.email);
  return { id, ...(email && /^[^\s@]+@[^\s@]+$/.test(email) && { email }) };
}

function tagsOf(
  event: Record<string, unknown>,
  level: ErrorLevel,
  mechanism: Record<string, unknown> | undefined,
  handled: boolean | undefined,
): Record<string, string> {
  const tags: Record<string, string> = {};
  const raw = event.tags;
  const pairs = obj(raw)
    ? Object.entries(obj(raw) ?? {})
    : (arr(raw) ?? []).map((p) => (arr(p) ?? []) as [unknown, unknown]);
  for (const [k, v] of pairs) {
    const key = scalarText(k);
    const value = scalarText(v);
    if (key && value !== undefined) tags[key] = value;
  }
  // What Sentry shows as tags of its own, unless the app set them.
  const contexts = obj(event.contexts);
  const derived: Record<string, string | undefined> = {
    level,
    handled: handled === undefined ? undefined : handled ? "yes" : "no",
    mechanism: str(mechanism?.type),
    logger: str(event.logger),
    transaction: str(event.transaction),
    server_name: str(event.server_name),
    url: str(obj(event.request)?.url),
    runtime: nameAndVersion(obj(contexts?.runtime)),
    os: nameAndVersion(obj(contexts?.os)),
    browser: nameAndVersion(obj(contexts?.browser)) ?? browserOf(obj(obj(event.request)?.headers)),
  };
  for (const [k, v] of Object.entries(derived)) if (v && tags[k] === undefined) tags[k] = v;
  return tags;
}

/** The browser a browser SDK's event came from, read from the User-Agent it sends (as Sentry's server does). */
function browserOf(headers: Record<string, unknown> | undefined): string | undefined {
  const ua = str(headers?.["User-Agent"]) ?? str(headers?.["user-agent"]);
  if (!ua) return undefined;
  for (const [name, pattern] of [
    ["Edge", /Edg\/(\d+)/],
    ["Firefox", /Firefox\/(\d+)/],
    ["Chrome", /(?:Chrome|Chromium|HeadlessChrome)\/(\d+)/],
    ["Safari", /Version\/(\d+)[\d.]* .*Safari\//],
  ] as const) {
    const m = pattern.exec(ua);
    if (m) return `${name} ${m[1]}`;
  }
  return undefined;
}

function nameAndVersion(ctx: Record<string, unknown> | undefined): string | undefined {
  const name = str(ctx?.name);
  if (!name) return undefined;
  const version = str(ctx?.version);
  return version ? `${name} ${version}` : name;
}

/** Extra data, the contexts (minus the trace, kept as ids), the request without credentials, and the SDK. */
function extraOf(event: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...obj(event.extra) };
  const { trace: _trace, ...contexts } = obj(event.contexts) ?? {};
  if (Object.keys(contexts).length > 0) out.contexts = contexts;
  const request = obj(event.request);
  if (request) {
    const { cookies: _c, data: _d, headers, ...rest } = request;
    const safeHeaders = Object.fromEntries(
      Object.entries(obj(headers) ?? {}).filter(([name]) => !SECRET_HEADERS.test(name)),
    );
    out.request = { ...rest, headers: safeHeaders };
  }
  const sdk = obj(event.sdk);
  if (sdk) out.sdk = { name: str(sdk.name), version: str(sdk.version) };
  return limitDepth(out, 8) as Record<string, unknown>;
}
