import assert from "node:assert/strict";
import { test } from "node:test";
import { createRedactor, redactDeep, secretVariables } from "./redact";

test("known secret values are replaced by their variable's name, the longest first", () => {
  const redact = createRedactor({
    secrets: [
      { name: "STRIPE_KEY", value: "sk_live_51Habcdefghij" },
      { name: "DB_PASS", value: "hunter2-very-secret" },
      { name: "PREFIX", value: "hunter2-very" },
      { name: "FLAG", value: "on" },
    ],
    emails: false,
  });
  assert.equal(
    redact("auth failed with hunter2-very-secret for key sk_live_51Habcdefghij (flag on)"),
    "auth failed with [REDACTED:DB_PASS] for key [REDACTED:STRIPE_KEY] (flag on)",
  );
});

test("tokens, keys, DSN credentials, bearer headers, JWTs and private keys are redacted by their shape", () => {
  const redact = createRedactor({ secrets: [], emails: false });
  const cases: [string, string][] = [
    [
      "connect postgres://app:S3cr3t!@db.internal:5432/shop failed",
      "connect postgres://[REDACTED]@db.internal:5432/shop failed",
    ],
    ["dsn https://abc123:def456@sentry.example.com/4", "dsn https://[REDACTED]@sentry.example.com/4"],
    ["Authorization: Bearer abcdefghijklmnop.qrs", "Authorization: Bearer [REDACTED]"],
    ["key sk-ant-api03-AAAAAAAAAAAAAAAAAAAA used", "key [REDACTED:TOKEN] used"],
    ["ghp_0123456789abcdefghijABCDEFGHIJ rejected", "[REDACTED:TOKEN] rejected"],
    ["AKIAIOSFODNN7EXAMPLE denied", "[REDACTED:TOKEN] denied"],
    ["token syn_usr_0123456789abcdefghij0123456789abcdefghij", "token [REDACTED:TOKEN]"],
    ["jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dGhpcyBpcyBzaWc expired", "jwt [REDACTED:JWT] expired"],
    ['{"password": "letmein123", "user": "ana"}', '{"password": "[REDACTED]", "user": "ana"}'],
    ["GET /cb?api_key=abcd1234&page=2", "GET /cb?api_key=[REDACTED]&page=2"],
    ["-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----", "[REDACTED:PRIVATE_KEY]"],
  ];
  for (const [input, expected] of cases) assert.equal(redact(input), expected, input);
  // Not secrets: left alone.
  const plain = "TypeError at getOrder (/app/src/orders.ts:42) in commit abc1234def, GET /api/orders/17";
  assert.equal(redact(plain), plain);
});

test("emails are replaced only when the organization says so", () => {
  const text = "no account for ana.lopez+shop@example.co.uk";
  assert.equal(createRedactor({ secrets: [], emails: false })(text), text);
  assert.equal(createRedactor({ secrets: [], emails: true })(text), "no account for [REDACTED:EMAIL]");
});

test("secret variables: those marked secret and those named like one", () => {
  const vars = new Map([
    ["DATABASE_URL", { value: "postgres://u:p@h/d", secret: false }],
    ["STRIPE_SECRET", { value: "whsec_abc", secret: false }],
    ["LOG_LEVEL", { value: "debug", secret: false }],
    ["SOMETHING", { value: "hidden-value", secret: true }],
  ]);
  assert.deepEqual(
    secretVariables(vars).map((s) => s.name),
    ["DATABASE_URL", "STRIPE_SECRET", "SOMETHING"],
  );
});

test("redactDeep reaches every string of a nested value, keys included", () => {
  const redact = createRedactor({ secrets: [{ name: "K", value: "abcdef-secret" }], emails: true });
  const out = redactDeep(
    { a: ["x abcdef-secret", { b: "mail bo@example.com" }], "abcdef-secret": 1, n: 3, z: null },
    redact,
  );
  assert.deepEqual(out, { a: ["x [REDACTED:K]", { b: "mail [REDACTED:EMAIL]" }], "[REDACTED:K]": 1, n: 3, z: null });
});
