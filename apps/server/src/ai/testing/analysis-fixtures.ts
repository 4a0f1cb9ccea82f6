import type { AIAnalysisAnswer } from "@syntra/contracts";
import type { AnalysisContext } from "../analysis-context";

/** A valid analysis as a model would send it. */
export const MODEL_ANSWER: AIAnalysisAnswer = {
  root_cause: "getOrder reads order.customer.id but orders created before the migration have no customer.",
  why_now: "Deployment #2 (commit abc1234 'orders: join customer') started reading order.customer.",
  suggested_fix: "Guard order.customer in getOrder or backfill customer_id for old orders.",
  severity: "HIGH",
  affected_scope: "12 events, 3 users of web in production.",
  confidence: 0.72,
  evidence: [
    { kind: "stack_frame", detail: "getOrder (/app/src/orders.ts:42): return order.customer.id;" },
    { kind: "commit", detail: "abc1234 orders: join customer" },
  ],
};

/** An analysis context of a TypeError first seen 4 minutes after deployment #2. */
export function sampleContext(over: Partial<AnalysisContext> = {}): AnalysisContext {
  return {
    issue: {
      id: "00000000-0000-4000-8000-000000000001",
      title: "TypeError: Cannot read properties of undefined (reading 'id')",
      exceptionType: "TypeError",
      culprit: "getOrder (/app/src/orders.ts)",
      severity: "high",
      status: "unresolved",
      eventCount: 12,
      userCount: 3,
      firstSeenAt: "2026-12-01T10:04:00.000Z",
      lastSeenAt: "2026-12-01T11:00:00.000Z",
    },
    service: { name: "web" },
    event: {
      type: "TypeError",
      message: "Cannot read properties of undefined (reading 'id')",
      level: "error",
      handled: false,
      environment: "production",
      release: "abc1234",
      timestamp: "2026-12-01T11:00:00.000Z",
      frames: [
        {
          filename: "/app/src/orders.ts",
          function: "getOrder",
          lineno: 42,
          context_line: "  return order.customer.id;",
          pre_context: ["export async function getOrder(id) {"],
          post_context: ["}"],
          in_app: true,
        },
      ],
      breadcrumbs: [
        {
          timestamp: "2026-12-01T10:59:59.000Z",
          type: "http",
          category: "fetch",
          message: "GET /api/orders/17",
          level: "info",
        },
      ],
      tags: { region: "eu" },
    },
    firstDeployment: {
      number: 2,
      commitSha: "abc1234def5678",
      commitMessage: "orders: join customer",
      createdAt: "2026-12-01T09:59:00.000Z",
      liveAt: "2026-12-01T10:00:00.000Z",
    },
    previousDeployment: {
      number: 1,
      commitSha: "0011223344",
      commitMessage: "first",
      createdAt: "2026-11-30T09:00:00.000Z",
      liveAt: "2026-11-30T09:01:00.000Z",
    },
    ...over,
  };
}
