import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import zlib from "node:zlib";
import {
  exampleMessages,
  parseMessage,
  TELEMETRY_BROTLI_CAPABILITY,
  type TelemetryBatchHead,
  type TelemetryBatchPayload,
} from "@syntra/contracts";
import { decompressBatch, encodeBatchBody, encodeOtlp } from "@syntra/otlp";
import { eventually } from "@syntra/testing/eventually";
import pino from "pino";
import { type WebSocket, WebSocketServer } from "ws";
import { AgentConnection } from "../connection";
import { BatchFiles, type BatchMeta } from "./batch-files";
import { TelemetryBuffer } from "./buffer";
import { TelemetryShipper } from "./shipper";
import { TelemetryStats } from "./stats";

// Batches an earlier run cut with brotli (an agent on a Node without zstd, connected to a control plane that took
// brotli) wait on disk; the next control plane may not take brotli. Through the agent's own connection, buffer and
// batch files, against a stand-in for the control plane on the wire (every frame checked against the contracts), so
// that its hello_ack can offer brotli or not, which the real control plane always does.

const brotli = promisify(zlib.brotliCompress);
let wss: WebSocketServer;
let url: string;
/** Whether the next hello_ack names TELEMETRY_BROTLI_CAPABILITY. */
let offerBrotli = false;
let socket: WebSocket | undefined;
const batches: TelemetryBatchPayload[] = [];

/** The compressed batch `id` once the stand-in has it. */
const batchSent = (id: string) =>
  eventually(() =>
    batches.find(
      (b): b is Extract<TelemetryBatchPayload, { data: string }> => b.batch_id === id && b.compression !== "none",
    ),
  );

before(async () => {
  wss = new WebSocketServer({ port: 0, host: "127.0.0.1", path: "/agent/ws" });
  await new Promise((r) => wss.once("listening", r));
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/agent/ws`;
  wss.on("connection", (ws) => {
    socket = ws;
    ws.on("message", (data: Buffer) => {
      const parsed = parseMessage("agent_to_control_plane", data.toString());
      assert.ok(parsed.ok, `the agent sent an invalid frame: ${JSON.stringify(parsed)}`);
      const { message } = parsed;
      if (message.type === "telemetry_batch") batches.push(message.payload);
      if (message.type !== "agent_hello") return;
      const capabilities = offerBrotli ? [TELEMETRY_BROTLI_CAPABILITY] : [];
      const ack = exampleMessages.hello_ack;
      ws.send(JSON.stringify({ ...ack, payload: { ...ack.payload, capabilities } }));
    });
  });
});
after(() => new Promise<void>((r) => wss.close(() => r())));

/** A batch as an agent without zstd left it on disk: one OTLP traces request, compressed with brotli. */
async function brotliBatchOnDisk(dir: string, seq: number): Promise<{ meta: BatchMeta; body: Buffer; data: Buffer }> {
  const payload = encodeOtlp("traces", {
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "checkout" } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: 50 }, (_, i) => ({
              traceId: Buffer.alloc(16, seq),
              spanId: Buffer.from([0, 0, 0, 0, 0, seq, 0, i + 1]),
              name: `GET /cart/${i}`,
              kind: 2,
              startTimeUnixNano: String(1_760_000_000_000_000_000n + BigInt(i)),
              endTimeUnixNano: String(1_760_000_000_000_500_000n + BigInt(i)),
            })),
          },
        ],
      },
    ],
  } as never);
  const head: TelemetryBatchHead = {
    errors: [],
    traces: [],
    logs: [],
    metrics: [],
    health_checks: [],
    otlp: [{ service_id: "svc_checkout", signal: "traces", items: 50, bytes: payload.length }],
  };
  const body = encodeBatchBody({ head, payloads: [payload] });
  const data = await brotli(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 0 } });
  const meta: BatchMeta = {
    id: `b-brotli-${seq}`,
    seq,
    compression: "br",
    rawBytes: body.length,
    bytes: data.length,
    createdAt: new Date().toISOString(),
    spans: 50,
    logRecords: 0,
    metricPoints: 0,
    journals: [],
  };
  await new BatchFiles(dir).write(meta, data);
  return { meta, body, data };
}

/** The agent's telemetry delivery as it runs, from `dir`, connected to the stand-in. */
async function startAgent(dir: string) {
  const logger = pino({ level: "silent" });
  const stats = await TelemetryStats.open(dir);
  const buffer = await TelemetryBuffer.open(
    dir,
    { maxBatchBytes: 8 << 20, memoryMaxBytes: 50 << 20, diskMaxBytes: 100 << 20 },
    stats,
  );
  let shipper: TelemetryShipper | undefined;
  const connection = new AgentConnection({
    target: () => ({ url, headers: {} }),
    logger,
    maxBackoffMs: 200,
    hello: async () => exampleMessages.agent_hello.payload,
    onAccepted: (ack) => shipper?.connected({ brotli: ack.capabilities?.includes(TELEMETRY_BROTLI_CAPABILITY) }),
    onMessage: () => undefined,
    onTelemetry: (message) => {
      if (message.type === "telemetry_ack") void shipper?.acknowledged(message.payload);
    },
  });
  shipper = new TelemetryShipper(buffer, stats, connection, logger, {
    agentId: exampleMessages.agent_hello.payload.agent_id,
  });
  connection.start();
  let stopped: Promise<void> | undefined;
  return {
    buffer,
    /** Once, whoever asks (the test, or its clean-up after a failure). */
    stop: () => {
      stopped ??= connection.stop().then(() => buffer.close());
      return stopped;
    },
  };
}

test("brotli batches left on disk go recompressed to a control plane without brotli, as they are to one with it", async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "syntra-shipper-"));
  const first = await brotliBatchOnDisk(dir, 1);

  offerBrotli = false;
  let agent = await startAgent(dir);
  t.after(async () => {
    await agent.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const sent = await batchSent(first.meta.id);
  assert.notEqual(sent.compression, "br", "a control plane without brotli gets another compression");
  assert.equal(sent.raw_bytes, first.body.length);
  const data = Buffer.from(sent.data, "base64");
  const decoded = await decompressBatch(sent.compression, data, 1 << 20, sent.raw_bytes);
  assert.ok(decoded.equals(first.body), "the recompressed batch holds the same bytes");
  assert.deepEqual(
    agent.buffer.pending().map((b) => b.compression),
    ["br"],
    "on disk it stays as it was until it is acknowledged",
  );
  socket?.send(
    JSON.stringify({ ...exampleMessages.telemetry_ack, payload: { batch_id: first.meta.id, status: "stored" } }),
  );
  // The batch leaves the buffer's list at the ack, its file a moment later.
  const file = new BatchFiles(dir).fileOf(first.meta);
  await eventually(() => (agent.buffer.pending().length === 0 && !existsSync(file) ? true : undefined), {
    diagnostic: () => `acknowledged: pending ${agent.buffer.pending().length}, file there ${existsSync(file)}`,
  });
  await agent.stop();

  const second = await brotliBatchOnDisk(dir, 2);
  offerBrotli = true;
  agent = await startAgent(dir);
  const asIs = await batchSent(second.meta.id);
  assert.equal(asIs.compression, "br");
  assert.ok(Buffer.from(asIs.data, "base64").equals(second.data), "sent as it lies on disk");
});
