import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tempStateDir } from "../testing/fixtures";
import { openTestIntake } from "../testing/telemetry";
import { BUSY_AFTER_ITEMS } from "./tiering";

const run = promisify(execFile);

// In a Node started as the agent is (--no-opt), a hot function stays unoptimized until the agent turns the
// optimizing compiler on, and is optimized by TurboFan right after. A Node that froze its flags would fail here.
const PROBE = `
import { enableOptimizingCompiler } from ${JSON.stringify(fileURLToPath(new URL("./tiering.ts", import.meta.url)))};
function hot(a) { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * 2; return s; }
const arr = Array.from({ length: 1000 }, (_, i) => i);
const warm = () => { for (let i = 0; i < 20000; i++) hot(arr); };
const TURBOFANNED = 1 << 4;
warm();
const before = (%GetOptimizationStatus(hot) & TURBOFANNED) !== 0;
const first = enableOptimizingCompiler();
warm();
const after = (%GetOptimizationStatus(hot) & TURBOFANNED) !== 0;
console.log(JSON.stringify({ before, after, first, second: enableOptimizingCompiler() }));
`;

test("the agent's Node starts without TurboFan and turns it on at run time, once", async () => {
  const { stdout } = await run(process.execPath, [
    "--no-opt",
    "--allow-natives-syntax",
    "--import",
    "tsx",
    "--input-type=module",
    "-e",
    PROBE,
  ]);
  assert.deepEqual(JSON.parse(stdout.trim()), { before: false, after: true, first: true, second: false });
});

test("the intake says once that the agent is busy, after BUSY_AFTER_ITEMS items", async () => {
  const state = await tempStateDir();
  try {
    let busy = 0;
    const { intake, buffer } = await openTestIntake(state.dir, { onBusy: () => busy++ });
    const logs = (n: number) =>
      Array.from({ length: n }, () => ({
        timestamp: new Date().toISOString(),
        service_id: randomUUID(),
        deployment_id: randomUUID(),
        level: "info" as const,
        message: "line",
        source: "stdout" as const,
        attributes: {},
      }));
    await intake.acceptContract({ logs: logs(BUSY_AFTER_ITEMS - 1) });
    assert.equal(busy, 0);
    await intake.acceptContract({ logs: logs(1) });
    assert.equal(busy, 1);
    await intake.acceptContract({ logs: logs(BUSY_AFTER_ITEMS) });
    assert.equal(busy, 1);
    await buffer.close();
  } finally {
    await state.remove();
  }
});
