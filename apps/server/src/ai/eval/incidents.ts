import type { Breadcrumb, StackFrame } from "@syntra/contracts";
import type { AnalysisContext } from "../analysis-context";

/** One realistic incident: what was recorded, and the root cause a good analysis names. */
export interface Incident {
  name: string;
  context: AnalysisContext;
  /** The known error pattern (offline analyzer) the cause belongs to. */
  expectedPattern: string;
  /** Words one of which a model's root cause must contain to count as naming the expected cause. */
  expectedCause: RegExp;
}

const T0 = Date.parse("2026-11-20T14:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function frame(file: string, fn: string, line: number, code: string, inApp = true): StackFrame {
  return { filename: file, function: fn, lineno: line, context_line: code, in_app: inApp };
}
function crumb(minute: number, category: string, message: string, level: Breadcrumb["level"] = "info"): Breadcrumb {
  return { timestamp: at(minute), type: category === "query" ? "query" : "http", category, message, level };
}

function incident(
  name: string,
  e: { type: string; message: string; frames: StackFrame[]; breadcrumbs?: Breadcrumb[] },
  deploy: { sha: string; message: string; minutesBeforeFirstEvent: number } | null,
  counts: { events: number; users: number },
  expectedPattern: string,
  expectedCause: RegExp,
): Incident {
  const firstSeen = at(0);
  return {
    name,
    expectedPattern,
    expectedCause,
    context: {
      issue: {
        id: `00000000-0000-4000-8000-${String(name.length).padStart(12, "0")}`,
        title: `${e.type}: ${e.message}`,
        exceptionType: e.type,
        culprit: e.frames[0] ? `${e.frames[0].function} (${e.frames[0].filename})` : null,
        severity: "high",
        status: "unresolved",
        eventCount: counts.events,
        userCount: counts.users,
        firstSeenAt: firstSeen,
        lastSeenAt: at(45),
      },
      service: { name: "shop-api" },
      event: {
        type: e.type,
        message: e.message,
        level: "error",
        handled: false,
        environment: "production",
        release: deploy?.sha ?? "",
        timestamp: at(45),
        frames: e.frames,
        breadcrumbs: e.breadcrumbs ?? [],
        tags: {},
      },
      firstDeployment: deploy
        ? {
            number: 41,
            commitSha: deploy.sha,
            commitMessage: deploy.message,
            createdAt: at(-deploy.minutesBeforeFirstEvent - 1),
            liveAt: at(-deploy.minutesBeforeFirstEvent),
          }
        : null,
      previousDeployment: deploy
        ? { number: 40, commitSha: "5e6f7a8b9c", commitMessage: "bump deps", createdAt: at(-2000), liveAt: at(-1999) }
        : null,
    },
  };
}

/**
 * The evaluation set: incidents seen in production web services, each with the telemetry an SDK records. Run
 * through the offline analyzer in CI (eval.test.ts) and through a real provider on demand (scripts/ai-eval.ts).
 */
export const INCIDENTS: Incident[] = [
  incident(
    "bad deploy introduces a TypeError",
    {
      type: "TypeError",
      message: "Cannot read properties of undefined (reading 'currency')",
      frames: [
        frame("/app/src/checkout/total.ts", "formatTotal", 18, "  return cart.pricing.currency + ' ' + sum;"),
        frame("/app/src/checkout/routes.ts", "postCheckout", 52, "  const label = formatTotal(cart);"),
        frame("node_modules/express/lib/router/layer.js", "handle", 95, "fn(req, res, next);", false),
      ],
      breadcrumbs: [crumb(-1, "http", "POST /api/checkout")],
    },
    { sha: "c0ffee1234", message: "checkout: move currency into cart.pricing", minutesBeforeFirstEvent: 3 },
    { events: 812, users: 240 },
    "null_dereference",
    /undefined|pricing|currency|null/i,
  ),
  incident(
    "exhausted connection pool",
    {
      type: "TimeoutError",
      message: "Timeout acquiring a connection. The pool is probably full.",
      frames: [
        frame("/app/src/db/pool.ts", "withConnection", 30, "  const conn = await pool.acquire();"),
        frame("/app/src/orders/report.ts", "exportOrders", 77, "  return withConnection(async (c) => streamAll(c));"),
      ],
      breadcrumbs: [
        crumb(-2, "query", "SELECT * FROM orders WHERE created_at > $1"),
        crumb(-1, "http", "GET /api/orders/export"),
      ],
    },
    { sha: "abad1dea00", message: "orders: stream CSV export", minutesBeforeFirstEvent: 25 },
    { events: 3120, users: 410 },
    "connection_pool_exhausted",
    /pool|connection/i,
  ),
  incident(
    "missing environment variable",
    {
      type: "Error",
      message: "Environment variable STRIPE_WEBHOOK_SECRET is not set",
      frames: [
        frame(
          "/app/src/config.ts",
          "required",
          12,
          "  if (!v) throw new Error('Environment variable ' + name + ' is not set');",
        ),
      ],
    },
    { sha: "feedface42", message: "payments: verify webhook signatures", minutesBeforeFirstEvent: 1 },
    { events: 95, users: 0 },
    "missing_env_var",
    /environment|env|variable|STRIPE_WEBHOOK_SECRET|config/i,
  ),
  incident(
    "slow query after a schema change",
    {
      type: "QueryFailedError",
      message: "canceling statement due to statement timeout",
      frames: [
        frame(
          "/app/src/search/products.ts",
          "searchProducts",
          64,
          "  return db.query('SELECT ... WHERE lower(name) LIKE $1', [q]);",
        ),
      ],
      breadcrumbs: [crumb(-1, "query", "ALTER TABLE products ADD COLUMN search_name text", "warning")],
    },
    { sha: "d15ea5e000", message: "products: rename name column, drop old index", minutesBeforeFirstEvent: 8 },
    { events: 640, users: 188 },
    "slow_query_timeout",
    /index|query|timeout|slow/i,
  ),
  incident(
    "database refuses connections after a restart",
    {
      type: "Error",
      message: "connect ECONNREFUSED 10.0.3.7:5432",
      frames: [frame("/app/src/db/client.ts", "connect", 9, "  await client.connect();")],
    },
    null,
    { events: 57, users: 12 },
    "connection_refused",
    /refus|database|down|connect/i,
  ),
  incident(
    "out of memory in a report job",
    {
      type: "RangeError",
      message: "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
      frames: [
        frame(
          "/app/src/jobs/monthly-report.ts",
          "buildReport",
          40,
          "  const rows = await db.all('SELECT * FROM events');",
        ),
      ],
    },
    { sha: "0ddba11000", message: "reports: include all events", minutesBeforeFirstEvent: 60 },
    { events: 4, users: 0 },
    "out_of_memory",
    /memory|heap|oom/i,
  ),
  incident(
    "a dependency missing from the image",
    {
      type: "Error",
      message: "Cannot find module 'sharp'",
      frames: [frame("/app/src/images/resize.ts", "resize", 2, "import sharp from 'sharp';")],
    },
    { sha: "b16b00b500", message: "images: resize uploads with sharp", minutesBeforeFirstEvent: 2 },
    { events: 230, users: 77 },
    "module_not_found",
    /module|dependenc|sharp|install/i,
  ),
  incident(
    "a renamed internal host",
    {
      type: "Error",
      message: "getaddrinfo ENOTFOUND inventory.internal",
      frames: [
        frame("/app/src/inventory/client.ts", "reserve", 21, "  const res = await fetch(INVENTORY_URL + '/reserve');"),
      ],
    },
    { sha: "facade0001", message: "infra: rename inventory service to stock", minutesBeforeFirstEvent: 5 },
    { events: 310, users: 95 },
    "dns_failure",
    /dns|host|resolv|inventory|renam/i,
  ),
];
