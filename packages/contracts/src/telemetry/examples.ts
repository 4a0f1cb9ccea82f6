import type { z } from "zod";
import type { telemetryData } from "./batch";

/**
 * A realistic TelemetryData with one item of each signal, for contract tests and docs.
 * Typed against the schema's input, so it cannot drift from the contract unnoticed.
 */
export const exampleTelemetryData: z.input<typeof telemetryData> = {
  errors: [
    {
      id: "5f0c6b8e-3a0d-4c7e-9b1a-2d3e4f5a6b7c",
      service_id: "0b6f3c52-8d1e-4f7a-a2b3-c4d5e6f7a8b9",
      deployment_id: "7d9e1f20-4b3c-4a5d-8e6f-0a1b2c3d4e5f",
      timestamp: "2025-01-31T10:15:30.123Z",
      type: "TypeError",
      message: "Cannot read properties of undefined (reading 'id')",
      stack_trace: [
        {
          filename: "src/routes/orders.ts",
          function: "getOrder",
          lineno: 42,
          colno: 17,
          context_line: "  return order.customer.id;",
          pre_context: ["  const order = await db.orders.find(id);"],
          post_context: ["}"],
          in_app: true,
        },
      ],
      breadcrumbs: [
        {
          timestamp: "2025-01-31T10:15:30.001Z",
          type: "http",
          category: "fetch",
          message: "GET /api/orders/17",
          data: { status_code: 500 },
          level: "error",
        },
      ],
      context: {
        environment: "production",
        release: "3f2a9c1",
        user: { id: "user-17", email: "ana@example.com" },
        tags: { region: "eu-west" },
        extra: { order_id: 17 },
      },
      fingerprint: ["TypeError", "getOrder"],
    },
  ],
  traces: [
    {
      trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
      span_id: "00f067aa0ba902b7",
      service_id: "0b6f3c52-8d1e-4f7a-a2b3-c4d5e6f7a8b9",
      deployment_id: "7d9e1f20-4b3c-4a5d-8e6f-0a1b2c3d4e5f",
      operation_name: "GET /api/orders/:id",
      span_kind: "server",
      start_time_ns: 1738318530123000000,
      duration_ns: 48250000,
      status: { code: "error", message: "TypeError" },
      attributes: { "http.method": "GET", "http.status_code": 500, "http.route": "/api/orders/:id" },
      events: [{ name: "exception", timestamp_ns: 1738318530170000000, attributes: { "exception.type": "TypeError" } }],
    },
  ],
  logs: [
    {
      timestamp: "2025-01-31T10:15:30.171Z",
      service_id: "0b6f3c52-8d1e-4f7a-a2b3-c4d5e6f7a8b9",
      deployment_id: "7d9e1f20-4b3c-4a5d-8e6f-0a1b2c3d4e5f",
      level: "error",
      message: "request failed",
      attributes: { path: "/api/orders/17" },
      trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
      span_id: "00f067aa0ba902b7",
      source: "sdk",
    },
  ],
  metrics: [
    {
      timestamp: "2025-01-31T10:15:30Z",
      service_id: "0b6f3c52-8d1e-4f7a-a2b3-c4d5e6f7a8b9",
      name: "http_requests_total",
      type: "counter",
      value: 1024,
      labels: { method: "GET", status: "500" },
    },
    {
      timestamp: "2025-01-31T10:15:30Z",
      service_id: "0b6f3c52-8d1e-4f7a-a2b3-c4d5e6f7a8b9",
      name: "http_request_duration_seconds",
      type: "histogram",
      value: 12.5,
      labels: { route: "/api/orders/:id" },
      histogram_buckets: [
        { le: 0.05, count: 80 },
        { le: 0.25, count: 95 },
        { le: 1, count: 100 },
      ],
    },
  ],
  health_checks: [
    {
      service_id: "0b6f3c52-8d1e-4f7a-a2b3-c4d5e6f7a8b9",
      timestamp: "2025-01-31T10:15:25Z",
      is_healthy: true,
      status_code: 200,
      response_time_ms: 12,
    },
  ],
};
