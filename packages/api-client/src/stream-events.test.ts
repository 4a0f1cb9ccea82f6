import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDeploymentLogEvent } from "./stream-events";

test("deployment log events are read by their SSE event name and checked against the contract", () => {
  assert.deepEqual(parseDeploymentLogEvent("build", '{"text":"Step 1/3 : FROM busybox\\n"}'), {
    type: "build",
    text: "Step 1/3 : FROM busybox\n",
  });
  assert.deepEqual(parseDeploymentLogEvent("end", '{"status":"cancelled"}'), { type: "end", status: "cancelled" });
  const entry = {
    timestamp: "2026-01-02T03:04:05.000Z",
    status: "running",
    phase: "cleanup",
    progress_percent: 100,
    message: "1/1 healthy",
  };
  const deploy = parseDeploymentLogEvent("deploy", JSON.stringify({ entry }));
  assert.deepEqual(deploy, { type: "deploy", entry });
});

test("unknown events, bad JSON and data of the wrong shape are skipped, not thrown", () => {
  assert.equal(parseDeploymentLogEvent("message", '{"text":"x"}'), null);
  assert.equal(parseDeploymentLogEvent("toString", "{}"), null, "only the stream's own event names");
  assert.equal(parseDeploymentLogEvent("build", "not json"), null);
  assert.equal(parseDeploymentLogEvent("status", '{"status":"exploded"}'), null);
});
