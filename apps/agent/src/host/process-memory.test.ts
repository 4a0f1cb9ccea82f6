import assert from "node:assert/strict";
import { test } from "node:test";
import { processMemory } from "./process-memory";

test("processMemory reports the process's resident memory and its V8 heap by space", async () => {
  const held = Buffer.alloc(8 * 1024 * 1024, 1);
  const memory = await processMemory();
  assert.ok(memory.rss > memory.heap_used, "resident memory includes the heap");
  assert.ok(memory.heap_total >= memory.heap_used);
  assert.ok(memory.external >= held.length, "a Buffer counts outside the heap");
  assert.ok(memory.array_buffers >= held.length);
  assert.ok((memory.spaces.old ?? 0) > 0 && (memory.spaces.new ?? 0) > 0, JSON.stringify(memory.spaces));
  const spaces = Object.values(memory.spaces).reduce((a, b) => a + b, 0);
  assert.ok(spaces <= memory.rss, "the heap's resident spaces are part of the process's");
});
