import v8 from "node:v8";

/** Telemetry items after which the agent counts as busy and turns V8's optimizing compiler on. */
export const BUSY_AFTER_ITEMS = 10_000;

let optimizing = false;

/**
 * Turns V8's optimizing compiler (TurboFan) on, once. The agent starts without it (`--no-opt` in AGENT_NODE_FLAGS):
 * its start-up would otherwise make a few functions hot enough to pull the compiler's code into memory (~3.8 MB
 * resident for an agent that then sits idle). Under telemetry load the compiler pays for itself: functions that are
 * hot by then are optimized at their next call. True when this call turned it on.
 */
export function enableOptimizingCompiler(): boolean {
  if (optimizing) return false;
  optimizing = true;
  v8.setFlagsFromString("--turbofan");
  return true;
}
