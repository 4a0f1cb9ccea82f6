import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import zlib from "node:zlib";
import { serviceOfNewOrg } from "../testing/error-fixtures";
import type { Credential, TestApp } from "../testing/harness";
import { createTestApp } from "../testing/harness";

// What a broken or hostile sender gets from the Sentry endpoints: a clear error with a code, bounded memory, and
// nothing stored half-way. The control plane runs for real and is called over HTTP like an SDK calls it.

let t: TestApp;
let base: string;
let owner: Credential;
let projectId: string;
let serviceId: string;
let key: string;
let envelopeUrl: string;

before(async () => {
  // A low rate, so the limit is reached within a few requests.
  t = await createTestApp({ SYNTRA_OPEN_SIGNUP: "true", SYNTRA_ERROR_INGEST_RATE: "2" });
  base = (await t.agentUrl()).replace(/^ws/, "http").replace(/\/agent\/ws$/, "");
  const org = await serviceOfNewOrg(t, "bad-input@example.com");
  ({ owner, projectId, serviceId } = org);
  const ingest = (await t.call("GET", `/api/v1/services/${serviceId}/ingest`, { as: owner })).body.data;
  key = ingest.key;
  envelopeUrl = `${base}/api/${ingest.ingest_id}/envelope/?sentry_key=${key}`;
});
after(() => t.close());

const event = (value: string) => ({ exception: { values: [{ type: "Error", value }] } });
const envelope = (...items: unknown[]) =>
  [JSON.stringify({}), ...items.flatMap((i) => [JSON.stringify({ type: "event" }), JSON.stringify(i)])].join("\n");

async function post(body: Buffer | string, headers: Record<string, string> = {}, url = envelopeUrl) {
  const res = await fetch(url, { method: "POST", body, headers });
  // biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON
  const json: any = await res.json().catch(() => undefined);
  return { status: res.status, headers: res.headers, json };
}

async function issueCount(): Promise<number> {
  return (await t.call("GET", `/api/v1/projects/${projectId}/issues?limit=100`, { as: owner })).body.data.length;
}

test("malformed envelopes answer 400 with the reason and store nothing, not even their valid items", async () => {
  const cases: [string, RegExp][] = [
    ["", /no header/],
    ["{not json", /envelope header is not valid JSON/],
    [`{}\n{"type":"event","length":9999}\n{}`, /shorter than its length/],
    // A valid first event, then a broken one: the envelope is refused whole.
    [`${envelope(event("valid first"))}\n{"type":"event"}\n{broken`, /event item 2 is not valid JSON/],
  ];
  for (const [body, reason] of cases) {
    const res = await post(body);
    assert.equal(res.status, 400, body);
    assert.equal(res.json.error.code, "BAD_REQUEST");
    assert.match(res.json.error.message, reason);
    assert.match(res.headers.get("x-sentry-error") ?? "", reason);
  }
  const badGzip = await post("definitely not gzip", { "content-encoding": "gzip" });
  assert.equal(badGzip.status, 400);
  assert.equal(await issueCount(), 0);
});

test("decompression bombs and oversized events answer 413 with bounded memory; nothing is stored", async () => {
  // 200 MiB of one event's padding compresses to ~200 KiB: refused when the output passes 100 MiB.
  const padding = Buffer.alloc(200 * 1024 * 1024, 0x20);
  const bomb = zlib.gzipSync(Buffer.concat([Buffer.from(`${envelope(event("bomb"))}\n`), padding]), { level: 1 });
  const before = process.memoryUsage().rss;
  const res = await post(bomb, { "content-encoding": "gzip" });
  assert.equal(res.status, 413);
  assert.equal(res.json.error.code, "PAYLOAD_TOO_LARGE");
  assert.match(res.json.error.message, /more than 104857600 bytes/);
  // The server is this process: the bomb cost at most the 100 MiB limit (plus slack), not 200 MiB.
  assert.ok(process.memoryUsage().rss - before < 180 * 1024 * 1024);

  const huge = await post(envelope({ ...event("huge"), extra: { blob: "x".repeat(1_100_000) } }));
  assert.equal(huge.status, 413);
  assert.match(huge.json.error.message, /over the limit of 1048576/);

  const tooBig = await post(Buffer.alloc(21 * 1024 * 1024, 0x20));
  assert.equal(tooBig.status, 413, "over 20 MB before decompression");
  assert.equal(await issueCount(), 0);
});

test("deeply nested and wide events are stored cut down, never crash the server", async () => {
  const deep = `${'{"d":'.repeat(5000)}"bottom"${"}".repeat(5000)}`;
  const nestedEvent = `{"exception":{"values":[{"type":"Error","value":"deep"}]},"extra":{"deep":${deep}},"contexts":{"weird":${deep}}}`;
  const nested = await post(`{}\n{"type":"event"}\n${nestedEvent}`);
  assert.equal(nested.status, 200, JSON.stringify(nested.json));
  // JSON.parse itself refuses nesting past its stack: that is a 400, not a crash.
  const deeper = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
  const refused = await post(`{}\n{"type":"event"}\n{"extra":${deeper}}`);
  assert.ok(refused.status === 400 || refused.status === 200, `answered ${refused.status}`);
  const wide = await post(
    envelope({
      ...event("wide"),
      tags: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`t${i}`, "v"])),
      breadcrumbs: { values: Array.from({ length: 5000 }, (_, i) => ({ message: `b${i}`, timestamp: 1 })) },
    }),
  );
  assert.equal(wide.status, 200);
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
});

test("browsers: a CORS preflight is answered and answers carry the CORS headers", async () => {
  const preflight = await fetch(envelopeUrl, {
    method: "OPTIONS",
    headers: { origin: "https://shop.example.com", "access-control-request-method": "POST" },
  });
  assert.equal(preflight.status, 200);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
  assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /POST/);
  assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /x-sentry-auth/);
  // The browser SDK's own request: text/plain, the key in the query string.
  const res = await post(envelope(event("from a browser")), { "content-type": "text/plain;charset=UTF-8" });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  assert.match(res.headers.get("access-control-expose-headers") ?? "", /x-sentry-rate-limits/);
});

test("a key over its rate gets 429 with Retry-After and X-Sentry-Rate-Limits; the refused data is not stored", async () => {
  // Rate 2/s, bursts of 20: this envelope of 30 events overdraws the bucket once, the next one is refused.
  const many = Array.from({ length: 30 }, (_, i) => event(`burst ${i}`));
  const before = await issueCount();
  assert.equal((await post(envelope(...many))).status, 200);
  const limited = await post(envelope(event("one too many")));
  assert.equal(limited.status, 429);
  assert.equal(limited.json.error.code, "RATE_LIMITED");
  const retry = Number(limited.headers.get("retry-after"));
  assert.ok(retry >= 1, `Retry-After ${retry}`);
  assert.equal(limited.headers.get("x-sentry-rate-limits"), `${retry}::key`);
  const titles = (await t.call("GET", `/api/v1/projects/${projectId}/issues?limit=100`, { as: owner })).body.data.map(
    (i: { title: string }) => i.title,
  );
  assert.ok(!titles.includes("Error: one too many"));
  assert.equal(await issueCount(), before + 1, "the 30 burst events differ only in a number: one issue");
  // Time passes (the app's clock): the key may send again.
  t.advanceClock(retry * 1000);
  assert.equal((await post(envelope(event("after the wait")))).status, 200);
});
