import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Database } from "../db/client";
import { errorEventFixture, serviceOfNewOrg } from "../testing/error-fixtures";
import type { TestApp } from "../testing/harness";
import { createTestApp } from "../testing/harness";
import { testStore } from "../testing/test-database";
import { ingestErrorEvents } from "./ingest";
import { ErrorIngestQueue } from "./ingest-queue";

let t: TestApp;
let serviceId: string;

before(async () => {
  t = await createTestApp();
  serviceId = (await serviceOfNewOrg(t, "queue-owner@example.com")).serviceId;
});
after(() => t.close());

/** The app's store, counting the transactions begun through it. */
function counted(): { database: Database; transactions: () => number } {
  let n = 0;
  const base = t.deps.database;
  const database: Database = {
    ...base,
    kind: base.kind,
    db: base.db,
    rawTransaction: (fn) => {
      n++;
      return base.rawTransaction(fn);
    },
  };
  return { database, transactions: () => n };
}

/** Lets the event loop turn once: I/O (such as other requests being read) runs between submissions. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

test(`requests arriving one after another within the window share one transaction (${testStore})`, async () => {
  const store = counted();
  // An hour's window: the transaction starts when the tenth request fills the batch (1,000 events), never by time.
  const queue = new ErrorIngestQueue({ database: store.database, now: () => new Date() }, 3_600_000);
  const answers: Promise<{ accepted: number }>[] = [];
  for (let i = 0; i < 10; i++) {
    answers.push(
      queue.submit(
        serviceId,
        Array.from({ length: 100 }, () => errorEventFixture(serviceId)),
      ),
    );
    await nextTurn();
  }
  const results = await Promise.all(answers);
  assert.deepEqual(
    results.map((r) => r.accepted),
    Array.from({ length: 10 }, () => 100),
  );
  assert.equal(store.transactions(), 1);
});

test("a request of a full batch does not wait for the window", async () => {
  const queue = new ErrorIngestQueue(t.deps, 3_600_000);
  const result = await queue.submit(
    serviceId,
    Array.from({ length: 1000 }, () => errorEventFixture(serviceId)),
  );
  assert.equal(result.accepted, 1000);
});

test("a failed transaction answers every request in it with the error, stores none of them, and a resend stores all", async () => {
  const base = t.deps.database;
  let fail = true;
  const database: Database = {
    ...base,
    kind: base.kind,
    db: base.db,
    rawTransaction: (fn) =>
      base.rawTransaction(async (tx) => {
        const out = await fn(tx);
        if (fail) throw new Error("the store went away before the commit");
        return out;
      }),
  };
  const queue = new ErrorIngestQueue({ database, now: () => new Date() }, 20);
  // An issue of its own exists already; the failed transaction brings it a new stack and a new user.
  const user = (id: string) => ({ environment: "production", release: "", tags: {}, extra: {}, user: { id } });
  const existing = errorEventFixture(serviceId, { type: "RolledBackError", context: user("before") });
  await ingestErrorEvents(t.deps, { serviceId }, [existing]);
  const libraryLineMoved = existing.stack_trace.map((f, i) => (i === 0 ? { ...f, lineno: f.lineno + 1 } : f));
  const events = [1, 2].map(() =>
    errorEventFixture(serviceId, { type: "RolledBackError", context: user("new"), stack_trace: libraryLineMoved }),
  );
  const answers = events.map((e) => queue.submit(serviceId, [e]));
  const settled = await Promise.allSettled(answers);
  assert.deepEqual(
    settled.map((s) => s.status),
    ["rejected", "rejected"],
  );
  // Sent again (as SDKs retry), the same events are stored then.
  fail = false;
  const retried = await Promise.all(events.map((e) => queue.submit(serviceId, [e])));
  assert.deepEqual(
    retried.map((r) => [r.accepted, r.duplicates]),
    [
      [1, 0],
      [1, 0],
    ],
  );
  // What the failed transaction saw (a new stack, a new user) was not remembered as stored: the resend stored it.
  const issueId = retried[0]?.issues[0]?.id;
  const [row] = await base.rawTransaction((tx) =>
    tx.query<{ stacks: number; users: number; user_count: number }>(
      `SELECT (SELECT count(*)::int FROM error_stacks WHERE error_group_id = $1) AS stacks,
              (SELECT count(*)::int FROM error_group_users WHERE error_group_id = $1) AS users,
              (SELECT user_count FROM error_groups WHERE id = $1) AS user_count`,
      [issueId],
    ),
  );
  assert.deepEqual(row, { stacks: 2, users: 2, user_count: 2 });
});
