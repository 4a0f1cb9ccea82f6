import assert from "node:assert/strict";
import { test } from "node:test";
import pino from "pino";
import { type IdleCheck, IdleCollector } from "./idle-collector";

/** ~12 MB of small objects, kept long enough to reach the old generation (what a scavenge does not collect). */
async function oldGarbage(): Promise<{ drop(): void }> {
  let held: { n: number; s: string }[] | undefined = [];
  for (let i = 0; i < 150_000; i++) {
    held.push({ n: i, s: `item ${i}` });
    if (i % 10_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return {
    drop: () => {
      held = undefined;
    },
  };
}

test("an idle process's old garbage is collected and its heap pages given back; a busy process is left alone", {
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

    // Idle with garbage: the next idle check collects it, and V8 gives its pages back.
    const garbage = await oldGarbage();
    garbage.drop();
    const collected = await next(
      (c) => c.action === "collected" && c.heapUsedBefore - c.heapUsedAfter > 8 * 1024 * 1024,
    );
    if (collected.action !== "collected") return assert.fail("not collected");
    assert.ok(collected.heapUsedAfter < collected.heapUsedBefore / 2, JSON.stringify(collected));

    // Idle without new garbage: nothing more to do, and V8 has given the pages back (at once with the agent's
    // --single-threaded-gc; here its sweeper threads free them in the background, so this waits for a check
    // that sees it).
    const given = await next((c) => "heapTotal" in c && c.heapTotal < collected.heapTotalBefore - 8 * 1024 * 1024);
    assert.equal(given.action, "not-grown", JSON.stringify(given));
    assert.ok(!checks.some((c) => c.action === "collected" && c !== collected), JSON.stringify(checks));
  } finally {
    clearInterval(keepAlive);
    collector.stop();
  }
});
