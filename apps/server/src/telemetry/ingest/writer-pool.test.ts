import assert from "node:assert/strict";
import { test } from "node:test";
import { WriterPool } from "./writer-pool";

test("a writer given back is handed out again empty; writers in use are never shared", () => {
  const pool = new WriterPool(2, 60_000);
  const a = pool.take(1 << 20);
  const b = pool.take(1 << 20);
  assert.notEqual(a, b);
  a.string("rows of a stored batch");
  pool.give(a);
  const again = pool.take(1 << 20);
  assert.equal(again, a);
  assert.equal(again.length, 0);
  // Nothing kept is large enough: a new writer, the kept one stays for a later batch.
  pool.give(again);
  const larger = pool.take(4 << 20);
  assert.notEqual(larger, a);
  assert.ok(larger.capacity >= 4 << 20);
  assert.equal(pool.size, 1);
});

test("the pool keeps its largest writers, at most as many as it was told, and forgets them when idle", async () => {
  const pool = new WriterPool(2, 1);
  const [one, three, two] = [1, 3, 2].map((mib) => pool.take(mib << 20));
  assert.ok(one && three && two);
  for (const w of [one, three, two]) pool.give(w);
  assert.equal(pool.size, 2);
  // The best fit for 1 MiB among the two kept (3 and 2 MiB) is the 2 MiB one.
  assert.equal(pool.take(1 << 20), two);
  pool.give(two);
  // The idle timer's own event: a timer set after it fires after it.
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(pool.size, 0);
});
