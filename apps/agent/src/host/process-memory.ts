/** The agent process's own memory, as a debug log line shows it (bytes). bench:idle reads it. */
export interface ProcessMemory {
  rss: number;
  /** V8's heap: live objects and garbage not yet collected, and what V8 holds for it. */
  heap_used: number;
  heap_total: number;
  /** Memory outside V8's heap held by JavaScript objects (Buffers, sockets' native state). */
  external: number;
  array_buffers: number;
  /** Resident memory of each V8 heap space (new space is both semi-spaces; old space holds bytecode too). */
  spaces: Record<string, number>;
}

/**
 * The process's memory and its V8 heap spaces. `node:v8` is loaded on the first call only: the agent asks for
 * this at debug level, and a module it never needs otherwise stays out of an idle agent. Through
 * `process.getBuiltinModule` (Node 20.16+) where there is one: `import()` in the CommonJS bundle would bring up
 * Node's ESM loader as well (~0.7 MB).
 */
export async function processMemory(): Promise<ProcessMemory> {
  const v8 = process.getBuiltinModule?.("node:v8") ?? (await import("node:v8"));
  const usage = process.memoryUsage();
  const spaces: Record<string, number> = {};
  for (const space of v8.getHeapSpaceStatistics()) {
    if (space.physical_space_size > 0) spaces[space.space_name.replace(/_space$/, "")] = space.physical_space_size;
  }
  return {
    rss: usage.rss,
    heap_used: usage.heapUsed,
    heap_total: usage.heapTotal,
    external: usage.external,
    array_buffers: usage.arrayBuffers,
    spaces,
  };
}
