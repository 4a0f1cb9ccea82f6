import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import pino from "pino";
import { type IdleCheck, IdleCollector } from "./idle-collector";

/** ~12 MB of small objects, kept long enough to reach the old generation (what a scavenge does not collect). */
async function oldGarbage(): Promise<{ drop(): void; keepEvery(n: number): object[] }> {
  let held: { n: number; s: string }[] | undefined = [];
  for (let i = 0; i < 150_000; i++) {
    held.push({ n: i, s: `item ${i}` });
    if (i % 10_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return {
    drop: () => {
      held = undefined;
    },
    keepEvery: (n) => (held ?? []).filter((_, i) => i % n === 0),
  };
}

test("an idle process's old garbage is collected at its next check, once; a busy process is left alone", {
  timeout: 60_000,
}, async () => {
  const checks: IdleCheck[] = [];
  const next = (want: (c: IdleCheck) => boolean) =>
    new Promise<IdleCheck>((resolve) => {
      wanted = (c) => want(c) && resolve(c);
    });
  let wanted: (c: IdleCheck) => void = () => undefined;
  const collector = new IdleCollector(
    {
      logger: pino({ level: "silent" }),
      onCheck: (c) => {
        checks.push(c);
        wanted(c);
      },
    },
    { intervalMs: 100, minGapMs: 0 },
  );
  collector.start();
  // The collector's timer does not keep a process alive; this test's wait does.
  const keepAlive = setInterval(() => undefined, 60_000);
  try {
    // Busy: the main thread works through most of each interval; no check collects while it does.
    const busy = next((c) => c.action === "busy");
    let working = true;
    void busy.then(() => {
      working = false;
    });
    while (working) {
      const until = performance.now() + 20;
      while (performance.now() < until) Math.sqrt(Math.random());
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(!checks.some((c) => c.action === "collected"), JSON.stringify(checks));

    // Idle with garbage: the next idle check collects it.
    const garbage = await oldGarbage();
    garbage.drop();
    const collected = await next(
      (c) => c.action === "collected" && c.heapUsedBefore - c.heapUsedAfter > 8 * 1024 * 1024,
    );
    if (collected.action !== "collected") return assert.fail("not collected");
    assert.ok(collected.heapUsedAfter < collected.heapUsedBefore / 2, JSON.stringify(collected));

    // Idle without new garbage: nothing more to do.
    const idle = await next((c) => c.action !== "busy");
    assert.equal(idle.action, "not-grown", JSON.stringify(idle));
    assert.ok(!checks.some((c) => c.action === "collected" && c !== collected), JSON.stringify(checks));
  } finally {
    clearInterval(keepAlive);
    collector.stop();
  }
});

/** Runs in a Node with the agent's garbage-collection flag: V8 frees pages on the main thread, as in the agent. */
const startUpScript = `
  import pino from "pino";
  const { IdleCollector } = await import(${JSON.stringify(new URL("./idle-collector.ts", import.meta.url).href)});
  const collector = new IdleCollector({ logger: pino({ level: "silent" }) });
  // 150,000 small objects kept until they are old, then three in four dropped: every page keeps live objects.
  let held = [];
  for (let i = 0; i < 150_000; i++) {
    held.push({ n: i, s: "item " + i });
    if (i % 10_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const kept = held.filter((_, i) => i % 4 === 0);
  held = undefined;
  const first = await collector.startUpDone();
  const second = await collector.startUpDone();
  process.stdout.write(JSON.stringify({ first, second: second ?? null, kept: kept.length }));
`;

test("the start-up collection runs once, busy or not, and compacts: a fragmented heap's pages go back at once", () => {
  const run = spawnSync(
    process.execPath,
    ["--single-threaded-gc", "--import", "tsx", "--input-type=module", "-e", startUpScript],
    { encoding: "utf8" },
  );
  assert.equal(run.status, 0, run.stderr);
  const { first, second } = JSON.parse(run.stdout) as { first: IdleCheck; second: null };
  if (first.action !== "collected") return assert.fail(run.stdout);
  assert.ok(first.heapUsedAfter < first.heapUsedBefore - 6 * 1024 * 1024, run.stdout);
  // Without compaction the pages stay committed (each keeps a live object) until V8's memory reducer runs.
  assert.ok(first.heapTotalAfter < first.heapTotalBefore - 4 * 1024 * 1024, run.stdout);
  assert.equal(second, null);
});

/** Compiles and runs 2,000 functions once (as module set-up does), then reports the bytecode before and after. */
const bytecodeScript = `
  import pino from "pino";
  import v8 from "node:v8";
  const { IdleCollector } = await import(${JSON.stringify(new URL("./idle-collector.ts", import.meta.url).href)});
  const collector = new IdleCollector({ logger: pino({ level: "silent" }) });
  // Kept, as a module's functions are: only their code can go. A run of calls gives each baseline code as well.
  const kept = Array.from({ length: 2000 }, (_, i) => new Function("a", "return [a, a * " + i + ", String(a) + " + i + "];"));
  for (let n = 0; n < Number(process.env.CALLS); n++) for (const [i, f] of kept.entries()) f(i);
  const bytecode = () => v8.getHeapCodeStatistics().bytecode_and_metadata_size;
  const before = bytecode();
  await collector.startUpDone();
  process.stdout.write(JSON.stringify({ before, after: bytecode(), kept: kept.length }));
`;

test("the start-up collection drops the code of functions that ran only at start-up, baseline code included", () => {
  for (const calls of [1, 100]) {
    const run = spawnSync(
      process.execPath,
      ["--single-threaded-gc", "--import", "tsx", "--input-type=module", "-e", bytecodeScript],
      { encoding: "utf8", env: { ...process.env, CALLS: String(calls) } },
    );
    assert.equal(run.status, 0, run.stderr);
    const { before, after } = JSON.parse(run.stdout) as { before: number; after: number };
    // The kept functions' bytecode goes with tsx's start-up garbage: 1.27 -> 0.15 MB on Node 20, 1.54 -> 0.16 on
    // Node 24. A collection that only frees garbage left 0.79 MB (Node 24's last-resort one 1.12); with baseline
    // code (100 calls each), flushing bytecode alone left it too.
    assert.ok(after < before / 3, `${calls} calls each: ${run.stdout}`);
  }
});
