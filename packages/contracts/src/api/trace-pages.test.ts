import assert from "node:assert/strict";
import { test } from "node:test";
import { TRACE_PAGE_DEFAULT_LIMIT, traceSpanParams, traceSpansPage, traceSpansQuery } from "./trace-pages";

test("trace page query: a default limit, numbers from the query string, bounds, no unknown parameter", () => {
  assert.deepEqual(traceSpansQuery.parse({}), { limit: TRACE_PAGE_DEFAULT_LIMIT });
  assert.deepEqual(traceSpansQuery.parse({ limit: "300", cursor: "abc" }), { limit: 300, cursor: "abc" });
  for (const bad of [{ limit: "0" }, { limit: "5001" }, { limit: "1.5" }, { cursor: "" }, { page: "2" }]) {
    assert.equal(traceSpansQuery.safeParse(bad).success, false, JSON.stringify(bad));
  }
});

test("span path: upper-case hex ids are the same ids; anything else is refused", () => {
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  assert.deepEqual(traceSpanParams.parse({ traceId: traceId.toUpperCase(), spanId: "00F067AA0BA902B7" }), {
    traceId,
    spanId: "00f067aa0ba902b7",
  });
  assert.equal(traceSpanParams.safeParse({ traceId, spanId: "xyz" }).success, false);
  assert.equal(traceSpanParams.safeParse({ traceId, spanId: "00f067aa0ba902b7ff" }).success, false);
});

test("a page's outlines carry no attributes or events, and a later page may leave the counts out", () => {
  const page = {
    trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
    start_time: "2026-01-01T00:00:00.000000000Z",
    end_time: "2026-01-01T00:00:01.000000000Z",
    span_count: null,
    services: null,
    spans: [
      {
        span_id: "00f067aa0ba902b7",
        parent_span_id: null,
        service_id: "8a5d9c0e-0c5c-4e8e-9d6a-6f0e8a9b1c2d",
        operation_name: "GET /",
        span_kind: "server",
        start_time: "2026-01-01T00:00:00.000000000Z",
        duration_ns: 1e9,
        status_code: "ok",
        attributes: { "http.route": "/" },
      },
    ],
  };
  const parsed = traceSpansPage.parse(page);
  assert.equal("attributes" in (parsed.spans[0] ?? {}), false);
});
