import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { errorEventFixture, serviceOfNewOrg } from "../testing/error-fixtures";
import type { Credential, TestApp } from "../testing/harness";
import { createTestApp } from "../testing/harness";

// The official Sentry SDKs as clients, unchanged: an app changes only its DSN to the service's and its errors,
// messages, breadcrumbs, transactions and logs arrive as issues, spans and log records.

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../../..");
const run = promisify(execFile);

let t: TestApp;
let base: string;

before(async () => {
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true" });
  base = (await t.agentUrl()).replace(/^ws/, "http").replace(/\/agent\/ws$/, "");
});
after(() => t.close());

interface Service {
  owner: Credential;
  projectId: string;
  serviceId: string;
  orgId: string;
  dsn: string;
  key: string;
}

async function service(email: string): Promise<Service> {
  const org = await serviceOfNewOrg(t, email);
  const ingest = await t.call("GET", `/api/v1/services/${org.serviceId}/ingest`, { as: org.owner });
  assert.equal(ingest.status, 200, JSON.stringify(ingest.body));
  const { key, ingest_id } = ingest.body.data;
  return { ...org, key, dsn: `${base.replace("://", `://${key}@`)}/${ingest_id}` };
}

// biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON
async function issues(s: Service): Promise<any[]> {
  const res = await t.call("GET", `/api/v1/projects/${s.projectId}/issues?limit=100`, { as: s.owner });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

// biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON
async function events(s: Service, issueId: string): Promise<any[]> {
  return (await t.call("GET", `/api/v1/issues/${issueId}/events?limit=100`, { as: s.owner })).body.data;
}

/** Runs an app to its end (it dies of its unhandled exception after the SDK sent everything). */
async function runApp(cmd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(cmd, args, { timeout: 60_000, env: { ...process.env, NODE_OPTIONS: "" } });
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stderr: e.stderr ?? "" };
  }
}

test("@sentry/node: handled errors, messages, breadcrumbs, an unhandled exception, a transaction and logs", async () => {
  const s = await service("sentry-node@example.com");
  const app = await runApp(process.execPath, [path.join(here, "testing/sentry-node-app.mjs"), s.dsn]);
  assert.equal(app.code, 1, `the app dies of its unhandled exception: ${app.stderr.slice(0, 500)}`);

  const list = await issues(s);
  const byTitle = new Map(list.map((i) => [i.title, i]));
  // SDKs send envelopes in parallel, so any of the three may have been stored first and given the title.
  const declined = list.find((i) => /^TypeError: card declined for order 1[789]$/.test(i.title));
  assert.ok(declined, `issues: ${[...byTitle.keys()].join(" | ")}`);
  assert.equal(declined.event_count, 3, "the same error three times is one issue with three events");
  assert.equal(declined.user_count, 1);
  // The Node SDK names the module after the file.
  assert.equal(declined.culprit, "chargeCard (sentry-node-app)");
  assert.equal(declined.severity, "medium", "handled errors are medium");

  const unhandled = byTitle.get("RangeError: unhandled boom in worker");
  assert.ok(unhandled, "the unhandled exception is reported");
  assert.equal(unhandled.severity, "critical", "the Node SDK reports the exception that ends the process as fatal");
  const message = byTitle.get("Payment provider slow for order 17");
  assert.ok(message, "captureMessage makes an issue");
  assert.equal(message.exception_type, "message");
  assert.equal(list.length, 3);

  const [event] = await events(s, declined.id);
  const innermost = event.stack_trace.at(-1);
  assert.equal(innermost.function, "chargeCard");
  assert.equal(innermost.in_app, true);
  assert.match(innermost.context_line, /throw new TypeError/);
  assert.ok(innermost.lineno > 0);
  assert.equal(event.release, "shop@1.4.2");
  assert.equal(event.environment, "staging");
  assert.equal(event.handled, true);
  assert.deepEqual(event.context.user, { id: "user-42", email: "ana@example.com" });
  assert.equal(event.context.tags.region, "eu-west");
  assert.ok(event.breadcrumbs.some((b: { message?: string }) => b.message === "cart loaded with 3 items"));
  assert.match(event.trace_id, /^[0-9a-f]{32}$/);
  const [crash] = await events(s, unhandled.id);
  assert.equal(crash.handled, false);
  assert.equal(crash.context.tags.handled, "no");

  // The transaction and its child span reached the telemetry store, and so did the log record.
  const traces = await t.call("GET", `/api/v1/services/${s.serviceId}/traces`, { as: s.owner });
  assert.equal(traces.status, 200, JSON.stringify(traces.body));
  const checkout = traces.body.data.find((tr: { root_operation: string }) => tr.root_operation === "GET /checkout");
  assert.ok(checkout, JSON.stringify(traces.body.data));
  assert.equal(checkout.span_count, 2);
  const logs = await t.call("GET", `/api/v1/services/${s.serviceId}/logs?search=checkout%20rendered`, { as: s.owner });
  assert.equal(logs.status, 200, JSON.stringify(logs.body));
  assert.equal(logs.body.data.length, 1);
  assert.equal(logs.body.data[0].trace_id, checkout.trace_id);
});

for (const venv of ["sentry", "sentry-gzip"]) {
  test(`Python sentry-sdk (${venv === "sentry" ? "brotli installed: br" : "no brotli: gzip"}): errors, message, breadcrumbs, unhandled`, async () => {
    const python = path.join(root, ".test-services/python", venv, "bin/python");
    assert.ok(existsSync(python), `${python} is missing: run bash scripts/services/python.sh start`);
    const s = await service(`sentry-python-${venv}@example.com`);
    const app = await runApp(python, [path.join(here, "testing/sentry_python_app.py"), s.dsn]);
    assert.equal(app.code, 1, `the app dies of its unhandled KeyError: ${app.stderr.slice(0, 500)}`);
    assert.match(app.stderr, /KeyError: 'missing-config'/);

    const list = await issues(s);
    const byType = new Map(list.map((i) => [i.exception_type, i]));
    const valueError = byType.get("ValueError");
    assert.ok(valueError, JSON.stringify(list.map((i) => i.title)));
    assert.equal(valueError.event_count, 3, "three ValueErrors with different values are one issue");
    assert.equal(valueError.culprit, "parse_amount (__main__)");
    const keyError = byType.get("KeyError");
    assert.ok(keyError, "the unhandled exception is reported");
    assert.equal(keyError.severity, "high");
    assert.equal(byType.get("message")?.title, "Inventory low for sku 1234");

    const [event] = await events(s, valueError.id);
    const innermost = event.stack_trace.at(-1);
    assert.equal(innermost.function, "parse_amount");
    assert.equal(innermost.module, "__main__");
    assert.equal(innermost.context_line.trim(), "return int(text)");
    assert.equal(event.release, "shop@2.0.0");
    assert.deepEqual(event.context.user, { id: "py-user-7", email: "bo@example.com" });
    assert.equal(event.context.tags.region, "us-east");
    assert.ok(event.breadcrumbs.some((b: { message?: string }) => b.message === "user logged in"));
  });
}

test("wrong, missing and mismatched keys answer 403 and store nothing", async () => {
  const s = await service("sentry-keys@example.com");
  const ingestId = s.dsn.split("/").at(-1);
  const envelope = (dsn?: string) =>
    `${JSON.stringify({ event_id: "9ec79c33ec9942ab8353589fcb2e04dc", ...(dsn && { dsn }) })}\n{"type":"event"}\n${JSON.stringify({ exception: { values: [{ type: "Error", value: "x" }] } })}\n`;
  const post = (url: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${url}`, { method: "POST", body, headers });
  const answers = [
    await post(`/api/${ingestId}/envelope/`, envelope()),
    await post(`/api/${ingestId}/envelope/?sentry_key=syn_ing_${"0".repeat(32)}`, envelope()),
    await post(`/api/${ingestId}/envelope/`, envelope(), { "x-sentry-auth": "Sentry sentry_key=nonsense" }),
    await post(`/api/${Number(ingestId) + 1}/envelope/?sentry_key=${s.key}`, envelope()),
    await post(`/api/${ingestId}/envelope/?sentry_key=${s.key}`, envelope(), {
      "x-sentry-auth": `Sentry sentry_key=syn_ing_${"1".repeat(32)}`,
    }),
    await post(`/api/${ingestId}/store/`, JSON.stringify({ message: "x" })),
  ];
  for (const res of answers) {
    assert.equal(res.status, 403, await res.text());
    assert.ok(res.headers.get("x-sentry-error"));
    assert.equal(res.headers.get("access-control-allow-origin"), "*");
  }
  assert.deepEqual(await issues(s), []);
  // The envelope's own dsn header is enough, and the legacy store endpoint takes the X-Sentry-Auth header.
  assert.equal((await post(`/api/${ingestId}/envelope/`, envelope(s.dsn))).status, 200);
  const store = await post(`/api/${ingestId}/store/`, JSON.stringify({ message: "stored the old way" }), {
    "x-sentry-auth": `Sentry sentry_version=7, sentry_key=${s.key}`,
    "content-type": "application/json",
  });
  assert.equal(store.status, 200, await store.text());
  assert.deepEqual((await issues(s)).map((i) => i.title).sort(), ["Error: x", "stored the old way"]);
});

test("POST /v1/errors: Syntra's SDK endpoint takes ErrorEvents with the ingest key, all or none", async () => {
  const s = await service("syntra-sdk@example.com");
  const event = errorEventFixture(s.serviceId);
  const { service_id: _s, deployment_id: _d, ...sdkEvent } = event;
  const post = (body: unknown, headers: Record<string, string>) =>
    fetch(`${base}/v1/errors`, { method: "POST", body: JSON.stringify(body), headers });
  const bad = await post({ errors: [sdkEvent, { ...sdkEvent, id: "nope" }] }, { "x-syntra-key": s.key });
  assert.equal(bad.status, 400);
  // biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON
  const badBody: any = await bad.json();
  assert.equal(badBody.error.code, "VALIDATION_ERROR");
  assert.equal(badBody.error.details[0].path, "body.errors.1.id");
  assert.equal((await post({ errors: [sdkEvent] }, { "x-syntra-key": "syn_ing_wrong" })).status, 403);
  assert.deepEqual(await issues(s), [], "nothing stored half-way");

  const ok = await post({ errors: [sdkEvent] }, { authorization: `Bearer ${s.key}` });
  assert.equal(ok.status, 200);
  assert.deepEqual(((await ok.json()) as { data: unknown }).data, { accepted: 1, duplicates: 0 });
  const again = await post({ errors: [sdkEvent] }, { "x-syntra-key": s.key });
  assert.deepEqual(((await again.json()) as { data: unknown }).data, { accepted: 0, duplicates: 1 });
  assert.equal((await issues(s))[0].event_count, 1);
  // Browsers send the key in the query string with a text/plain body (no preflight; sendBeacon sets no headers).
  const beacon = await fetch(`${base}/v1/errors?syntra_key=${s.key}`, {
    method: "POST",
    body: JSON.stringify({ errors: [{ ...sdkEvent, id: randomUUID() }] }),
    headers: { "content-type": "text/plain;charset=UTF-8" },
  });
  assert.equal(beacon.status, 200, await beacon.text());
  assert.equal(beacon.headers.get("access-control-allow-origin"), "*");
  assert.equal((await issues(s))[0].event_count, 2);
  const wrong = await fetch(`${base}/v1/errors?syntra_key=syn_ing_${"2".repeat(32)}`, {
    method: "POST",
    body: JSON.stringify({ errors: [{ ...sdkEvent, id: randomUUID() }] }),
  });
  assert.equal(wrong.status, 403);
});
