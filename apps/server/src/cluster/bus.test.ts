import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { eventually } from "@syntra/testing/eventually";
import pg from "pg";
import pino from "pino";
import { type Keyring, toMasterKey } from "../secrets/keyring";
import { createTestDatabase, testStore } from "../testing/test-database";
import { LocalClusterBus } from "./bus";
import { FrameAssembler, FrameEncoder, MAX_PAYLOAD_BYTES } from "./frames";
import { PostgresClusterBus } from "./postgres-bus";

const needsServer =
  testStore === "postgres"
    ? false
    : "replicas share a PostgreSQL server (set TEST_DATABASE_URL); PGlite is one process's own database";

test("a body longer than one NOTIFY payload travels in numbered chunks and comes back whole", () => {
  const encoder = new FrameEncoder("r1");
  const body = randomBytes(60_000).toString("base64");
  const frames = encoder.encode(body);
  assert.ok(frames.length > 10);
  for (const frame of frames) assert.ok(Buffer.byteLength(frame) <= MAX_PAYLOAD_BYTES, "each chunk fits");
  const assembler = new FrameAssembler();
  const results = frames.map((f) => assembler.accept(f));
  assert.ok(results.slice(0, -1).every((r) => r === null));
  assert.deepEqual(results.at(-1), { from: "r1", body });
  // PostgreSQL folds identical payloads of one transaction into one: the same body twice must differ on the wire.
  const [first, second] = [encoder.encode("same"), encoder.encode("same")];
  assert.notDeepEqual(first, second);
  assert.equal(assembler.accept("not json"), null, "a malformed payload is dropped, not thrown");
});

test("the local bus runs a locked job once at a time and skips a tryLock while it is held", async () => {
  const bus = new LocalClusterBus();
  let release = () => {};
  const held = bus.withLock("job", () => new Promise<void>((r) => (release = r)));
  assert.equal(await bus.tryLock("job", async () => "ran"), undefined);
  release();
  await held;
  assert.equal(await bus.tryLock("job", async () => "ran"), "ran");
  assert.deepEqual([...(await bus.liveReplicas())], ["local"]);
});

let url = "";
let drop: () => Promise<void> = async () => {};
const buses: PostgresClusterBus[] = [];
const logger = pino({ level: "silent" });
const keyringOf = (key = toMasterKey(randomBytes(32))): Keyring => ({
  primary: key,
  byId: (id) => (id.equals(key.id) ? key : undefined),
});
const keyring = keyringOf();
const join = async (opts: { keyring?: Keyring; logger?: pino.Logger } = {}) => {
  const bus = await PostgresClusterBus.join({ url, logger, keyring, presenceMs: 200, ...opts });
  buses.push(bus);
  return bus;
};

before(async () => {
  if (needsServer) return;
  const store = await createTestDatabase();
  url = store.database.url ?? "";
  drop = store.drop;
});
after(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await drop();
});

test("broadcasts reach every other replica in order, direct messages only their replica", {
  skip: needsServer,
}, async () => {
  const [a, b, c] = [await join(), await join(), await join()];
  assert.equal(new Set([a.replicaId, b.replicaId, c.replicaId]).size, 3);
  const got = { a: [] as unknown[], b: [] as unknown[], c: [] as unknown[] };
  a.on("t", (m) => got.a.push(m));
  b.on("t", (m, from) => got.b.push({ m, from }));
  c.on("t", (m) => got.c.push(m));
  for (let i = 0; i < 200; i++) a.broadcast("t", i);
  const big = { text: "ü".repeat(50_000) };
  a.sendTo(c.replicaId, "t", big);
  a.broadcast("t", "last");
  await eventually(async () => got.b.length === 201 && got.c.length === 202);
  assert.deepEqual(
    got.b.map((x) => (x as { m: unknown }).m),
    [...Array.from({ length: 200 }, (_, i) => i), "last"],
  );
  assert.ok(got.b.every((x) => (x as { from: string }).from === a.replicaId));
  assert.deepEqual(got.c[200], big, "the large direct message arrives whole, between the broadcasts sent around it");
  assert.equal(got.a.length, 0, "a replica does not hear its own broadcasts");
});

test("messages are sealed with the master key: a replica with another key is heard as an error, not obeyed", {
  skip: needsServer,
}, async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const receiver = await join({ logger: pino(sink) });
  const stranger = await join({ keyring: keyringOf() });
  const heard: unknown[] = [];
  receiver.on("t", (m) => heard.push(m));
  stranger.sendTo(receiver.replicaId, "t", { deploy: "with secrets" });
  await eventually(async () => lines.some((l) => l.includes("the same SYNTRA_MASTER_KEY")), { what: "the refusal" });
  assert.deepEqual(heard, []);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    // What another role LISTENing on the channel would read: no plaintext.
    await admin.query("LISTEN syntra_cluster");
    const payload = new Promise<string>((resolve) => admin.once("notification", (n) => resolve(n.payload ?? "")));
    receiver.broadcast("t", { env: { DB_PASSWORD: "hunter2-secret" } });
    assert.ok(!(await payload).includes("hunter2"));
  } finally {
    await admin.end();
  }
});

test("a replica that stops is seen gone by the others", { skip: needsServer }, async () => {
  const watcher = await join();
  const leaving = await join();
  const gone: string[] = [];
  watcher.onReplicaGone((id) => gone.push(id));
  assert.ok((await watcher.liveReplicas()).has(leaving.replicaId));
  await leaving.close();
  await eventually(async () => gone.includes(leaving.replicaId), { what: "the replica seen gone" });
  assert.ok(!(await watcher.liveReplicas()).has(leaving.replicaId));
});

test("a replica whose connection is cut joins again under its id and hears messages again", {
  skip: needsServer,
}, async () => {
  const watcher = await join();
  const victim = await join();
  const id = victim.replicaId;
  let rejoined = 0;
  victim.onRejoin(() => rejoined++);
  // What a network cut does to its session: the server ends it, and with it the replica's lock.
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const killed = await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = $1",
      [`LISTEN "syntra_${id}"`],
    );
    assert.equal(killed.rowCount, 1);
  } finally {
    await admin.end();
  }
  await eventually(async () => rejoined === 1, { what: "the replica back" });
  assert.equal(victim.replicaId, id);
  assert.ok((await watcher.liveReplicas()).has(id));
  const heard: unknown[] = [];
  victim.on("ping", (m) => heard.push(m));
  watcher.sendTo(id, "ping", 1);
  await eventually(async () => heard.length === 1, { what: "messages reach it again" });
});

test("a job lock is held by one replica at a time: tryLock skips, withLock waits", { skip: needsServer }, async () => {
  const a = await join();
  const b = await join();
  let release = () => {};
  let markStarted = () => {};
  const started = new Promise<void>((r) => (markStarted = r));
  const order: string[] = [];
  const heldByA = a.withLock("build-42", async () => {
    markStarted();
    await new Promise<void>((r) => (release = r));
    order.push("a");
  });
  await started;
  assert.equal(await b.tryLock("build-42", async () => "ran"), undefined, "tryLock skips while another holds it");
  const waitingB = b.withLock("build-42", async () => order.push("b"));
  release();
  await Promise.all([heldByA, waitingB]);
  assert.deepEqual(order, ["a", "b"], "withLock waited for the holder");
  assert.equal(await a.tryLock("other", async () => "free"), "free");
});
