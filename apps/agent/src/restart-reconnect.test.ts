import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { type TestContext, test } from "node:test";
import {
  exampleMessages,
  MAX_RECONNECT_SPREAD_SECONDS,
  RESTARTING_CLOSE_CODE,
  restartingCloseReason,
} from "@syntra/contracts";
import { eventually } from "@syntra/testing/eventually";
import pino from "pino";
import { type WebSocket, WebSocketServer } from "ws";
import {
  AgentConnection,
  DEFAULT_RESTART_SPREAD_SECONDS,
  MAX_RETRY_AFTER_SECONDS,
  MIN_RESTART_RETRY_WINDOW_MS,
  reconnectDelayMs,
  restartReconnectDelayMs,
  restartWindowMs,
  retryAfterDelayMs,
} from "./connection";

// After a control plane closes with "restarting", its agents come back spread over the time it names (sized to its
// fleet), never all at once and never later than that.

test("the reconnect delay after a restarting close stays within the spread the control plane names", () => {
  const reason = restartingCloseReason(12);
  for (const random of [0, 0.25, 0.5, 0.999, 1]) {
    const delay = restartReconnectDelayMs(reason, random);
    assert.ok(delay >= 0 && delay <= 12_000, `${random} -> ${delay}`);
  }
  assert.equal(restartReconnectDelayMs(reason, 0.5), 6_000, "a random point of the spread, not a fixed one");
  // Out-of-range inputs stay bounded: a control plane cannot send its agents away for an hour.
  assert.equal(restartReconnectDelayMs(restartingCloseReason(3600), 1), MAX_RECONNECT_SPREAD_SECONDS * 1000);
  assert.equal(restartReconnectDelayMs("control plane restarting; reconnect within 999999 s", 1), 120_000);
  assert.equal(restartReconnectDelayMs(reason, 7), 12_000);
  assert.equal(restartReconnectDelayMs(reason, -1), 0);
  // A reason without a spread (another control plane): the default spread.
  assert.equal(restartReconnectDelayMs("going away", 1), DEFAULT_RESTART_SPREAD_SECONDS * 1000);
  // Retries while the control plane is still down are spread over the same window, at least a few seconds.
  assert.equal(restartWindowMs(restartingCloseReason(1)), MIN_RESTART_RETRY_WINDOW_MS);
  assert.equal(restartWindowMs(restartingCloseReason(40)), 40_000);
});

test("after a lost connection the first try is within the control plane's reconnect spread, then backs off", () => {
  const base = { attempt: 0, maxBackoffMs: 30_000, restartWindowMs: 0 };
  // An older control plane names no spread: within a second, as before.
  assert.equal(reconnectDelayMs({ ...base, spreadSeconds: undefined, random: 1 }), 1000);
  // A fleet of 5,000 at 500 admitted per second was told 10 s: a random point of it, so they arrive spread.
  assert.equal(reconnectDelayMs({ ...base, spreadSeconds: 10, random: 1 }), 10_000);
  assert.equal(reconnectDelayMs({ ...base, spreadSeconds: 10, random: 0.25 }), 2500);
  assert.equal(reconnectDelayMs({ ...base, spreadSeconds: 10, random: 0 }), 0);
  // A failed try then backs off as usual (1 s, 2 s, 4 s ... capped), not by a whole spread again.
  assert.equal(reconnectDelayMs({ ...base, attempt: 1, spreadSeconds: 10, random: 1 }), 2000);
  assert.equal(reconnectDelayMs({ ...base, attempt: 4, spreadSeconds: 10, random: 1 }), 16_000);
  assert.equal(reconnectDelayMs({ ...base, attempt: 9, spreadSeconds: 10, random: 1 }), 30_000);
  // A spread beyond the contract's bound (a hostile or broken control plane) is bounded; so is the random.
  assert.equal(
    reconnectDelayMs({ ...base, maxBackoffMs: 600_000, spreadSeconds: 1e9, random: 1 }),
    MAX_RECONNECT_SPREAD_SECONDS * 1000,
  );
  assert.equal(reconnectDelayMs({ ...base, spreadSeconds: 10, random: 5 }), 10_000);
  // While a restarting control plane is down, its window rules (not the spread).
  assert.equal(reconnectDelayMs({ ...base, attempt: 3, restartWindowMs: 5000, spreadSeconds: 10, random: 1 }), 5000);
});

test("an agent closed with 'restarting' reconnects once, after a delay within the named spread", async (t) => {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", path: "/agent/ws" });
  await new Promise((r) => wss.once("listening", r));
  const sockets: WebSocket[] = [];
  wss.on("connection", (ws) => {
    sockets.push(ws);
    ws.on("message", () => ws.send(JSON.stringify(exampleMessages.hello_ack)));
  });
  const lines: { msg: string; delay_ms?: number }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  let accepted = 0;
  const connection = new AgentConnection({
    target: () => ({ url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/agent/ws`, headers: {} }),
    logger: pino({ level: "info" }, sink),
    maxBackoffMs: 60_000,
    hello: async () => exampleMessages.agent_hello.payload,
    onAccepted: () => {
      accepted++;
    },
    onMessage: () => {},
  });
  connection.start();
  // The agent stops first: the server's close waits for its connections to end.
  t.after(async () => {
    await connection.stop();
    await new Promise<void>((r) => wss.close(() => r()));
  });
  await eventually(() => (accepted === 1 ? true : undefined));
  sockets[0]?.close(RESTARTING_CLOSE_CODE, restartingCloseReason(1));
  await eventually(() => (accepted === 2 ? true : undefined));
  assert.equal(sockets.length, 2, "one reconnect, no burst of attempts");
  const planned = lines.find((l) => l.msg.includes("control plane restarting"));
  assert.ok(planned && typeof planned.delay_ms === "number", JSON.stringify(lines));
  assert.ok(planned.delay_ms >= 0 && planned.delay_ms <= 1000, `delay ${planned.delay_ms} ms within the 1 s spread`);
});

test("the wait after a 503 is at least its Retry-After, with up to as much again as jitter, and bounded", () => {
  const now = Date.parse("2026-12-05T12:00:00Z");
  assert.equal(retryAfterDelayMs("3", 0, now), 3000);
  assert.equal(retryAfterDelayMs("3", 0.5, now), 4500);
  assert.equal(retryAfterDelayMs("3", 1, now), 6000);
  // An HTTP date is read relative to now; one in the past, 0 or garbage still waits a second.
  assert.equal(retryAfterDelayMs("Sat, 05 Dec 2026 12:00:10 GMT", 0, now), 10_000);
  assert.equal(retryAfterDelayMs("Sat, 05 Dec 2026 11:00:00 GMT", 0, now), 1000);
  assert.equal(retryAfterDelayMs("0", 0, now), 1000);
  assert.equal(retryAfterDelayMs("soon", 0, now), 1000);
  assert.equal(retryAfterDelayMs("999999", 0, now), MAX_RETRY_AFTER_SECONDS * 1000);
});

/**
 * A control plane stand-in (a raw HTTP server) whose first upgrade gets `firstAnswer` as is and later ones a
 * WebSocket answering hello with hello_ack, and an AgentConnection to it. Resolves once the agent was accepted.
 */
async function refusedOnceThenAccepted(t: TestContext, firstAnswer: string) {
  const wss = new WebSocketServer({ noServer: true });
  const upgrades: number[] = [];
  const server = createServer();
  server.on("upgrade", (req, socket, head) => {
    upgrades.push(performance.now());
    if (upgrades.length === 1) {
      socket.end(firstAnswer);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on("message", () => ws.send(JSON.stringify(exampleMessages.hello_ack)));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  let accepted = 0;
  const refused: number[] = [];
  const connection = new AgentConnection({
    target: () => ({ url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/agent/ws`, headers: {} }),
    logger: pino({ level: "silent" }),
    maxBackoffMs: 60_000,
    hello: async () => exampleMessages.agent_hello.payload,
    onAccepted: () => {
      accepted++;
    },
    onRefused: (status) => {
      refused.push(status);
    },
    onMessage: () => {},
  });
  connection.start();
  t.after(async () => {
    await connection.stop();
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((r) => server.close(() => r()));
  });
  await eventually(() => (accepted === 1 ? true : undefined));
  return { upgrades, refused };
}

test("an agent refused with 503 and Retry-After connects again no sooner than told, once", async (t) => {
  const { upgrades, refused } = await refusedOnceThenAccepted(
    t,
    "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
  );
  assert.equal(upgrades.length, 2, "one try after the refusal, no burst");
  const [first = 0, second = 0] = upgrades;
  assert.ok(second - first >= 1000, `came back after ${(second - first).toFixed(0)} ms, Retry-After was 1 s`);
  assert.deepEqual(refused, [], "a busy answer is not a refusal of the agent's credentials");
});

test("a 503 without Retry-After (a control plane closing) is no refusal: the agent tries again by its backoff", async (t) => {
  const { upgrades, refused } = await refusedOnceThenAccepted(
    t,
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
  );
  assert.equal(upgrades.length, 2);
  assert.deepEqual(refused, [], "not reported as a refusal of the agent");
});
