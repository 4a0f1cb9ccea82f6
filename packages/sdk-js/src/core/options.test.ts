import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveOptions, resourceAttributes } from "./options";

const KEY = "syn_ing_0123456789abcdef0123456789abcdef";

test("in a container Syntra deployed, everything comes from the injected variables", () => {
  const { options, dsnProblem } = resolveOptions(
    {},
    {
      SYNTRA_DSN: `http://${KEY}@host.docker.internal:4318/12`,
      OTEL_SERVICE_NAME: "web",
      OTEL_RESOURCE_ATTRIBUTES:
        "deployment.id=8a2b4c6d-1e3f-4a5b-8c7d-9e0f1a2b3c4d,service.version=abc123,deployment.environment.name=production,service.namespace=shop%20eu",
      SENTRY_RELEASE: "abc123",
    },
  );
  assert.equal(dsnProblem, undefined);
  assert.equal(options.dsn?.errorsUrl, "http://host.docker.internal:4318/v1/errors");
  assert.equal(options.release, "abc123");
  assert.equal(options.environment, "production");
  assert.equal(options.deploymentId, "8a2b4c6d-1e3f-4a5b-8c7d-9e0f1a2b3c4d");
  assert.equal(options.serviceName, "web");
  assert.equal(options.logs, false, "the agent already collects a deployed container's output");
  assert.equal(options.tracing, true);
});

test("options given win over the environment; outside Syntra console logs are sent", () => {
  const { options } = resolveOptions(
    { dsn: `https://${KEY}@s.example.com/1`, release: "r2", environment: "staging", sampleRate: 0.5 },
    { SYNTRA_DSN: "ignored", SYNTRA_RELEASE: "r1", SYNTRA_ENVIRONMENT: "dev" },
  );
  assert.equal(options.dsn?.baseUrl, "https://s.example.com");
  assert.equal(options.release, "r2");
  assert.equal(options.environment, "staging");
  assert.equal(options.sampleRate, 0.5);
  assert.equal(options.logs, true);
  assert.equal(resolveOptions({}, { SYNTRA_RELEASE: "r1", SENTRY_RELEASE: "r0" }).options.release, "r1");
});

test("a wrong DSN turns the SDK off with its reason; no DSN or enabled:false is simply off", () => {
  const wrong = resolveOptions({ dsn: "https://nokey@h/1" }, {});
  assert.equal(wrong.options.dsn, undefined);
  assert.match(wrong.dsnProblem ?? "", /key must look like/);
  assert.equal(resolveOptions({}, {}).options.dsn, undefined);
  const off = resolveOptions({ dsn: `https://${KEY}@h/1`, enabled: false }, {});
  assert.equal(off.options.dsn, undefined);
  assert.equal(off.dsnProblem, undefined);
});

test("numeric options out of range are programming errors and throw", () => {
  assert.throws(() => resolveOptions({ sampleRate: 1.5 }, {}), /sampleRate must be a number from 0 to 1/);
  assert.throws(() => resolveOptions({ tracesSampleRate: -1 }, {}), /tracesSampleRate/);
  assert.throws(() => resolveOptions({ maxBreadcrumbs: 2.5 }, {}), /maxBreadcrumbs must be a whole number/);
});

test("OTEL_RESOURCE_ATTRIBUTES: percent-decoded values, malformed pairs skipped", () => {
  assert.deepEqual(resourceAttributes("a=1, b=x%2Cy ,=z,c,d=%E0%A4%A"), { a: "1", b: "x,y", d: "%E0%A4%A" });
  assert.deepEqual(resourceAttributes(undefined), {});
});
