import assert from "node:assert/strict";
import { test } from "node:test";
import { agentToControlPlaneTypes, controlPlaneToAgentTypes, type MessageDirection, messageTypes } from "./envelope";
import { exampleMessages } from "./examples";
import { type ParseMessageResult, parseMessage } from "./parse";

const directionOf = (type: string): MessageDirection =>
  (agentToControlPlaneTypes as readonly string[]).includes(type) ? "agent_to_control_plane" : "control_plane_to_agent";
const otherDirection = (direction: MessageDirection): MessageDirection =>
  direction === "agent_to_control_plane" ? "control_plane_to_agent" : "agent_to_control_plane";

/** A deep copy of an example, typed loosely so that tests can break it. */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into arbitrary fields to corrupt them
function example(type: keyof typeof exampleMessages): any {
  return structuredClone(exampleMessages[type]);
}

function issuePaths(result: ParseMessageResult<MessageDirection>): string[] {
  assert.equal(result.ok, false, "expected the message to be rejected");
  return result.ok ? [] : result.error.issues.map((issue) => issue.path);
}

test("the protocol has 30 message types (19 of section 1 and eleven Syntra extensions), each in exactly one direction", () => {
  assert.equal(messageTypes.length, 30);
  assert.equal(new Set(messageTypes).size, 30);
  assert.equal(agentToControlPlaneTypes.length + controlPlaneToAgentTypes.length, 30);
  assert.deepEqual(Object.keys(exampleMessages).sort(), [...messageTypes].sort());
});

for (const type of messageTypes) {
  const direction = directionOf(type);

  test(`${type}: the example is accepted ${direction}, as an object, a JSON string and UTF-8 bytes`, () => {
    const message = exampleMessages[type];
    for (const raw of [message, JSON.stringify(message), new TextEncoder().encode(JSON.stringify(message))]) {
      const result = parseMessage(direction, raw);
      assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.error, null, 2));
      assert.equal(result.message.type, type);
    }
  });

  test(`${type}: rejected in the other direction`, () => {
    const result = parseMessage(otherDirection(direction), exampleMessages[type]);
    assert.deepEqual(issuePaths(result), ["type"]);
    assert.ok(!result.ok && result.error.code === "INVALID_MESSAGE");
    assert.match(!result.ok ? result.error.message : "", new RegExp(`"${type}" is not sent by the`));
  });
}

test("heartbeat with cpu_usage_percent over 100 names the field", () => {
  const message = example("heartbeat");
  message.payload.resources.cpu_usage_percent = 150;
  const result = parseMessage("agent_to_control_plane", message);
  assert.deepEqual(issuePaths(result), ["payload.resources.cpu_usage_percent"]);
  assert.match(
    !result.ok ? result.error.message : "",
    /^invalid heartbeat message: payload\.resources\.cpu_usage_percent: /,
  );
});

test("array items are addressed by index in the dotted path", () => {
  const message = example("heartbeat");
  message.payload.services[0].status = "sleeping";
  assert.deepEqual(issuePaths(parseMessage("agent_to_control_plane", message)), ["payload.services.0.status"]);
});

test("deploy with an unknown strategy names payload.strategy", () => {
  const message = example("deploy");
  message.payload.strategy = "yolo";
  assert.deepEqual(issuePaths(parseMessage("control_plane_to_agent", message)), ["payload.strategy"]);
});

test("a command without request_id names payload.request_id", () => {
  for (const type of ["stop", "scale", "restart", "exec", "logs_subscribe", "update_agent"] as const) {
    const message = example(type);
    delete message.payload.request_id;
    assert.deepEqual(issuePaths(parseMessage("control_plane_to_agent", message)), ["payload.request_id"], type);
  }
});

test("a trace_id of the wrong length names the span's field", () => {
  const message = example("telemetry_batch");
  message.payload.data.traces[0].trace_id = "4bf92f3577b34da6a3ce929d0e0e473";
  assert.deepEqual(issuePaths(parseMessage("agent_to_control_plane", message)), ["payload.data.traces.0.trace_id"]);
});

test("telemetry_batch: data must match compression", () => {
  const zstdWithObject = example("telemetry_batch");
  zstdWithObject.payload.compression = "zstd";
  assert.deepEqual(issuePaths(parseMessage("agent_to_control_plane", zstdWithObject)), ["payload.data"]);

  const noneWithString = example("telemetry_batch");
  noneWithString.payload.data = "KLUv/QBYaQAAe30=";
  assert.deepEqual(issuePaths(parseMessage("agent_to_control_plane", noneWithString)), ["payload.data"]);

  const zstd = example("telemetry_batch");
  zstd.payload.compression = "zstd";
  zstd.payload.data = "KLUv/QBYaQAAe30=";
  assert.ok(parseMessage("agent_to_control_plane", zstd).ok);

  zstd.payload.data = "not base64!";
  assert.deepEqual(issuePaths(parseMessage("agent_to_control_plane", zstd)), ["payload.data"]);
});

test("a frame that is not JSON is rejected, not thrown", () => {
  const result = parseMessage("agent_to_control_plane", '{"id": "x", "type": "heartbeat"');
  assert.deepEqual(issuePaths(result), [""]);
  assert.match(!result.ok ? result.error.message : "", /not valid JSON/);
  assert.deepEqual(issuePaths(parseMessage("agent_to_control_plane", new Uint8Array([0xff, 0xfe]))), [""]);
});

test("an unknown type is rejected with path type", () => {
  const message = { ...example("heartbeat"), type: "self_destruct" };
  const result = parseMessage("agent_to_control_plane", message);
  assert.deepEqual(issuePaths(result), ["type"]);
  assert.match(!result.ok ? result.error.message : "", /unknown message type "self_destruct"/);
});

test("anything that is not an envelope is rejected without throwing", () => {
  for (const raw of [undefined, null, 42, "42", [], {}, { type: 7 }]) {
    const result = parseMessage("control_plane_to_agent", raw);
    assert.equal(result.ok, false, JSON.stringify(raw));
  }
  const { id: _id, ...withoutId } = example("ping");
  assert.deepEqual(issuePaths(parseMessage("control_plane_to_agent", withoutId)), ["id"]);
  assert.deepEqual(issuePaths(parseMessage("control_plane_to_agent", { ...example("ping"), timestamp: "yesterday" })), [
    "timestamp",
  ]);
});

test("unknown payload fields are stripped, so a newer peer stays compatible", () => {
  const message = example("heartbeat");
  message.payload.gpu = { count: 1 };
  const result = parseMessage("agent_to_control_plane", message);
  assert.ok(result.ok);
  assert.equal("gpu" in result.message.payload, false);
});

test("command_response: error codes are the table's, required when success is false", () => {
  const failed = example("command_response");
  failed.payload = { request_id: failed.payload.request_id, success: false };
  assert.deepEqual(issuePaths(parseMessage("agent_to_control_plane", failed)), ["payload.error"]);

  failed.payload.error = { code: "PULL_FAILED", message: "denied", details: { registry: "ghcr.io" } };
  const parsed = parseMessage("agent_to_control_plane", failed);
  assert.ok(parsed.ok && parsed.message.type === "command_response");
  assert.equal(parsed.message.payload.error?.code, "PULL_FAILED");

  failed.payload.error.code = "disk full";
  assert.deepEqual(issuePaths(parseMessage("agent_to_control_plane", failed)), ["payload.error.code"]);

  const succeeded = example("command_response");
  succeeded.payload.error = { code: "PULL_FAILED", message: "denied" };
  assert.deepEqual(issuePaths(parseMessage("agent_to_control_plane", succeeded)), ["payload.error"]);
});

test("an error code the table lacks (a peer of another version) is read as UNRECOGNIZED_ERROR and reported", () => {
  const failed = example("command_response");
  failed.payload = {
    request_id: failed.payload.request_id,
    success: false,
    error: { code: "DISK_FULL", message: "no space left on device", details: { free_bytes: 0 } },
  };
  const frame = JSON.stringify(failed);
  const reported: unknown[] = [];
  const parsed = parseMessage("agent_to_control_plane", frame, {
    onUnrecognizedErrorCodes: (c) => reported.push(...c),
  });
  assert.ok(parsed.ok && parsed.message.type === "command_response");
  assert.deepEqual(parsed.message.payload.error, {
    code: "UNRECOGNIZED_ERROR",
    message: "no space left on device",
    details: { free_bytes: 0 },
  });
  assert.deepEqual(reported, [{ path: "payload.error.code", code: "DISK_FULL" }]);

  // A deploy's outcome with an unknown code still arrives; the caller's object is left as it was.
  const status = example("deploy_status");
  status.payload = { ...status.payload, status: "failed", error: { code: "GPU_MISSING", message: "no GPU" } };
  const read = parseMessage("agent_to_control_plane", status);
  assert.ok(read.ok && read.message.type === "deploy_status");
  assert.equal(read.message.payload.error?.code, "UNRECOGNIZED_ERROR");
  assert.equal(status.payload.error.code, "GPU_MISSING");

  // Only codes are forgiven: the same frame with another fault is refused, naming only that fault.
  status.payload.progress_percent = 101;
  const refused: unknown[] = [];
  const bad = parseMessage("agent_to_control_plane", status, { onUnrecognizedErrorCodes: (c) => refused.push(...c) });
  assert.deepEqual(issuePaths(bad), ["payload.progress_percent"]);
  assert.deepEqual(refused, [], "nothing is reported for a frame that is refused");
  // Not UPPER_SNAKE: not a code of another version, but a broken one.
  status.payload.progress_percent = 100;
  status.payload.error.code = "gpu missing";
  assert.deepEqual(issuePaths(parseMessage("agent_to_control_plane", status)), ["payload.error.code"]);
});

test("agent_hello: min_supported cannot be newer than protocol_version", () => {
  const message = example("agent_hello");
  message.payload.min_supported = "1.1";
  assert.deepEqual(issuePaths(parseMessage("agent_to_control_plane", message)), ["payload.min_supported"]);
  message.payload.min_supported = "1.0";
  message.payload.protocol_version = "1";
  assert.deepEqual(issuePaths(parseMessage("agent_to_control_plane", message)), ["payload.protocol_version"]);
});

test("hello_ack: config defaults apply, and a rejection carries an error", () => {
  const accepted = example("hello_ack");
  accepted.payload.config = {};
  const result = parseMessage("control_plane_to_agent", accepted);
  assert.ok(result.ok && result.message.type === "hello_ack" && result.message.payload.accepted);
  assert.deepEqual(result.message.payload.config, {
    heartbeat_interval_seconds: 30,
    telemetry_batch_interval_seconds: 5,
    telemetry_buffer_max_mb: 50,
    log_level: "info",
  });

  // The reconnect spread (Syntra's extension) is optional, in whole seconds within the contract's bound.
  accepted.payload.config = { reconnect_spread_seconds: 12 };
  const spread = parseMessage("control_plane_to_agent", accepted);
  assert.ok(spread.ok && spread.message.type === "hello_ack" && spread.message.payload.accepted);
  assert.equal(spread.message.payload.config.reconnect_spread_seconds, 12);
  for (const bad of [0, 121, 1.5]) {
    accepted.payload.config = { reconnect_spread_seconds: bad };
    assert.deepEqual(issuePaths(parseMessage("control_plane_to_agent", accepted)), [
      "payload.config.reconnect_spread_seconds",
    ]);
  }
  const ping = example("ping");
  ping.payload.reconnect_spread_seconds = 30;
  assert.ok(parseMessage("control_plane_to_agent", ping).ok, "pings carry it too");

  const rejected = example("hello_ack");
  rejected.payload = { server_id: rejected.payload.server_id, accepted: false, protocol_version: null };
  assert.deepEqual(issuePaths(parseMessage("control_plane_to_agent", rejected)), ["payload.error"]);
  rejected.payload.error = { code: "PROTOCOL_VERSION_UNSUPPORTED", message: "no shared protocol version" };
  assert.ok(parseMessage("control_plane_to_agent", rejected).ok);
});

test("deploy: health checks need the fields of their type", () => {
  const message = example("deploy");
  delete message.payload.config.health_check.path;
  assert.deepEqual(issuePaths(parseMessage("control_plane_to_agent", message)), ["payload.config.health_check.path"]);
  message.payload.config.health_check = { ...message.payload.config.health_check, type: "exec", command: [] };
  assert.deepEqual(issuePaths(parseMessage("control_plane_to_agent", message)), [
    "payload.config.health_check.command",
  ]);
});

test("deploy: values handed to the container runtime are held to its grammar", () => {
  const cases: [string, (payload: ReturnType<typeof example>["payload"]) => void][] = [
    ["payload.image.tag", (p) => (p.image.tag = "latest; rm -rf /")],
    ["payload.image.repository", (p) => (p.image.repository = "Acme/Shop")],
    ["payload.image.digest", (p) => (p.image.digest = "md5:abc")],
    ["payload.config.env_vars.A=B", (p) => (p.config.env_vars["A=B"] = "1")],
    ["payload.config.env_vars.TOKEN", (p) => (p.config.env_vars.TOKEN = "a\0b")],
    ["payload.config.memory_limit", (p) => (p.config.memory_limit = "lots")],
    ["payload.config.port", (p) => (p.config.port = 70000)],
    ["payload.config.volumes.0.container_path", (p) => (p.config.volumes[0].container_path = "app/data")],
    ["payload.networking.domains.0", (p) => (p.networking.domains[0] = "shop example.com")],
  ];
  for (const [path, corrupt] of cases) {
    const message = example("deploy");
    corrupt(message.payload);
    assert.deepEqual(issuePaths(parseMessage("control_plane_to_agent", message)), [path], path);
  }
});

test("logs_subscribe: until cannot precede since", () => {
  const message = example("logs_subscribe");
  message.payload.until = "2025-01-31T08:00:00.000Z";
  assert.deepEqual(issuePaths(parseMessage("control_plane_to_agent", message)), ["payload.until"]);
  message.payload.until = "later";
  assert.deepEqual(issuePaths(parseMessage("control_plane_to_agent", message)), ["payload.until"]);
});

test("server ids may be srv_<id> or a UUID", () => {
  const message = example("agent_hello");
  message.payload.server_id = "6a1f0e4c-2b3d-4e5f-8a9b-0c1d2e3f4a5b";
  assert.ok(parseMessage("agent_to_control_plane", message).ok);
  message.payload.server_id = "web-1";
  assert.deepEqual(issuePaths(parseMessage("agent_to_control_plane", message)), ["payload.server_id"]);
});
