import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { errorEvent, type LogEntry, type TraceSpan } from "@syntra/contracts";
import { groupEvent } from "./fingerprint";
import { errorFromLog, errorsFromSpan, errorsFromTelemetry, SDK_EVENT_ID_ATTRIBUTE } from "./otel-errors";
import { parseStackTrace } from "./stack-parse";

const serviceId = "3f1c2a9e-7b4d-4e8a-9c21-5d6f7a8b9c0d";
const deploymentId = "8a2b4c6d-1e3f-4a5b-8c7d-9e0f1a2b3c4d";

function getOrder(): Error {
  return new TypeError("Cannot read properties of undefined (reading 'id')");
}

test("a V8 stack (as Node prints it) becomes frames, innermost last, node internals not in-app", () => {
  const stack = getOrder().stack ?? "";
  const frames = parseStackTrace(stack);
  const innermost = frames.at(-1);
  assert.equal(innermost?.function, "getOrder");
  // This file, or its compiled form when the suite runs compiled (scripts/bundle-tests.ts).
  assert.match(innermost?.filename ?? "", /otel-errors\.test\.m?[jt]s$/);
  assert.ok((innermost?.lineno ?? 0) > 0 && (innermost?.colno ?? 0) > 0);
  assert.equal(innermost?.in_app, true);
  assert.ok(
    frames.some((f) => f.filename.startsWith("node:") && !f.in_app),
    "node: frames are not the app's",
  );
});

test("a CPython traceback becomes frames with their source lines, site-packages not in-app", () => {
  const script = [
    "import traceback, json",
    "def checkout(cart):",
    "    return json.loads(cart)['total']",
    "try:",
    "    checkout('{}')",
    "except Exception:",
    "    print(traceback.format_exc())",
  ].join("\n");
  const dir = mkdtempSync(path.join(os.tmpdir(), "syntra-py-"));
  const file = path.join(dir, "shop.py");
  writeFileSync(file, script);
  const printed = execFileSync("python3", [file], { encoding: "utf8" });
  rmSync(dir, { recursive: true, force: true });
  const frames = parseStackTrace(printed);
  const innermost = frames.at(-1);
  assert.equal(innermost?.function, "checkout");
  assert.equal(innermost?.context_line, "return json.loads(cart)['total']");
  assert.equal(innermost?.lineno, 3);
  assert.equal(frames[0]?.function, "<module>");
});

test("JVM and Go stacks become frames; the JDK and the Go runtime are not in-app", () => {
  const java = [
    "java.lang.IllegalStateException: cart is empty",
    "\tat com.acme.shop.Checkout.total(Checkout.java:42)",
    "\tat com.acme.shop.Api.handle(Api.java:17)",
    "\tat java.base/java.lang.Thread.run(Thread.java:1583)",
  ].join("\n");
  const jframes = parseStackTrace(java);
  assert.deepEqual(
    jframes.map((f) => [f.module, f.function, f.lineno, f.in_app]),
    [
      ["java.base/java.lang.Thread", "run", 1583, true],
      ["com.acme.shop.Api", "handle", 17, true],
      ["com.acme.shop.Checkout", "total", 42, true],
    ].map(([m, fn, ln]) => [m, fn, ln, !String(m).startsWith("java.")]),
  );

  const go = [
    "goroutine 1 [running]:",
    "main.checkout(0x0)",
    "\t/app/main.go:42 +0x1d",
    "main.main()",
    "\t/app/main.go:12 +0x25",
    "runtime.main()",
    "\t/usr/local/go/src/runtime/proc.go:272 +0x28",
  ].join("\n");
  const gframes = parseStackTrace(go);
  assert.deepEqual(
    gframes.map((f) => [f.function, f.lineno, f.in_app]),
    [
      ["runtime.main", 272, false],
      ["main.main", 12, true],
      ["main.checkout", 42, true],
    ],
  );
  assert.deepEqual(parseStackTrace("no stack here"), []);
});

const span = (over: Partial<TraceSpan> = {}): TraceSpan => ({
  trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
  span_id: "00f067aa0ba902b7",
  service_id: serviceId,
  deployment_id: deploymentId,
  operation_name: "GET /api/orders/:id",
  span_kind: "server",
  start_time_ns: 1_738_318_530_123_000_000,
  duration_ns: 48_250_000,
  status: { code: "error", message: "boom" },
  attributes: { "http.route": "/api/orders/:id", "deployment.environment.name": "production", "enduser.id": "u-7" },
  events: [
    {
      name: "exception",
      timestamp_ns: 1_738_318_530_170_000_000,
      attributes: {
        "exception.type": "TypeError",
        "exception.message": "Cannot read properties of undefined (reading 'id')",
        "exception.stacktrace": getOrder().stack ?? "",
        "exception.escaped": true,
      },
    },
    { name: "retry", timestamp_ns: 1_738_318_530_171_000_000, attributes: {} },
  ],
  ...over,
});

test("an OTel exception span event becomes an error event linked to its trace, valid by the contract", () => {
  const [event, ...rest] = errorsFromSpan(span());
  assert.equal(rest.length, 0, "only `exception` events are errors");
  assert.ok(event);
  assert.deepEqual(errorEvent.safeParse(event).error?.issues, undefined);
  assert.equal(event.type, "TypeError");
  assert.equal(event.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  assert.equal(event.span_id, "00f067aa0ba902b7");
  assert.equal(event.deployment_id, deploymentId);
  assert.equal(event.timestamp, "2025-01-31T10:15:30.170Z");
  assert.equal(event.handled, false);
  assert.equal(event.context.environment, "production");
  assert.deepEqual(event.context.user, { id: "u-7" });
  assert.equal(event.context.tags["http.route"], "/api/orders/:id");
  assert.equal(event.stack_trace.at(-1)?.function, "getOrder");
  assert.equal(groupEvent(event).rule, "stack");
  // The same span sent twice (an agent re-sending a batch) gives the same event id.
  assert.equal(errorsFromSpan(span())[0]?.id, event.id);
  assert.notEqual(errorsFromSpan(span({ span_id: "b7ad6b7169203331" }))[0]?.id, event.id);
});

test("an exception event a Syntra SDK already sent as an error event (syntra.event_id) is not a second one", () => {
  const original = span();
  const marked = span({
    events: original.events.map((e) =>
      e.name === "exception"
        ? { ...e, attributes: { ...e.attributes, [SDK_EVENT_ID_ATTRIBUTE]: "6f9619ff-8b86-4011-b42d-00c04fc964ff" } }
        : e,
    ),
  });
  assert.deepEqual(errorsFromSpan(marked), []);
  assert.equal(errorsFromSpan(original).length, 1);
});

const log = (over: Partial<LogEntry> = {}): LogEntry => ({
  timestamp: "2025-01-31T10:15:30.171Z",
  service_id: serviceId,
  deployment_id: deploymentId,
  level: "error",
  message: "request failed",
  attributes: {},
  trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
  span_id: "00f067aa0ba902b7",
  source: "sdk",
  ...over,
});

test("error-level log records with exception attributes become error events; other records do not", () => {
  const withException = log({
    attributes: { "exception.type": "ValueError", "exception.message": "invalid literal for int(): 'x'" },
  });
  const event = errorFromLog(withException);
  assert.ok(event);
  assert.deepEqual(errorEvent.safeParse(event).error?.issues, undefined);
  assert.deepEqual(
    [event.type, event.message, event.level, event.trace_id],
    ["ValueError", "invalid literal for int(): 'x'", "error", "4bf92f3577b34da6a3ce929d0e0e4736"],
  );
  assert.equal(errorFromLog(log({ level: "fatal", attributes: { "exception.message": "x" } }))?.level, "fatal");
  assert.equal(errorFromLog(log()), null, "an error line without an exception stays a log line");
  assert.equal(errorFromLog(log({ level: "warn", attributes: { "exception.type": "X" } })), null);
  assert.equal(errorsFromTelemetry([span()], [withException, log()]).length, 2);
});
