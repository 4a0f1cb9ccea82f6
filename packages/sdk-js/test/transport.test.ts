import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import { Syntra } from "../src/node/index";
import { type ControlPlane, newService, startControlPlane } from "./control-plane";

// The transport against a real control plane: its rate limit (429 with Retry-After), and being unreachable for a
// while (connection refused, then a TCP path to it appears): events wait, are retried and all arrive once.

let cp: ControlPlane;

before(async () => {
  // One event per second per key, bursts of ten; a request may overdraw the bucket, its key then waits.
  cp = await startControlPlane({ SYNTRA_ERROR_INGEST_RATE: "1" });
});
after(async () => {
  await Syntra.close();
  await cp.close();
});

test("a rate-limited key: the 429's Retry-After is waited out and every event arrives", async () => {
  const s = await newService(cp, "rate@example.com");
  Syntra.init({ dsn: s.dsn, tracing: false, logs: false });
  for (let n = 0; n < 15; n++) Syntra.captureMessage(`burst ${n}`);
  assert.equal(await Syntra.flush(30_000), true);
  // The bucket is five events in debt: these are refused with 429 for about five seconds.
  for (let n = 0; n < 4; n++) Syntra.captureMessage(`after the burst ${n}`);
  assert.equal(await Syntra.flush(30_000), true);
  // "burst <n>" and "after the burst <n>" are two issues (numbers are normalized) of 15 and 4 events.
  const counts = (await s.issues()).map((i) => i.event_count).sort((a, b) => a - b);
  assert.deepEqual(counts, [4, 15], "every event arrived once");
  const stats = Syntra.getStats();
  assert.ok((stats?.retried ?? 0) > 0, "the control plane refused some requests for a while (429)");
  assert.equal(stats?.dropped.retries_exhausted, 0);
});

test("the control plane unreachable for a while: events are retried with backoff and arrive once it is back", async () => {
  const s = await newService(cp, "down@example.com");
  // A port with nothing on it yet; later a TCP relay to the control plane listens there.
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(p));
    });
  });
  const target = new URL(cp.base);
  const dsn = s.dsn.replace(`:${target.port}/`, `:${port}/`);
  Syntra.init({ dsn, tracing: false, logs: false });
  Syntra.captureMessage("sent while the control plane was away");
  assert.equal(await Syntra.flush(300), false, "not delivered while nothing listens");
  const relay = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(port, "127.0.0.1", resolve));
  try {
    assert.equal(await Syntra.flush(30_000), true, "delivered by a retry once the path exists");
  } finally {
    relay.close();
  }
  const [issue] = await s.issues();
  assert.equal(issue?.title, "sent while the control plane was away");
  assert.equal(issue?.event_count, 1);
});
