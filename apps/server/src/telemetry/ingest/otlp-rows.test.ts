import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import {
  convertLogs,
  convertTraces,
  decodeOtlp,
  OtlpInputError,
  type OtlpSignal,
  otlpType,
  otlpTypes,
} from "@syntra/otlp";
import { sdkRequests } from "../../../../../packages/otlp/src/testing/sdk-requests";
import { sharedTestTelemetryStore } from "../../testing/telemetry-store";
import { RowBinaryWriter } from "../store/row-binary";
import { writeLog, writeSpan } from "../store/rows";
import { writeLogRows } from "./log-rows";
import { OtlpRowsBuilder } from "./otlp-rows";
import { writeSpanRows } from "./span-rows";

// The fast path (span-rows.ts, log-rows.ts) must store exactly what the general path (protobufjs decode, the
// contract conversion, writeSpan/writeLog) stores: every request below is written both ways and the RowBinary bytes
// compared. Requests come from the official JS SDK and from protobufjs encoding the edge cases by hand.

const serviceId = "0b6f3c52-8d1e-4f7a-a2b3-c4d5e6f7a8b9";
const deploymentId = "7d9e1f20-4b3c-4a5d-8e6f-0a1b2c3d4e5f";
const orgId = "5a4b3c2d-1e0f-4a1b-9c8d-7e6f5a4b3c2d";
const attribution = { serviceId, deploymentId };
const NOW = new Date("2026-12-05T06:00:00.000Z");
const T = 1_796_450_400_123_456_789n; // ns, 2026-12-05

function encode(signal: OtlpSignal, request: object): Buffer {
  const type = otlpTypes[signal].request;
  return Buffer.from(type.encode(type.fromObject(request)).finish());
}

function generalSpans(bytes: Uint8Array): { bytes: Buffer; rejected: number; error?: string } {
  const w = new RowBinaryWriter();
  const { spans, rejected, error } = convertTraces(decodeOtlp("traces", bytes), attribution);
  for (const span of spans) writeSpan(w, { ...span, org_id: orgId });
  return { bytes: Buffer.from(w.bytes()), rejected, ...(error ? { error } : {}) };
}

function fastSpans(bytes: Uint8Array): { bytes: Buffer; rejected: number; error?: string; general: number } {
  const w = new RowBinaryWriter(16);
  const { rejected, error, general } = writeSpanRows(w, bytes, attribution, orgId);
  return { bytes: Buffer.from(w.bytes()), rejected, general, ...(error ? { error } : {}) };
}

function generalLogs(bytes: Uint8Array): Buffer {
  const w = new RowBinaryWriter();
  for (const entry of convertLogs(decodeOtlp("logs", bytes), attribution, NOW))
    writeLog(w, { ...entry, org_id: orgId });
  return Buffer.from(w.bytes());
}

function fastLogs(bytes: Uint8Array): { bytes: Buffer; general: number } {
  const w = new RowBinaryWriter(16);
  const { general } = writeLogRows(w, bytes, attribution, orgId, NOW);
  return { bytes: Buffer.from(w.bytes()), general };
}

const id = (hex: string) => Buffer.from(hex, "hex");
let counter = 0;
const traceId = () => id(`${(++counter).toString(16).padStart(8, "0")}${"ab".repeat(12)}`);
const spanId = () => id(`${(++counter).toString(16).padStart(8, "0")}cdcdcdcd`);
const kv = (key: string, value?: object) => (value === undefined ? { key } : { key, value });

/** A span with the given fields over sensible defaults. */
function span(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    traceId: traceId(),
    spanId: spanId(),
    name: "GET /orders/:id",
    kind: 2,
    startTimeUnixNano: T.toString(),
    endTimeUnixNano: (T + 1_234_567n).toString(),
    attributes: [kv("http.route", { stringValue: "/orders/:id" })],
    ...over,
  };
}

function traces(
  spans: Record<string, unknown>[],
  resource: object[] = [],
  scope: object = { name: "s", version: "1" },
) {
  return encode("traces", { resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope, spans }] }] });
}

/** Writes the request both ways and compares; `generalPath` says how many spans must have taken the general path. */
function assertSameSpans(bytes: Uint8Array, what: string, generalPath = 0): void {
  const general = generalSpans(bytes);
  const fast = fastSpans(bytes);
  assert.equal(fast.rejected, general.rejected, `${what}: rejected`);
  assert.equal(fast.error, general.error, `${what}: reason`);
  assert.ok(fast.bytes.equals(general.bytes), `${what}: the fast path's rows differ from the general path's`);
  assert.equal(fast.general, generalPath, `${what}: spans the general path took`);
}

test("spans of the official JS SDK (a server span, a failed client span with an exception event) are stored alike", async () => {
  const sdk = await sdkRequests({ "deployment.id": deploymentId.toUpperCase() });
  // The span with an event takes the general path.
  assertSameSpans(sdk.traces, "sdk", 1);
  const w = new RowBinaryWriter();
  const result = writeSpanRows(w, sdk.traces, attribution, orgId);
  assert.equal(result.rows, 2);
  // The span with the exception event is handed to the errors domain too.
  assert.deepEqual(
    result.withEvents.map((s) => s.events[0]?.name),
    ["exception"],
  );
});

test("every kind of span attribute value is stored as the general path stores it", () => {
  const values: [string, object | undefined][] = [
    ["s", { stringValue: "text ✓ 𝄞" }],
    ["empty-string", { stringValue: "" }],
    ["long", { stringValue: "x".repeat(300) }],
    ["t", { boolValue: true }],
    ["f", { boolValue: false }],
    ["zero", { intValue: 0 }],
    ["neg", { intValue: -1 }],
    ["big", { intValue: "9007199254740993" }],
    ["min", { intValue: "-9223372036854775808" }],
    ["d", { doubleValue: 1.5 }],
    ["nan", { doubleValue: Number.NaN }],
    ["inf", { doubleValue: Number.NEGATIVE_INFINITY }],
    ["negzero", { doubleValue: -0 }],
    ["e21", { doubleValue: 1e21 }],
    ["absent", undefined],
    ["empty", {}],
  ];
  for (const [key, value] of values) assertSameSpans(traces([span({ attributes: [kv(key, value)] })]), key);
  assertSameSpans(traces([span({ attributes: values.map(([k, v]) => kv(k, v)) })]), "all at once");
  // Those only the general path converts: structures, bytes, names given twice or inherited, __proto__.
  const general: [string, object[]][] = [
    ["array", [kv("a", { arrayValue: { values: [{ stringValue: "x" }, { intValue: 2 }] } })]],
    ["kvlist", [kv("m", { kvlistValue: { values: [kv("k", { boolValue: true })] } })]],
    ["bytes", [kv("b", { bytesValue: Buffer.from([0, 1, 255]) })]],
    ["twice", [kv("k", { stringValue: "1" }), kv("k", { stringValue: "2" })]],
    ["inherited", [kv("service.name", { stringValue: "override" })]],
    ["scope", [kv("otel.scope.name", { stringValue: "override" })]],
    ["proto", [kv("__proto__", { stringValue: "x" })]],
    ["many", Array.from({ length: 300 }, (_, i) => kv(`k${i}`, { intValue: i }))],
  ];
  for (const [what, attributes] of general) {
    assertSameSpans(traces([span({ attributes })], [kv("service.name", { stringValue: "checkout" })]), what, 1);
  }
});

test("span fields: kinds, status, names, parents, trace state weights, events and links, rejections", () => {
  const cases: [string, Record<string, unknown>][] = [
    ...[0, 1, 2, 3, 4, 5, 9].map((kind) => [`kind ${kind}`, { kind }] as [string, Record<string, unknown>]),
    ["no status", { status: undefined }],
    ["ok", { status: { code: 1 } }],
    ["error with message", { status: { code: 2, message: "connect ECONNREFUSED 10.0.0.1:5432" } }],
    ["unknown status code", { status: { code: 7, message: "?" } }],
    ["unnamed", { name: "" }],
    ["unicode name", { name: "čaj ☕ 𝄞" }],
    ["parent", { parentSpanId: spanId() }],
    ["zero parent", { parentSpanId: Buffer.alloc(8) }],
    ["short parent", { parentSpanId: Buffer.alloc(4, 1) }],
    ["sampled at 1/4", { traceState: "ot=th:c;rv:ab,vendor=x" }],
    ["other trace state", { traceState: "vendor=x" }],
    ["no end", { endTimeUnixNano: 0 }],
    ["ends before it starts", { endTimeUnixNano: (T - 5n).toString() }],
    ["microseconds", { startTimeUnixNano: "1796450400123456000" }],
    [
      "events",
      {
        events: [
          { name: "exception", timeUnixNano: T.toString(), attributes: [kv("exception.type", { stringValue: "E" })] },
        ],
      },
    ],
    ["links", { links: [{ traceId: traceId(), spanId: spanId() }] }],
    [
      "flags and dropped counts",
      { flags: 0x301, droppedAttributesCount: 3, droppedEventsCount: 1, droppedLinksCount: 2 },
    ],
    ["zero trace id", { traceId: Buffer.alloc(16) }],
    ["short span id", { spanId: Buffer.alloc(4, 1) }],
    ["no span id", { spanId: undefined }],
    ["no start", { startTimeUnixNano: 0 }],
  ];
  const generalPath = ["events", "links", "zero trace id", "short span id", "no span id", "no start"];
  for (const [what, over] of cases) assertSameSpans(traces([span(over)]), what, generalPath.includes(what) ? 1 : 0);
  assertSameSpans(traces(cases.map(([, over]) => span(over))), "all in one request", generalPath.length);
});

test("resources and scopes: deployment ids, inherited attributes, several of each, no scope", () => {
  const other = randomUUID();
  const request = encode("traces", {
    resourceSpans: [
      {
        resource: {
          attributes: [
            kv("service.name", { stringValue: "a" }),
            kv("deployment.id", { stringValue: other.toUpperCase() }),
            kv("host.cores", { intValue: 8 }),
            kv("tags", { arrayValue: { values: [{ stringValue: "x" }] } }),
          ],
        },
        scopeSpans: [{ scope: { name: "one", version: "1.0" }, spans: [span(), span()] }, { spans: [span()] }],
      },
      {
        resource: { attributes: [kv("deployment.id", { stringValue: "not-a-uuid" })] },
        scopeSpans: [{ spans: [span()] }],
      },
      { scopeSpans: [{ scope: { name: "no resource" }, spans: [span()] }] },
    ],
  });
  assertSameSpans(request, "resources");
  const w = new RowBinaryWriter();
  assert.equal(writeSpanRows(w, request, attribution, orgId).rows, 5);
});

/** A length-delimited field, for requests protobufjs would not write: fields out of order, unknown fields. */
function field(fieldId: number, bytes: Uint8Array): Buffer {
  const varint = (n: number) => {
    const out: number[] = [];
    let v = n;
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(v);
    return Buffer.from(out);
  };
  return Buffer.concat([varint((fieldId << 3) | 2), varint(bytes.length), bytes]);
}

test("fields in any order and unknown fields: the resource after its spans, a field of a later proto version", () => {
  const encodeType = (name: string, value: object) => {
    const type = otlpType(name);
    return Buffer.from(type.encode(type.fromObject(value)).finish());
  };
  const resource = encodeType("resource.v1.Resource", { attributes: [kv("service.name", { stringValue: "late" })] });
  // An unknown length-delimited field 99 inside the span, and a varint field 98 (tag 98<<3, value 1).
  const spanBytes = Buffer.concat([
    encodeType("trace.v1.Span", span()),
    field(99, Buffer.from("future")),
    Buffer.from([0x90, 0x06, 0x01]),
  ]);
  const scopeSpans = Buffer.concat([
    field(2, spanBytes),
    field(1, encodeType("common.v1.InstrumentationScope", { name: "late" })),
  ]);
  const request = field(1, Buffer.concat([field(2, scopeSpans), field(1, resource)]));
  assertSameSpans(request, "out of order");
  assert.equal(writeSpanRows(new RowBinaryWriter(), request, attribution, orgId).rows, 1);
});

test("a string that is not UTF-8 is stored with replacement characters, as protobufjs decodes it", () => {
  const request = traces([span({ name: "AAAA", attributes: [kv("k", { stringValue: "BBBB" })] })]);
  request.set([0xff, 0xfe], request.indexOf("AAAA"));
  request.set([0xc3], request.indexOf("BBBB") + 3);
  assertSameSpans(request, "invalid UTF-8");
});

test("undecodable bytes fail the request as a 400 and write nothing", () => {
  const w = new RowBinaryWriter();
  writeSpanRows(w, traces([span()]), attribution, orgId);
  const before = w.length;
  const good = traces([span(), span()]);
  for (const bad of [
    Buffer.from("not protobuf at all"),
    good.subarray(0, good.length - 7),
    Buffer.from([0x0a, 0xff]),
  ]) {
    assert.throws(() => writeSpanRows(w, bad, attribution, orgId), OtlpInputError);
    assert.throws(() => writeLogRows(w, bad, attribution, orgId, NOW), OtlpInputError);
    assert.equal(w.length, before);
  }
});

/** A log record with the given fields over sensible defaults. */
function record(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timeUnixNano: T.toString(),
    severityNumber: 9,
    severityText: "Info",
    body: { stringValue: "GET /orders 200 in 12ms" },
    attributes: [kv("app", { stringValue: "server" })],
    traceId: traceId(),
    spanId: spanId(),
    ...over,
  };
}

function logs(records: Record<string, unknown>[], resource: object[] = [], scope: object = { name: "log-scope" }) {
  return encode("logs", {
    resourceLogs: [{ resource: { attributes: resource }, scopeLogs: [{ scope, logRecords: records }] }],
  });
}

/** Writes the request both ways and compares; `generalPath` says how many records must have taken the general path. */
function assertSameLogs(bytes: Uint8Array, what: string, generalPath = 0): void {
  const fast = fastLogs(bytes);
  assert.ok(fast.bytes.equals(generalLogs(bytes)), `${what}: the fast path's rows differ from the general path's`);
  assert.equal(fast.general, generalPath, `${what}: records the general path took`);
}

test("log records: levels, bodies, attributes, times, ids and event names are stored as the general path stores them", async () => {
  const cases: [string, Record<string, unknown>][] = [
    ...[1, 5, 9, 13, 17, 21, 24].map(
      (n) => [`severity ${n}`, { severityNumber: n }] as [string, Record<string, unknown>],
    ),
    ...["WARNING", "err", "Critical", "bogus", ""].map(
      (text) => [`text ${text}`, { severityNumber: 0, severityText: text }] as [string, Record<string, unknown>],
    ),
    ["negative severity", { severityNumber: -3, severityText: "debug" }],
    ["int body", { body: { intValue: 42 } }],
    ["structured body", { body: { kvlistValue: { values: [kv("a", { stringValue: "b" })] } } }],
    ["empty body", { body: {} }],
    ["no body", { body: undefined }],
    ["event name", { eventName: "user.login" }],
    ["empty event name", { eventName: "" }],
    ["observed time only", { timeUnixNano: 0, observedTimeUnixNano: T.toString() }],
    ["no time", { timeUnixNano: 0 }],
    ["zero trace id", { traceId: Buffer.alloc(16) }],
    ["short span id", { spanId: Buffer.alloc(3, 1) }],
    ["no ids", { traceId: undefined, spanId: undefined }],
    [
      "attribute values",
      {
        attributes: [
          kv("s", { stringValue: "x" }),
          kv("t", { boolValue: true }),
          kv("i", { intValue: -7 }),
          kv("d", { doubleValue: 2.5 }),
          kv("nan", { doubleValue: Number.NaN }),
          kv("absent"),
          kv("empty", {}),
        ],
      },
    ],
    ["structured attribute", { attributes: [kv("m", { kvlistValue: { values: [kv("k", { intValue: 1 })] } })] }],
    ["attribute over the resource's", { attributes: [kv("service.name", { stringValue: "x" })] }],
    [
      "exception record",
      {
        severityNumber: 17,
        attributes: [kv("exception.type", { stringValue: "TypeError" }), kv("exception.message", { stringValue: "x" })],
      },
    ],
  ];
  const resource = [
    kv("service.name", { stringValue: "checkout" }),
    kv("deployment.id", { stringValue: deploymentId }),
  ];
  const generalPath = [
    "severity 17",
    "severity 21",
    "severity 24",
    "text err",
    "text Critical",
    "int body",
    "structured body",
    "event name",
    "structured attribute",
    "attribute over the resource's",
    "exception record",
  ];
  for (const [what, over] of cases) {
    assertSameLogs(logs([record(over)], resource), what, generalPath.includes(what) ? 1 : 0);
  }
  const all = logs(
    cases.map(([, over]) => record(over)),
    resource,
  );
  assertSameLogs(all, "all in one request", generalPath.length);
  assertSameLogs(logs([record()], [], {}), "no scope name");
  const sdk = await sdkRequests();
  assertSameLogs(sdk.logs, "sdk");
  // Error-level records are handed to the errors domain too.
  const result = writeLogRows(
    new RowBinaryWriter(),
    logs(cases.map(([, over]) => record(over))),
    attribution,
    orgId,
    NOW,
  );
  assert.deepEqual(
    result.errorLevel.map((e) => e.level),
    ["error", "fatal", "fatal", "error", "fatal", "error"],
  );
});

test("attribute names that are array indexes are stored as the general path stores them (in another order)", async () => {
  const store = sharedTestTelemetryStore();
  const bytes = traces([span({ attributes: [kv("b", { stringValue: "2" }), kv("10", { stringValue: "1" })] })]);
  const orgs = [randomUUID(), randomUUID()];
  const [fastOrg, generalOrg] = orgs as [string, string];
  const fast = new OtlpRowsBuilder(fastOrg, NOW);
  fast.append("traces", bytes, attribution);
  await store.insert(fast.finish());
  const general = convertTraces(decodeOtlp("traces", bytes), attribution).spans.map((s) => ({
    ...s,
    org_id: generalOrg,
  }));
  await store.insert({ spans: general, logs: [], metrics: [] });
  const traceHex = general[0]?.trace_id ?? "";
  const [a, b] = await Promise.all(orgs.map((org) => store.getTrace(org, traceHex)));
  assert.equal(a?.length, 1);
  assert.deepEqual(a, b);
  assert.deepEqual(a?.[0]?.attributes, { b: "2", "10": "1", "otel.scope.name": "s", "otel.scope.version": "1" });
});
