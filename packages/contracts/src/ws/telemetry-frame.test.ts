import assert from "node:assert/strict";
import { test } from "node:test";
import { envelope } from "./envelope";
import { exampleMessages } from "./examples";
import { parseMessage } from "./parse";
import {
  encodeTelemetryBatchFrame,
  isTelemetryBatchFrame,
  parseTelemetryBatchFrame,
  TELEMETRY_BINARY_CAPABILITY,
  type TelemetryBatchBinaryMessage,
} from "./telemetry-frame";

const AGENT = exampleMessages.telemetry_batch.payload.agent_id;

function message(dataBytes: number): TelemetryBatchBinaryMessage {
  return envelope("telemetry_batch", {
    batch_id: "b-000002",
    agent_id: AGENT,
    compression: "zstd",
    format: "json+otlp",
    raw_bytes: 4096,
    data_bytes: dataBytes,
  } as const);
}

test("a binary telemetry_batch frame reads back as its envelope and the data bytes, unchanged", () => {
  const data = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 1, 2, 255]);
  const sent = message(data.length);
  const frame = encodeTelemetryBatchFrame(sent, data);
  assert.equal(frame[0], 0x00);
  assert.ok(isTelemetryBatchFrame(frame));
  const read = parseTelemetryBatchFrame(frame);
  assert.ok(read.ok, read.ok ? "" : read.error.message);
  assert.deepEqual(read.message, sent);
  assert.deepEqual([...read.data], [...data]);
});

test("a JSON message in a binary frame is not taken for the binary form: it still parses as JSON", () => {
  const json = Buffer.from(JSON.stringify(exampleMessages.telemetry_batch));
  assert.equal(isTelemetryBatchFrame(json), false);
  assert.ok(parseMessage("agent_to_control_plane", json).ok);
  // And the binary form handed to the JSON parser is refused, not misread.
  const frame = encodeTelemetryBatchFrame(message(3), Buffer.from([1, 2, 3]));
  assert.equal(parseMessage("agent_to_control_plane", frame).ok, false);
});

test("bad binary frames are INVALID_MESSAGE with a reason, never a throw", () => {
  const data = Buffer.from([1, 2, 3, 4]);
  const good = encodeTelemetryBatchFrame(message(data.length), data);
  const cases: [string, Buffer, RegExp][] = [
    ["too short", Buffer.from([0, 0, 0]), /not a binary telemetry_batch frame/],
    ["head past the end", Buffer.from([0, 0, 0, 1, 0, 0x7b]), /runs past/],
    ["head not JSON", Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), Buffer.from("{x")]), /not JSON/],
    ["data cut short", good.subarray(0, good.length - 1), /3 data bytes, not the 4 declared/],
    ["data too long", Buffer.concat([good, Buffer.from([9])]), /5 data bytes, not the 4 declared/],
  ];
  for (const [name, frame, reason] of cases) {
    const read = parseTelemetryBatchFrame(frame);
    assert.equal(read.ok, false, name);
    assert.match(read.ok ? "" : read.error.message, reason, name);
  }
  const wrongType = { ...message(4), type: "heartbeat" };
  const read = parseTelemetryBatchFrame(encodeTelemetryBatchFrame(wrongType as never, data));
  assert.deepEqual(read.ok ? [] : read.error.issues.map((i) => i.path), ["type"]);
  const noCompression = message(4);
  (noCompression.payload as { compression: string }).compression = "none";
  const refused = parseTelemetryBatchFrame(encodeTelemetryBatchFrame(noCompression, data));
  assert.deepEqual(refused.ok ? [] : refused.error.issues.map((i) => i.path), ["payload.compression"]);
});

test("hello_ack may name capabilities; one without them (an older control plane) is still valid", () => {
  const withCapabilities = structuredClone(exampleMessages.hello_ack);
  (withCapabilities.payload as { capabilities?: string[] }).capabilities = [TELEMETRY_BINARY_CAPABILITY];
  const parsed = parseMessage("control_plane_to_agent", JSON.stringify(withCapabilities));
  assert.ok(parsed.ok && parsed.message.type === "hello_ack" && parsed.message.payload.accepted);
  assert.deepEqual(parsed.message.payload.capabilities, [TELEMETRY_BINARY_CAPABILITY]);
  const older = parseMessage("control_plane_to_agent", JSON.stringify(exampleMessages.hello_ack));
  assert.ok(older.ok && older.message.type === "hello_ack" && older.message.payload.accepted);
  assert.equal(older.message.payload.capabilities, undefined);
});
