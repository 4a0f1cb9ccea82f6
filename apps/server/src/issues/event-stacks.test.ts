import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { MESSAGE_EVENT_TYPE, type StackFrame } from "@syntra/contracts";
import { errorEventFixture, serviceOfNewOrg } from "../testing/error-fixtures";
import type { Credential, TestApp } from "../testing/harness";
import { createTestApp } from "../testing/harness";
import { testStore } from "../testing/test-database";
import { ingestErrorEvents } from "./ingest";

let t: TestApp;
let owner: Credential;
let serviceId: string;

before(async () => {
  t = await createTestApp();
  const org = await serviceOfNewOrg(t, "stacks-owner@example.com");
  owner = org.owner;
  serviceId = org.serviceId;
});
after(() => t.close());

const frames = (line: number): StackFrame[] => [
  { filename: "node:internal/process/task_queues", function: "processTicksAndRejections", lineno: line, in_app: false },
  {
    filename: "/app/src/orders.ts",
    function: "getOrder",
    lineno: 42,
    colno: 17,
    context_line: "  return order.customer.id;",
    pre_context: ["export async function getOrder(id) {"],
    post_context: ["}"],
    in_app: true,
  },
];

async function sql<T>(text: string, params: unknown[]): Promise<T[]> {
  return t.deps.database.rawTransaction((tx) => tx.query<T>(text, params));
}

// biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON
async function eventsOf(issueId: string): Promise<any[]> {
  const res = await t.call("GET", `/api/v1/issues/${issueId}/events?limit=100`, { as: owner });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

test(`an issue's repeated stack is stored once, and every event still shows its own stack (${testStore})`, async () => {
  // Four events of one issue (line numbers of library frames do not split it): three share a stack, one differs.
  const same = [1, 2, 3].map(() => errorEventFixture(serviceId, { stack_trace: frames(95) }));
  const other = errorEventFixture(serviceId, { stack_trace: frames(96) });
  const first = await ingestErrorEvents(t.deps, { serviceId }, [...same.slice(0, 2), other]);
  // A later batch repeats a stack the issue has: nothing new is stored for it.
  const later = await ingestErrorEvents(t.deps, { serviceId }, [same[2] as (typeof same)[0]]);
  const issueId = first.issues[0]?.id as string;
  assert.equal(first.issues.length, 1);
  assert.equal(later.issues[0]?.id, issueId);

  const stacks = await sql<{ n: number }>("SELECT count(*)::int AS n FROM error_stacks WHERE error_group_id = $1", [
    issueId,
  ]);
  assert.equal(stacks[0]?.n, 2, "two distinct stacks");
  const inline = await sql<{ n: number }>(
    "SELECT count(*)::int AS n FROM error_events WHERE error_group_id = $1 AND stack_trace IS NOT NULL",
    [issueId],
  );
  assert.equal(inline[0]?.n, 0, "no event row repeats its stack");

  const shown = new Map((await eventsOf(issueId)).map((e) => [e.id, e.stack_trace]));
  assert.equal(shown.size, 4);
  for (const e of same) assert.deepEqual(shown.get(e.id), frames(95));
  assert.deepEqual(shown.get(other.id), frames(96));
});

test("an event without frames keeps its empty stack inline and shows it", async () => {
  const message = errorEventFixture(serviceId, {
    type: MESSAGE_EVENT_TYPE,
    message: "cart abandoned",
    stack_trace: [],
  });
  const result = await ingestErrorEvents(t.deps, { serviceId }, [message]);
  const [event] = await eventsOf(result.issues[0]?.id as string);
  assert.equal(event.id, message.id);
  assert.deepEqual(event.stack_trace, []);
});

test("deleting an issue deletes its stacks", async () => {
  const result = await ingestErrorEvents(t.deps, { serviceId }, [
    errorEventFixture(serviceId, { type: "GoneError", stack_trace: frames(7) }),
  ]);
  const issueId = result.issues[0]?.id as string;
  await sql("DELETE FROM error_groups WHERE id = $1", [issueId]);
  const left = await sql<{ n: number }>("SELECT count(*)::int AS n FROM error_stacks WHERE error_group_id = $1", [
    issueId,
  ]);
  assert.equal(left[0]?.n, 0);
});
