import assert from "node:assert/strict";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { RequestLog } from "./request-log";

test("a finished request is remembered across a restart, with its answer", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "reqlog-"));
  const log = await RequestLog.open(dir);
  assert.equal(log.lookup("r1"), undefined);
  log.begin("r1");
  assert.equal(log.lookup("r1"), "running");
  await log.finish({ request_id: "r1", success: true, data: { ok: 1 } });
  const reopened = await RequestLog.open(dir);
  assert.deepEqual(reopened.lookup("r1"), { request_id: "r1", success: true, data: { ok: 1 } });
  assert.equal((await fs.stat(path.join(dir, "requests.json"))).mode & 0o777, 0o600);
});

test("only the last thousand answers are kept", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "reqlog-"));
  const log = await RequestLog.open(dir);
  for (let i = 0; i < 1005; i++) await log.finish({ request_id: `r${i}`, success: true });
  assert.equal(log.lookup("r0"), undefined);
  assert.ok(log.lookup("r1004"));
});
