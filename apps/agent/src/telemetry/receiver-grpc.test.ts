import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readdir } from "node:fs/promises";
import { after, before, test } from "node:test";
import zlib from "node:zlib";
import * as grpc from "@grpc/grpc-js";
import { ExportResultCode } from "@opentelemetry/core";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { countOtlpItems, OTLP_GRPC_PATHS } from "@syntra/otlp";
import { exportSpans, recordTrace } from "../../../../packages/otlp/src/testing/otel-sdk";
import { tempStateDir, testLogger } from "../testing/fixtures";
import { rawUnaryCall } from "../testing/grpc-client";
import { openTestIntake } from "../testing/telemetry";
import type { TelemetryBuffer } from "./buffer";
import { readJournal } from "./journal";
import { OtlpGrpcReceiver } from "./receiver-grpc";
import type { TelemetryStats } from "./stats";

const KEY = "grpc-test-key";
const serviceId = randomUUID();
const MAX = 64 * 1024;
let state: Awaited<ReturnType<typeof tempStateDir>>;
let stats: TelemetryStats;
let buffer: TelemetryBuffer;
let receiver: OtlpGrpcReceiver;
let address: string;

before(async () => {
  state = await tempStateDir();
  const opened = await openTestIntake(state.dir);
  ({ stats, buffer } = opened);
  await opened.keys.replace([{ key: KEY, service_id: serviceId, expires_at: null }]);
  const intake = opened.intake;
  receiver = new OtlpGrpcReceiver(intake, MAX, testLogger());
  [address] = (await receiver.listen(["127.0.0.1"], 0)) as [string];
});

after(async () => {
  await receiver.close();
  await buffer.close();
  await state.remove();
});

/** A raw unary call through grpc-js's client (bytes in, bytes out), with the ingest key and compression given. */
async function call(
  path: string,
  body: Buffer,
  opts: { key?: string; gzip?: boolean; client?: grpc.Client } = {},
): Promise<{ code: number; details: string }> {
  const client =
    opts.client ??
    new grpc.Client(address, grpc.credentials.createInsecure(), {
      ...(opts.gzip && { "grpc.default_compression_algorithm": grpc.compressionAlgorithms.gzip }),
    });
  try {
    return await rawUnaryCall(client, path, body, opts.key ? { "x-syntra-key": opts.key } : {});
  } finally {
    if (!opts.client) client.close();
  }
}

test("the official OTel exporter (gRPC, gzip) is answered OK and its spans are counted", async () => {
  const recorded = await recordTrace("grpc-receiver", { "service.name": "shop" });
  const before = stats.counters.received_spans;
  const result = await exportSpans("grpc", { httpUrl: "", grpcAddress: address }, KEY, recorded.spans);
  assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
  assert.equal(stats.counters.received_spans - before, 2);
});

test("a request is journaled exactly as it arrived, whether gzip-compressed or not", async () => {
  const recorded = await recordTrace("raw", { "service.name": "shop" });
  // The bytes the SDK's exporters send (its own protobuf serializer), sent through grpc-js's client.
  const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(recorded.spans) ?? []);
  assert.equal(countOtlpItems("traces", body), 2);
  const plain = await call(OTLP_GRPC_PATHS.traces, body, { key: KEY });
  const zipped = await call(OTLP_GRPC_PATHS.traces, body, { key: KEY, gzip: true });
  assert.deepEqual([plain.code, zipped.code], [grpc.status.OK, grpc.status.OK]);
  const names = (await readdir(state.dir)).filter((n) => n.startsWith("journal-"));
  const entries = (await Promise.all(names.map((n) => readJournal(`${state.dir}/${n}`)))).flat();
  const payloads = entries.flatMap((e) => (e.kind === "otlp" ? [Buffer.from(e.payload)] : []));
  assert.equal(payloads.filter((p) => p.equals(body)).length, 2, "both requests kept as the exporter encoded them");
});

test("requests arriving together on one connection are each journaled intact", async () => {
  // Bodies of several DATA frames (assembled in the receiver's shared buffer), all sent at once on one channel.
  const bodies = await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const recorded = await recordTrace(`${i}-${"x".repeat(15_000)}`, { "service.name": "shop" });
      return Buffer.from(ProtobufTraceSerializer.serializeRequest(recorded.spans) ?? []);
    }),
  );
  assert.ok(bodies.every((b) => b.length > 32 * 1024 && b.length < MAX));
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const results = await Promise.all(bodies.map((body) => call(OTLP_GRPC_PATHS.traces, body, { key: KEY, client })));
  client.close();
  assert.ok(results.every((r) => r.code === grpc.status.OK));
  const names = (await readdir(state.dir)).filter((n) => n.startsWith("journal-"));
  const entries = (await Promise.all(names.map((n) => readJournal(`${state.dir}/${n}`)))).flat();
  const payloads = entries.flatMap((e) => (e.kind === "otlp" ? [Buffer.from(e.payload)] : []));
  for (const [i, body] of bodies.entries()) {
    assert.equal(payloads.filter((p) => p.equals(body)).length, 1, `request ${i} is in the journal once, intact`);
  }
});

test("refusals: wrong key, unknown method, garbage, oversized (declared and after decompression)", async () => {
  const refusedBefore = stats.counters.refused_requests;
  const wrongKey = await call(OTLP_GRPC_PATHS.logs, Buffer.alloc(0), { key: "nope" });
  assert.equal(wrongKey.code, grpc.status.UNAUTHENTICATED);
  const unknown = await call("/opentelemetry.proto.collector.trace.v1.TraceService/Nope", Buffer.alloc(0), {
    key: KEY,
  });
  assert.equal(unknown.code, grpc.status.UNIMPLEMENTED);
  const garbage = await call(OTLP_GRPC_PATHS.traces, Buffer.from([0x0a, 0xff, 0xff, 0x01]), { key: KEY });
  assert.equal(garbage.code, grpc.status.INVALID_ARGUMENT);
  const large = await call(OTLP_GRPC_PATHS.traces, Buffer.alloc(MAX + 1), { key: KEY });
  assert.equal(large.code, grpc.status.RESOURCE_EXHAUSTED);
  // Small on the wire, over the limit once decompressed: a bomb stops at the limit.
  const bomb = await call(OTLP_GRPC_PATHS.traces, Buffer.alloc(4 * MAX), { key: KEY, gzip: true });
  assert.equal(bomb.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.ok(zlib.gzipSync(Buffer.alloc(4 * MAX)).length < MAX);
  // Every refusal is counted: the key, the unknown method, undecodable data and both sizes.
  assert.equal(stats.counters.refused_requests - refusedBefore, 5, "the receiver's refusals are counted");
  // The receiver still serves after all that.
  const recorded = await recordTrace("after", { "service.name": "shop" });
  const result = await exportSpans("grpc", { httpUrl: "", grpcAddress: address }, KEY, recorded.spans);
  assert.equal(result.code, ExportResultCode.SUCCESS);
});
