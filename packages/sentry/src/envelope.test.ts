import assert from "node:assert/strict";
import { test } from "node:test";
import zlib from "node:zlib";
import { errorEvent } from "@syntra/contracts";
import { credentialsOf, keyFromAuthHeader, parseDsn } from "./auth";
import { convertEnvelope, PayloadRejected, SENTRY_LIMITS } from "./convert";
import { DecompressError, decompressBody } from "./decompress";
import { EnvelopeError, parseEnvelope } from "./envelope";
import { limitDepth } from "./values";

const target = {
  serviceId: "3f1c2a9e-7b4d-4e8a-9c21-5d6f7a8b9c0d",
  deploymentId: "00000000-0000-0000-0000-000000000000",
};
const now = new Date("2025-03-14T09:27:53Z");
const lines = (...parts: (string | Buffer)[]) =>
  Buffer.concat(parts.flatMap((p) => [typeof p === "string" ? Buffer.from(p) : p, Buffer.from("\n")]));

const event = {
  event_id: "9ec79c33ec9942ab8353589fcb2e04dc",
  timestamp: 1710408473.5,
  level: "error",
  exception: {
    values: [{ type: "TypeError", value: "x is undefined", mechanism: { type: "generic", handled: true } }],
  },
};

test("items with and without length, binary payloads and blank lines are read; unknown types are skipped", () => {
  const attachment = Buffer.from([0x00, 0x0a, 0xff, 0x0a, 0x41]);
  const body = lines(
    JSON.stringify({ event_id: event.event_id, sent_at: "2025-03-14T09:27:54Z" }),
    JSON.stringify({ type: "event" }),
    JSON.stringify(event),
    "",
    JSON.stringify({ type: "attachment", length: attachment.length, filename: "a.bin" }),
    attachment,
    JSON.stringify({ type: "client_report" }),
    JSON.stringify({ discarded_events: [] }),
    JSON.stringify({ type: "some_future_type", length: 2 }),
    "{}",
  );
  const envelope = parseEnvelope(body);
  assert.deepEqual(
    envelope.items.map((i) => i.type),
    ["event", "attachment", "client_report", "some_future_type"],
  );
  assert.deepEqual(envelope.items[1]?.payload, attachment);
  const data = convertEnvelope(envelope, target, now);
  assert.equal(data.errors.length, 1);
  assert.deepEqual(data.skipped, { attachment: 1, client_report: 1, some_future_type: 1 });
  assert.deepEqual(errorEvent.safeParse(data.errors[0]).error?.issues, undefined);
  assert.equal(data.errors[0]?.id, "9ec79c33-ec99-42ab-8353-589fcb2e04dc");
  assert.equal(data.errors[0]?.timestamp, "2024-03-14T09:27:53.500Z");
  assert.equal(data.errors[0]?.handled, true);
  // The last item may end without a newline.
  assert.equal(parseEnvelope(Buffer.from(`{}\n{"type":"event"}\n${JSON.stringify(event)}`)).items.length, 1);
});

test("malformed envelopes are refused with a reason", () => {
  const refused = (body: string, reason: RegExp) =>
    assert.throws(
      () => parseEnvelope(Buffer.from(body)),
      (err: unknown) => err instanceof EnvelopeError && reason.test(err.message),
    );
  refused("", /no header/);
  refused("not json\n", /envelope header is not valid JSON/);
  refused("[]\n", /must be a JSON object/);
  refused('{}\n{"length":2}\n{}\n', /has no type/);
  refused('{}\n{"type":"event","length":100}\n{}\n', /shorter than its length/);
  refused('{}\n{"type":"event","length":-1}\n{}\n', /invalid length/);
  refused(`{}\n${'{"type":"session"}\n{}\n'.repeat(1001)}`, /more than 1000 items/);
  assert.throws(
    () => convertEnvelope(parseEnvelope(Buffer.from('{}\n{"type":"event"}\n{oops\n')), target, now),
    /event item 1 is not valid JSON/,
  );
});

test("an event item over 1 MB refuses the envelope as too large", () => {
  const big = JSON.stringify({ ...event, extra: { blob: "x".repeat(SENTRY_LIMITS.eventBytes) } });
  const envelope = parseEnvelope(lines("{}", JSON.stringify({ type: "event", length: Buffer.byteLength(big) }), big));
  assert.throws(
    () => convertEnvelope(envelope, target, now),
    (err: unknown) => err instanceof PayloadRejected && err.tooLarge,
  );
});

test("keys come from X-Sentry-Auth, Authorization, the query string or the envelope's DSN; two different keys conflict", () => {
  assert.equal(
    keyFromAuthHeader("Sentry sentry_version=7, sentry_client=sentry.python/2.1, sentry_key=abc123"),
    "abc123",
  );
  assert.equal(keyFromAuthHeader("Bearer abc"), undefined);
  assert.deepEqual(parseDsn("https://syn_ing_0123@syntra.example.com/prefix/42"), {
    key: "syn_ing_0123",
    projectId: "42",
  });
  assert.equal(parseDsn("not a dsn"), undefined);
  const headers = { "x-sentry-auth": "Sentry sentry_key=k1, sentry_version=7" };
  assert.deepEqual(credentialsOf({ headers, query: {} }), { key: "k1", conflicting: false, dsnProjectId: undefined });
  assert.equal(credentialsOf({ headers: {}, query: { sentry_key: "k2" } }).key, "k2");
  assert.equal(credentialsOf({ headers: {}, query: {}, envelopeDsn: "https://k3@h/7" }).key, "k3");
  assert.equal(credentialsOf({ headers, query: { sentry_key: "other" } }).conflicting, true);
});

test("gzip, deflate (zlib and raw) and br are decoded; bombs stop at the limit with bounded output", async () => {
  const json = Buffer.from(JSON.stringify(event));
  for (const [encoding, packed] of [
    ["gzip", zlib.gzipSync(json)],
    ["deflate", zlib.deflateSync(json)],
    ["deflate", zlib.deflateRawSync(json)],
    ["br", zlib.brotliCompressSync(json)],
    [undefined, json],
    ["identity", json],
  ] as const) {
    assert.deepEqual(await decompressBody(packed, encoding, 1024 * 1024), json, String(encoding));
  }
  // 16 MiB of zeros packs into ~16 KiB of gzip: refused once the output passes 1 MiB.
  const bomb = zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024));
  await assert.rejects(
    decompressBody(bomb, "gzip", 1024 * 1024),
    (err: unknown) => err instanceof DecompressError && err.tooLarge,
  );
  const brBomb = zlib.brotliCompressSync(Buffer.alloc(16 * 1024 * 1024));
  await assert.rejects(
    decompressBody(brBomb, "br", 1024 * 1024),
    (err: unknown) => err instanceof DecompressError && err.tooLarge,
  );
  await assert.rejects(
    decompressBody(json, "gzip", 1024),
    (err: unknown) => err instanceof DecompressError && !err.tooLarge,
  );
  await assert.rejects(decompressBody(json, "zstd", 1024), /unsupported Content-Encoding 'zstd'/);
});

test("deeply nested JSON is cut at a depth without recursion", () => {
  let deep: unknown = "bottom";
  for (let i = 0; i < 100_000; i++) deep = { d: deep };
  const cut = limitDepth(deep, 3) as { d: { d: { d: unknown } } };
  assert.deepEqual(cut, { d: { d: { d: "[depth limit]" } } });
});
