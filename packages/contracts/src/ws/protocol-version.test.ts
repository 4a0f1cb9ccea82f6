import assert from "node:assert/strict";
import { test } from "node:test";
import { compareProtocolVersions, negotiateProtocolVersion, PROTOCOL_VERSIONS } from "./protocol-version";

test("the control plane speaks protocol 1.0", () => {
  assert.deepEqual(PROTOCOL_VERSIONS, ["1.0"]);
});

test("a newer minor agent falls back to the control plane's version", () => {
  assert.equal(negotiateProtocolVersion("1.2", "1.0", ["1.0"]), "1.0");
});

test("an agent of another major version shares nothing", () => {
  assert.equal(negotiateProtocolVersion("2.0", "2.0", ["1.0"]), null);
});

test("the highest version inside the agent's range wins", () => {
  assert.equal(negotiateProtocolVersion("1.2", "1.0", ["1.0", "1.1", "1.2", "1.3"]), "1.2");
  assert.equal(negotiateProtocolVersion("2.1", "1.4", ["1.0", "1.5", "2.0"]), "2.0");
  assert.equal(negotiateProtocolVersion("1.10", "1.0", ["1.9", "1.10"]), "1.10");
  assert.equal(negotiateProtocolVersion("1.0", "1.0", ["1.1"]), null);
});

test("malformed versions never match", () => {
  assert.equal(negotiateProtocolVersion("1", "1.0", ["1.0"]), null);
  assert.equal(negotiateProtocolVersion("1.0", "1.0.0", ["1.0"]), null);
  assert.equal(negotiateProtocolVersion("1.0", "1.1", ["1.0"]), null);
  assert.equal(negotiateProtocolVersion("1.2", "1.0", ["v1.1", "1.0"]), "1.0");
});

test("versions compare numerically", () => {
  assert.ok(compareProtocolVersions("1.10", "1.9") > 0);
  assert.ok(compareProtocolVersions("2.0", "1.99") > 0);
  assert.equal(compareProtocolVersions("1.0", "1.0"), 0);
});
