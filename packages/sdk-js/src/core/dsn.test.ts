import assert from "node:assert/strict";
import { test } from "node:test";
import { DsnError, maskDsn, parseDsn } from "./dsn";

const KEY = "syn_ing_0123456789abcdef0123456789abcdef";

test("a DSN gives the key, the service's id and the endpoints of each signal", () => {
  const dsn = parseDsn(`https://${KEY}@syntra.example.com/42`);
  assert.equal(dsn.key, KEY);
  assert.equal(dsn.projectId, "42");
  assert.equal(dsn.baseUrl, "https://syntra.example.com");
  assert.equal(dsn.errorsUrl, "https://syntra.example.com/v1/errors");
  assert.equal(dsn.tracesUrl, "https://syntra.example.com/v1/traces");
  assert.equal(dsn.logsUrl, "https://syntra.example.com/v1/logs");
});

test("a port and a path prefix (Syntra behind a reverse proxy) are kept", () => {
  const dsn = parseDsn(` http://${KEY}@host.docker.internal:4318/syntra/api/7 `);
  assert.equal(dsn.baseUrl, "http://host.docker.internal:4318/syntra/api");
  assert.equal(dsn.errorsUrl, "http://host.docker.internal:4318/syntra/api/v1/errors");
  assert.equal(dsn.projectId, "7");
});

test("a wrong DSN says what is wrong and what a DSN looks like, with the key hidden", () => {
  const cases: [string, RegExp][] = [
    ["", /it is empty/],
    ["not a url", /not a URL/],
    [`ftp://${KEY}@h/1`, /scheme must be http or https/],
    ["https://h/1", /key is missing/],
    ["https://abc@h/1", /syn_ing_ followed by 32 hex/],
    [`https://${KEY}:pw@h/1`, /no password/],
    [`https://${KEY}@h/1?x=1`, /no query string/],
    [`https://${KEY}@h`, /numeric id is missing/],
    [`https://${KEY}@h/shop`, /numeric id, not "shop"/],
  ];
  for (const [input, reason] of cases) {
    assert.throws(
      () => parseDsn(input),
      (err: unknown) => {
        assert.ok(err instanceof DsnError);
        assert.match(err.message, reason);
        assert.match(err.message, /Expected http\(s\):\/\/<key>@<host>/);
        assert.ok(!err.message.includes(KEY), "the whole key is not repeated in the message");
        return true;
      },
    );
  }
  assert.equal(maskDsn(`https://${KEY}@h/1`), "https://syn_ing_0123…@h/1");
});
