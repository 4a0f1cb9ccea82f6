import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { errorEventFixture, liveDeployment, serviceOfNewOrg } from "../testing/error-fixtures";
import type { Credential, TestApp } from "../testing/harness";
import { createTestApp } from "../testing/harness";
import { testStore } from "../testing/test-database";
import { ingestErrorEvents } from "./ingest";
import { ErrorIngestQueue } from "./ingest-queue";

let t: TestApp;
let owner: Credential;
let projectId: string;

before(async () => {
  t = await createTestApp();
  const org = await serviceOfNewOrg(t, "ingest-owner@example.com");
  owner = org.owner;
  projectId = org.projectId;
});
after(() => t.close());

/** A new service in the test project, so each test starts without issues. */
async function freshService(): Promise<string> {
  const res = await t.call("POST", `/api/v1/projects/${projectId}/services`, {
    as: owner,
    body: {
      name: `svc-${randomUUID().slice(0, 8)}`,
      server_id: (await anyServer()).id,
      source_type: "image",
      source_config: { image: "registry.local:5000/acme/web", tag: "v1" },
      port: 8080,
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.data.id;
}
async function anyServer(): Promise<{ id: string }> {
  return (await t.call("GET", "/api/v1/servers", { as: owner })).body.data[0];
}

// biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON
async function issuesOf(serviceId: string): Promise<any[]> {
  const res = await t.call("GET", `/api/v1/projects/${projectId}/issues?service_id=${serviceId}&limit=100`, {
    as: owner,
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

test("the same error three times is one issue with three events; its users are counted once each", async () => {
  const serviceId = await freshService();
  const user = (id: string) => ({ environment: "production", release: "", tags: {}, extra: {}, user: { id } });
  const events = [
    errorEventFixture(serviceId, { context: user("ana") }),
    errorEventFixture(serviceId, { context: user("bo") }),
    errorEventFixture(serviceId, {
      context: user("ana"),
      message: "Cannot read properties of undefined (reading 'total')",
    }),
  ];
  const result = await ingestErrorEvents(t.deps, { serviceId }, events);
  assert.equal(result.accepted, 3);
  assert.equal(result.issues.length, 1);
  assert.equal(result.issues[0]?.created, true);

  const [issue, ...others] = await issuesOf(serviceId);
  assert.equal(others.length, 0);
  assert.equal(issue.event_count, 3);
  assert.equal(issue.user_count, 2);
  assert.equal(issue.title, "TypeError: Cannot read properties of undefined (reading 'id')");
  assert.equal(issue.culprit, "getOrder (/app/src/orders.ts)");
  assert.equal(issue.status, "unresolved");

  const more = await ingestErrorEvents(t.deps, { serviceId }, [errorEventFixture(serviceId, { context: user("bo") })]);
  assert.equal(more.issues[0]?.created, false);
  const [again] = await issuesOf(serviceId);
  assert.equal(again.event_count, 4);
  assert.equal(again.user_count, 2, "bo was counted already");
});

test("an event sent again (the same id, e.g. a batch re-sent after a reconnect) is stored and counted once", async () => {
  const serviceId = await freshService();
  const event = errorEventFixture(serviceId);
  assert.equal((await ingestErrorEvents(t.deps, { serviceId }, [event, event])).accepted, 1);
  const resent = await ingestErrorEvents(t.deps, { serviceId }, [event, errorEventFixture(serviceId)]);
  assert.deepEqual([resent.accepted, resent.duplicates], [1, 1]);
  const [issue] = await issuesOf(serviceId);
  assert.equal(issue.event_count, 2);
  const events = await t.call("GET", `/api/v1/issues/${issue.id}/events`, { as: owner });
  assert.equal(events.body.data.length, 2);
});

test("the key decides the service: an event naming another service is stored under the target", async () => {
  const serviceId = await freshService();
  const other = await freshService();
  await ingestErrorEvents(t.deps, { serviceId }, [errorEventFixture(other)]);
  assert.equal((await issuesOf(serviceId)).length, 1);
  assert.equal((await issuesOf(other)).length, 0);
});

test("messages that differ only in ids are one issue; another exception type is another", async () => {
  const serviceId = await freshService();
  const notFound = (message: string, type = "NotFoundError") =>
    errorEventFixture(serviceId, { type, message, stack_trace: [] });
  await ingestErrorEvents(t.deps, { serviceId }, [
    notFound("user 123 not found"),
    notFound("user 456 not found"),
    notFound("user 789 not found"),
    notFound("order 3f1c2a9e-7b4d-4e8a-9c21-5d6f7a8b9c0d not found"),
    notFound("order 8a2b4c6d-1e3f-4a5b-8c7d-9e0f1a2b3c4d not found"),
    notFound("user 123 not found", "GoneError"),
  ]);
  const issues = await issuesOf(serviceId);
  const counts = new Map(issues.map((i: { title: string; event_count: number }) => [i.title, i.event_count]));
  assert.deepEqual(Object.fromEntries(counts), {
    "NotFoundError: user 123 not found": 3,
    "NotFoundError: order 3f1c2a9e-7b4d-4e8a-9c21-5d6f7a8b9c0d not found": 2,
    "GoneError: user 123 not found": 1,
  });
});

test("each issue knows the deployment that first saw it (by id, release or time) and the one before", async () => {
  const serviceId = await freshService();
  const hour = 3_600_000;
  const start = Date.now() - 10 * hour;
  const d1 = await liveDeployment(t.deps, serviceId, {
    createdAt: new Date(start),
    sha: "1111111aaaa",
    message: "first",
  });
  const d2 = await liveDeployment(t.deps, serviceId, {
    createdAt: new Date(start + 2 * hour),
    sha: "abc1234def5678",
    message: "change checkout",
  });
  const d3 = await liveDeployment(t.deps, serviceId, { createdAt: new Date(start + 4 * hour), sha: "3333333cccc" });
  const at = (h: number) => new Date(start + h * hour).toISOString();
  const unknown = randomUUID();
  await ingestErrorEvents(t.deps, { serviceId }, [
    // Time alone: 3 h in, deployment 2 was live.
    errorEventFixture(serviceId, { deployment_id: unknown, timestamp: at(3), type: "ByTime", stack_trace: [] }),
    // The release names a commit.
    errorEventFixture(serviceId, {
      deployment_id: unknown,
      timestamp: at(5),
      type: "ByRelease",
      stack_trace: [],
      context: { environment: "production", release: "shop@abc1234", tags: {}, extra: {} },
    }),
    // The event names its deployment.
    errorEventFixture(serviceId, { deployment_id: d3, timestamp: at(4.5), type: "ById", stack_trace: [] }),
  ]);
  // biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON
  const byType = new Map<string, any>((await issuesOf(serviceId)).map((i) => [i.exception_type, i]));
  assert.equal(byType.get("ByTime")?.first_deployment_id, d2);
  assert.equal(byType.get("ByRelease")?.first_deployment_id, d2);
  assert.equal(byType.get("ById")?.first_deployment_id, d3);

  const detail = await t.call("GET", `/api/v1/issues/${byType.get("ByTime")?.id}`, { as: owner });
  assert.equal(detail.status, 200);
  assert.equal(detail.body.data.first_deployment.id, d2);
  assert.equal(detail.body.data.first_deployment.number, 2);
  assert.equal(detail.body.data.first_deployment.git_commit_message, "change checkout");
  assert.equal(detail.body.data.previous_deployment.id, d1);

  // A deployment id of another service is not taken on trust.
  const stranger = await freshService();
  const foreign = await liveDeployment(t.deps, stranger, { createdAt: new Date(start) });
  await ingestErrorEvents(t.deps, { serviceId }, [
    errorEventFixture(serviceId, { deployment_id: foreign, timestamp: at(1), type: "Foreign", stack_trace: [] }),
  ]);
  const foreignIssue = (await issuesOf(serviceId)).find(
    (i: { exception_type: string }) => i.exception_type === "Foreign",
  );
  assert.equal(foreignIssue.first_deployment_id, d1);
});

test("a resolved issue regresses on an event from a later deployment, not on one from the resolved deployment", async () => {
  const serviceId = await freshService();
  const old = await liveDeployment(t.deps, serviceId, { createdAt: new Date(Date.now() - 60_000) });
  await ingestErrorEvents(t.deps, { serviceId }, [errorEventFixture(serviceId, { deployment_id: old })]);
  const [issue] = await issuesOf(serviceId);
  const resolved = await t.call("PATCH", `/api/v1/issues/${issue.id}`, { as: owner, body: { status: "resolved" } });
  assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
  assert.equal(resolved.body.data.status, "resolved");

  // The old deployment's containers are still draining: the issue stays resolved, the event is counted.
  await ingestErrorEvents(t.deps, { serviceId }, [errorEventFixture(serviceId, { deployment_id: old })]);
  let [now] = await issuesOf(serviceId);
  assert.deepEqual([now.status, now.event_count], ["resolved", 2]);

  const fixed = await liveDeployment(t.deps, serviceId, { createdAt: new Date(), liveAt: new Date() });
  const result = await ingestErrorEvents(t.deps, { serviceId }, [
    errorEventFixture(serviceId, { deployment_id: fixed }),
  ]);
  assert.equal(result.issues[0]?.regressed, true);
  [now] = await issuesOf(serviceId);
  assert.equal(now.status, "regressed");
  assert.equal(now.resolved_at, null);
  assert.ok(now.regressed_at);
  assert.equal(now.last_deployment_id, fixed);
  // Regressed issues are unresolved ones that came back: the unresolved filter shows them.
  const unresolved = await t.call(
    "GET",
    `/api/v1/projects/${projectId}/issues?service_id=${serviceId}&status=unresolved`,
    { as: owner },
  );
  assert.deepEqual(
    unresolved.body.data.map((i: { id: string }) => i.id),
    [issue.id],
  );
});

test("a resolved issue without deployments regresses on a later event of another release", async () => {
  const serviceId = await freshService();
  const release = (r: string, over = {}) =>
    errorEventFixture(serviceId, {
      deployment_id: randomUUID(),
      context: { environment: "production", release: r, tags: {}, extra: {} },
      ...over,
    });
  await ingestErrorEvents(t.deps, { serviceId }, [release("1.0.0")]);
  const [issue] = await issuesOf(serviceId);
  await t.call("PATCH", `/api/v1/issues/${issue.id}`, { as: owner, body: { status: "resolved" } });
  const later = new Date(Date.now() + 1000).toISOString();
  await ingestErrorEvents(t.deps, { serviceId }, [release("1.0.0", { timestamp: later })]);
  assert.equal((await issuesOf(serviceId))[0].status, "resolved");
  await ingestErrorEvents(t.deps, { serviceId }, [release("1.0.1", { timestamp: later })]);
  assert.equal((await issuesOf(serviceId))[0].status, "regressed");
});

test(`concurrent first events of one fingerprint make one issue (${testStore})`, async () => {
  const serviceId = await freshService();
  const parallel = 16;
  const results = await Promise.all(
    Array.from({ length: parallel }, () =>
      ingestErrorEvents(t.deps, { serviceId }, [
        errorEventFixture(serviceId),
        errorEventFixture(serviceId, { type: "Second" }),
      ]),
    ),
  );
  const issues = await issuesOf(serviceId);
  assert.equal(issues.length, 2, JSON.stringify(issues.map((i: { title: string }) => i.title)));
  for (const issue of issues) assert.equal(issue.event_count, parallel);
  const created = results.flatMap((r) => r.issues.filter((i) => i.created));
  assert.equal(created.length, 2, "each issue was created by exactly one of the calls");
});

test("huge events are trimmed, NUL characters and broken surrogates stored, nothing lost", async () => {
  const serviceId = await freshService();
  const frames = Array.from({ length: 5000 }, (_, i) => ({
    filename: `/app/src/deep${i}.ts`,
    function: `walk${i}`,
    lineno: i,
    in_app: true,
  }));
  const event = errorEventFixture(serviceId, {
    message: `boom\u0000 ${"x".repeat(100_000)} \ud800`,
    stack_trace: frames,
    breadcrumbs: Array.from({ length: 1000 }, (_, i) => ({
      timestamp: new Date().toISOString(),
      type: "console" as const,
      category: "log",
      message: `line ${i}`,
      level: "info" as const,
    })),
    context: {
      environment: "production",
      release: "",
      tags: { "k\u0000": "v" },
      extra: { blob: "y".repeat(200_000), many: Array.from({ length: 100 }, () => "z".repeat(4000)) },
    },
  });
  assert.equal((await ingestErrorEvents(t.deps, { serviceId }, [event])).accepted, 1);
  const [issue] = await issuesOf(serviceId);
  const [stored] = (await t.call("GET", `/api/v1/issues/${issue.id}/events`, { as: owner })).body.data;
  assert.equal(stored.stack_trace.length, 250);
  assert.equal(stored.stack_trace.at(-1).function, "walk4999", "the innermost frames are kept");
  assert.equal(stored.breadcrumbs.length, 100);
  assert.equal(stored.breadcrumbs.at(-1).message, "line 999", "the latest breadcrumbs are kept");
  assert.ok(stored.message.length <= 8192);
  assert.ok(stored.message.startsWith("boom "));
  assert.match(stored.context.extra._syntra_truncated, /over the limit/);
});

test("each event of a batch gets back exactly its own breadcrumbs: new lines, quotes, backslashes, data, none", async () => {
  const serviceId = await freshService();
  const crumb = (message: string, data?: Record<string, unknown>) => ({
    timestamp: new Date().toISOString(),
    type: "console" as const,
    category: "log",
    message,
    level: "info" as const,
    ...(data && { data }),
  });
  // Breadcrumbs travel one event per line beside the rows (ingest.ts): these would break a naive split.
  const lists = [
    [crumb("first line\nsecond line\r\nthird"), crumb('say "hi" \\n not a new line')],
    [],
    [crumb("ünïcödé ✓ 😀", { nested: { lines: "a\nb", list: [1, "x\ny", null] } })],
    [crumb("\n"), crumb("")],
  ];
  const events = lists.map((breadcrumbs, i) => errorEventFixture(serviceId, { type: `Crumbs${i}`, breadcrumbs }));
  assert.equal((await ingestErrorEvents(t.deps, { serviceId }, events)).accepted, events.length);
  const issues = await issuesOf(serviceId);
  assert.equal(issues.length, lists.length);
  for (const [i, issue] of issues.entries()) {
    const [stored] = (await t.call("GET", `/api/v1/issues/${issue.id}/events`, { as: owner })).body.data;
    const sent = lists[Number(String(issue.exception_type).replace("Crumbs", ""))];
    assert.deepEqual(stored.breadcrumbs, sent, `breadcrumbs of issue ${i} (${issue.exception_type})`);
  }
});

test("the ingest queue: concurrent requests share transactions and each is answered for its own events", async () => {
  const serviceId = await freshService();
  const queue = new ErrorIngestQueue(t.deps);
  const first = errorEventFixture(serviceId);
  const answers = await Promise.all([
    queue.submit(serviceId, [first]),
    ...Array.from({ length: 20 }, () => queue.submit(serviceId, [errorEventFixture(serviceId)])),
    queue.submit(serviceId, [first, errorEventFixture(serviceId)]),
  ]);
  // The first request finds the queue idle and goes alone; the others wait and share the next transaction, where
  // the last one's copy of the first event is a duplicate.
  assert.deepEqual(
    answers.map((a) => [a.accepted, a.duplicates]),
    [...Array.from({ length: 21 }, () => [1, 0]), [1, 1]],
  );
  const [issue] = await issuesOf(serviceId);
  assert.equal(issue.event_count, 22);
  const again = await queue.submit(serviceId, [first]);
  assert.deepEqual([again.accepted, again.duplicates], [0, 1]);
});
