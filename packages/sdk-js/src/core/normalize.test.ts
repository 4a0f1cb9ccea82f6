import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_STRING, normalize, normalizeRecord, truncate } from "./normalize";

test("values become JSON-safe: cycles, functions, symbols, BigInts, Errors, Maps, Sets, Dates", () => {
  const cyclic: Record<string, unknown> = { name: "cart" };
  cyclic.self = cyclic;
  const out = normalize({
    cyclic,
    fn: function checkout() {},
    sym: Symbol("s"),
    big: 10n,
    nan: Number.NaN,
    err: new TypeError("bad"),
    map: new Map([["k", 1]]),
    set: new Set([1, 2]),
    date: new Date("2026-01-02T03:04:05Z"),
    re: /x/g,
    nothing: undefined,
  }) as Record<string, unknown>;
  assert.deepEqual(out.cyclic, { name: "cart", self: "[Circular]" });
  assert.equal(out.fn, "[Function: checkout]");
  assert.equal(out.sym, "Symbol(s)");
  assert.equal(out.big, "10n");
  assert.equal(out.nan, "NaN");
  assert.equal((out.err as { name: string }).name, "TypeError");
  assert.deepEqual(out.map, { k: 1 });
  assert.deepEqual(out.set, [1, 2]);
  assert.equal(out.date, "2026-01-02T03:04:05.000Z");
  assert.equal(out.re, "/x/g");
  assert.equal(out.nothing, "[undefined]");
  assert.doesNotThrow(() => JSON.stringify(out));
});

test("depth, width and string length are bounded; a shared object is not a cycle", () => {
  const deep = { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } };
  assert.deepEqual(normalize(deep, 3), { a: { b: { c: "[Object]" } } });
  const wide = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, i]));
  const out = normalize(wide) as Record<string, unknown>;
  assert.equal(Object.keys(out).length, 101);
  assert.equal(out["…"], "50 more keys");
  assert.equal((normalize(Array.from({ length: 120 }, () => 0)) as unknown[]).at(-1), "[20 more]");
  assert.equal(truncate("x".repeat(MAX_STRING + 10)).length, MAX_STRING);
  const shared = { id: 1 };
  assert.deepEqual(normalize({ a: shared, b: shared }), { a: { id: 1 }, b: { id: 1 } });
  const throwing = {
    get boom() {
      throw new Error("getter failed");
    },
  };
  assert.equal(normalize(throwing), "[unreadable: getter failed]");
  assert.deepEqual(normalizeRecord({ x: 1 }), { x: 1 });
});
