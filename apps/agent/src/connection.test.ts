import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import {
  envelope,
  exampleMessages,
  parseMessage,
  parseTelemetryBatchFrame,
  TELEMETRY_BINARY_CAPABILITY,
} from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import pino from "pino";
import { type WebSocket, WebSocketServer } from "ws";
import { AgentConnection } from "./connection";
import { AGENT_VERSION } from "./version";

// A stand-in for the control plane on the wire: it speaks the protocol (every frame it receives is checked
// against the contracts) so the agent's connection handling can be driven through cases the real control
// plane never produces, such as malformed commands and dropped sockets.
let wss: WebSocketServer;
let url: string;
const sockets: WebSocket[] = [];
const received: { type: string; payload: Record<string, unknown> }[] = [];
let headers: Record<string, string | string[] | undefined> = {};
// While set, hellos are held unanswered: the agent is connected but not accepted, deterministically.
let holdHello = false;
const heldHellos: WebSocket[] = [];
// While set, hello_ack names TELEMETRY_BINARY_CAPABILITY (a control plane that takes binary telemetry frames).
let offerBinary = false;
const helloAckOfferingBinary = {
  ...exampleMessages.hello_ack,
  payload: { ...exampleMessages.hello_ack.payload, capabilities: [TELEMETRY_BINARY_CAPABILITY] },
};
const binaryFrames: { payload: Record<string, unknown>; data: Buffer }[] = [];

before(async () => {
  wss = new WebSocketServer({ port: 0, host: "127.0.0.1", path: "/agent/ws" });
  await new Promise((r) => wss.once("listening", r));
  url = `http://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  wss.on("connection", (ws, req) => {
    headers = req.headers;
    sockets.push(ws);
    ws.on("message", (data: Buffer, isBinary) => {
      if (isBinary && data[0] === 0) {
        const frame = parseTelemetryBatchFrame(data);
        assert.ok(frame.ok, `the agent sent an invalid binary frame: ${JSON.stringify(frame)}`);
        binaryFrames.push({ payload: frame.message.payload, data: Buffer.from(frame.data) });
        return;
      }
      const parsed = parseMessage("agent_to_control_plane", data.toString());
      assert.ok(parsed.ok, `the agent sent an invalid frame: ${JSON.stringify(parsed)}`);
      received.push(parsed.message as never);
      if (parsed.message.type !== "agent_hello") return;
      if (holdHello) heldHellos.push(ws);
      else ws.send(JSON.stringify(offerBinary ? helloAckOfferingBinary : exampleMessages.hello_ack));
    });
  });
});
after(() => new Promise<void>((r) => wss.close(() => r())));

/** Polls until `fn` gives a value; a timeout lists the message types the agent sent. */
function until<T>(fn: () => T | undefined): Promise<T> {
  return eventually(fn, { diagnostic: () => `received: ${received.map((m) => m.type).join(",")}` });
}

test("the agent says hello with its token and version, answers bad commands, and survives a dropped socket", async (t) => {
  const accepted: unknown[] = [];
  const commands: string[] = [];
  const connection = new AgentConnection({
    target: () => ({
      url: `${url.replace(/^http/, "ws")}/agent/ws`,
      headers: { authorization: "Bearer syn_agt_0123456789abcdef0123456789abcdef01234567" },
    }),
    logger: pino({ level: "silent" }),
    maxBackoffMs: 200,
    hello: async () => exampleMessages.agent_hello.payload,
    onAccepted: (ack) => accepted.push(ack),
    onMessage: (m) => commands.push(m.type),
  });
  connection.start();
  t.after(() => connection.stop());
  await until(() => (accepted.length === 1 ? true : undefined));
  assert.equal(headers.authorization, "Bearer syn_agt_0123456789abcdef0123456789abcdef01234567");
  assert.equal(headers["x-agent-version"], AGENT_VERSION);

  // A command that breaks the contract gets an error reply carrying its request_id; nothing runs.
  const bad = { ...exampleMessages.scale, payload: { ...exampleMessages.scale.payload, replicas: -1 } };
  sockets.at(-1)?.send(JSON.stringify(bad));
  const reply = await until(() => received.find((m) => m.type === "command_response"));
  assert.equal(reply.payload.request_id, exampleMessages.scale.payload.request_id);
  assert.equal(reply.payload.success, false);
  assert.equal((reply.payload.error as { code: string }).code, "INVALID_MESSAGE");
  sockets.at(-1)?.send("{not json");
  sockets.at(-1)?.send(JSON.stringify(envelope("ping", { sent_at: new Date().toISOString() })));
  await until(() => (commands.includes("ping") ? true : undefined));
  assert.deepEqual(commands, ["ping"], "invalid frames never reach the dispatcher");

  // The control plane goes away: durable messages wait in the outbox and go out after the next hello.
  // A final report written just before the drop may be lost with the socket: it goes again after the next hello.
  const final = { ...exampleMessages.deploy_status.payload, status: "running" as const };
  connection.send("deploy_status", final);
  await until(() => (received.filter((m) => m.type === "deploy_status").length === 1 ? true : undefined));
  holdHello = true;
  // Counted before the drop: the agent may say hello again before the next lines run.
  const hellos = received.filter((m) => m.type === "agent_hello").length;
  sockets.at(-1)?.terminate();
  await until(() => (connection.ready ? undefined : true));
  connection.send("deploy_status", exampleMessages.deploy_status.payload);
  connection.send("heartbeat", exampleMessages.heartbeat.payload);
  await until(() => (received.filter((m) => m.type === "agent_hello").length > hellos ? true : undefined));
  assert.equal(
    received.filter((m) => m.type === "deploy_status").length,
    1,
    "nothing but the hello goes out before it is accepted",
  );
  holdHello = false;
  for (const ws of heldHellos.splice(0)) ws.send(JSON.stringify(exampleMessages.hello_ack));
  await until(() => (accepted.length === 2 ? true : undefined));
  await until(() => (received.filter((m) => m.type === "deploy_status").length === 3 ? true : undefined));
  const reports = received.filter((m) => m.type === "deploy_status").map((m) => m.payload.status);
  assert.deepEqual(reports, ["running", exampleMessages.deploy_status.payload.status, "running"]);
  assert.ok(!received.some((m) => m.type === "heartbeat"), "stale heartbeats are not replayed");
});

test("telemetry batches go as binary frames only to a control plane whose hello_ack offers them", async (t) => {
  const accepted: unknown[] = [];
  const connect = () => {
    const connection = new AgentConnection({
      target: () => ({ url: `${url.replace(/^http/, "ws")}/agent/ws`, headers: {} }),
      logger: pino({ level: "silent" }),
      maxBackoffMs: 200,
      hello: async () => exampleMessages.agent_hello.payload,
      onAccepted: (ack) => accepted.push(ack),
      onMessage: () => undefined,
    });
    connection.start();
    t.after(() => connection.stop());
    return connection;
  };
  const payload = {
    batch_id: "b-binary-1",
    agent_id: exampleMessages.telemetry_batch.payload.agent_id,
    compression: "zstd",
    format: "json+otlp",
    raw_bytes: 100,
    data_bytes: 4,
  } as const;
  // An older control plane (no capabilities in its hello_ack): the agent keeps to the JSON form.
  const older = connect();
  await until(() => (accepted.length === 1 ? true : undefined));
  assert.equal(older.binaryTelemetry, false);
  older.sendTelemetryFrame(payload, Buffer.from([1, 2, 3, 4]));
  await older.stop();

  offerBinary = true;
  t.after(() => {
    offerBinary = false;
  });
  const newer = connect();
  await until(() => (accepted.length === 2 ? true : undefined));
  assert.equal(newer.binaryTelemetry, true);
  newer.sendTelemetryFrame({ ...payload, batch_id: "b-binary-2" }, Buffer.from([0, 255, 7, 9]));
  const frame = await until(() => binaryFrames[0]);
  assert.deepEqual(
    binaryFrames.map((f) => f.payload.batch_id),
    ["b-binary-2"],
    "nothing binary went to the older control plane",
  );
  assert.deepEqual([...frame.data], [0, 255, 7, 9]);
});
