// Preloaded into the fleet bench's control plane (node --import): the event loop's delay histogram
// (perf_hooks.monitorEventLoopDelay) over a window the bench chooses, through the IPC channel the bench opens.
// {type:"loop-delay-reset"} starts a window; {type:"loop-delay-read"} answers {type:"loop-delay", ...} with the
// window's p50/p99/max in ms and its bounds in seconds since the process started (the --cpu-prof timeline).
import { monitorEventLoopDelay } from "node:perf_hooks";

const RESOLUTION_MS = 10;
const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
histogram.enable();
let startedAt = performance.now();
// The histogram records the time between its timer's runs: the delay is what exceeds the timer's period.
const ms = (ns) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);

process.on("message", (message) => {
  if (message?.type === "loop-delay-reset") {
    histogram.reset();
    startedAt = performance.now();
  } else if (message?.type === "loop-delay-read") {
    process.send?.({
      type: "loop-delay",
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
      count: histogram.count,
      fromSeconds: startedAt / 1000,
      toSeconds: performance.now() / 1000,
    });
  }
});
// The channel never keeps the control plane alive (SIGTERM still ends it as in production).
process.channel?.unref();
