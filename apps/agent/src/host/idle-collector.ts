import type { Logger } from "pino";

/** What one check of the idle collector decided, with the figures it decided on (bytes, share of one core). */
export type IdleCheck =
  | {
      action: "collected";
      heapUsedBefore: number;
      heapUsedAfter: number;
      heapTotalBefore: number;
      heapTotalAfter: number;
      rssBefore: number;
      rssAfter: number;
      ms: number;
    }
  | { action: "busy"; cpuShare: number }
  | { action: "too-soon" | "not-grown"; heapUsed: number; heapTotal: number };

/** How often and on what the idle collector collects (defaults: IDLE_COLLECTOR_DEFAULTS). */
export interface IdleCollectorOptions {
  /** Time between two checks. */
  intervalMs: number;
  /** Least time between two collections: the cap on what it costs. */
  minGapMs: number;
  /** The process counts as idle when it used less than this share of one core since the last check. */
  idleCpuShare: number;
  /** Collects only once V8's heap holds this much more than after the last collection. */
  growthBytes: number;
}

/**
 * Every 15 s; at most once a minute; idle under 3% of a core (the idle agent uses ~0.3-0.6%, its heartbeats' Docker
 * calls included); once the heap has grown by 1 MiB (the idle agent's garbage grows ~1 MB a minute). A periodic
 * (not compacting) collection of the idle agent's ~13 MB heap took 19-29 ms of its main thread, one every ~75 s:
 * ~0.03% of a core, and nothing while the agent has work (OTLP ingest, a deploy's pulls and health checks keep it
 * above 3%).
 */
export const IDLE_COLLECTOR_DEFAULTS: IdleCollectorOptions = {
  intervalMs: 15_000,
  minGapMs: 60_000,
  idleCpuShare: 0.03,
  growthBytes: 1024 * 1024,
};

/**
 * Runs a full garbage collection once start-up is over, and later whenever the agent has been idle for a while and
 * its heap has grown since the last one. Why: the agent runs with `--heap-growing-percent=100` (AGENT_NODE_FLAGS,
 * for fewer mark-compacts under OTLP load), so V8 collects its old generation only once it has grown to ~2x the
 * live heap, and its memory reducer runs only after such a collection: the ~1 MB a minute the idle agent's timers
 * leave piled up from ~13 MB for minutes at a time (17.7 MB used after 5 idle minutes) before V8 collected. The
 * start-up's garbage (the modules' set-up, an enrolment's certificate request, ~5 MB) waited ~10 s for the memory
 * reducer. The start-up collection compacts, so heap committed and RSS fall at once (see exposeGc); the periodic
 * ones leave that to the memory reducer they set off. Under load V8's
 * own heuristics stay in charge: a busy check never collects.
 */
export class IdleCollector {
  private readonly opts: IdleCollectorOptions;
  private timer: NodeJS.Timeout | undefined;
  private gc: { collect(compact: boolean): void } | undefined;
  private lastCpu = process.cpuUsage();
  private lastCheckAt = performance.now();
  private lastCollectedAt = Number.NEGATIVE_INFINITY;
  /** Heap used after the last collection; none yet, so the first idle check after start-up collects. */
  private usedAfterLast = 0;
  private startUpCollected = false;

  constructor(
    private readonly deps: { logger: Logger; onCheck?: (check: IdleCheck) => void },
    opts: Partial<IdleCollectorOptions> = {},
  ) {
    this.opts = { ...IDLE_COLLECTOR_DEFAULTS, ...opts };
  }

  /** Checks every interval from now on (the timer does not keep the process alive). */
  start(): void {
    this.stop();
    this.lastCpu = process.cpuUsage();
    this.lastCheckAt = performance.now();
    this.timer = setInterval(
      () =>
        void this.check().then(
          (check) => this.deps.onCheck?.(check),
          (err: unknown) => this.deps.logger.warn({ err }, "idle garbage collection failed"),
        ),
      this.opts.intervalMs,
    );
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Start-up is over (connected, first heartbeat sent): collects its garbage once now, busy or not, instead of
   * leaving it to V8's memory reducer some 10 s later. Later calls do nothing.
   */
  async startUpDone(): Promise<IdleCheck | undefined> {
    if (this.startUpCollected) return undefined;
    this.startUpCollected = true;
    return this.collect(process.memoryUsage(), true);
  }

  /** One check: collects when the process was idle since the previous check and the heap has grown enough. */
  async check(): Promise<IdleCheck> {
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const cpuShare = (cpu.user + cpu.system) / 1000 / Math.max(1, now - this.lastCheckAt);
    this.lastCheckAt = now;
    this.lastCpu = process.cpuUsage();
    if (cpuShare >= this.opts.idleCpuShare) return { action: "busy", cpuShare };
    const before = process.memoryUsage();
    if (now - this.lastCollectedAt < this.opts.minGapMs)
      return { action: "too-soon", heapUsed: before.heapUsed, heapTotal: before.heapTotal };
    if (before.heapUsed - this.usedAfterLast < this.opts.growthBytes)
      return { action: "not-grown", heapUsed: before.heapUsed, heapTotal: before.heapTotal };
    return this.collect(before, false);
  }

  private async collect(before: NodeJS.MemoryUsage, compact: boolean): Promise<IdleCheck> {
    this.gc ??= await exposeGc();
    const started = performance.now();
    this.gc.collect(compact);
    const ms = performance.now() - started;
    const after = process.memoryUsage();
    this.lastCollectedAt = performance.now();
    this.usedAfterLast = after.heapUsed;
    // The collection's own CPU is not the next interval's work.
    this.lastCpu = process.cpuUsage();
    const check: IdleCheck = {
      action: "collected",
      heapUsedBefore: before.heapUsed,
      heapUsedAfter: after.heapUsed,
      heapTotalBefore: before.heapTotal,
      heapTotalAfter: after.heapTotal,
      rssBefore: before.rss,
      rssAfter: after.rss,
      ms,
    };
    this.deps.logger.debug({ ...check, ms: Math.round(ms * 10) / 10 }, "idle: garbage collected");
    return check;
  }
}

/**
 * A full collection, optionally compacting the old generation so its pages go back to the system at once. V8's `gc()`:
 * the global one that `--expose-gc` (AGENT_NODE_FLAGS) installs; under a launcher written without the flag (an older
 * install), setting it at run time makes V8 install `gc` in contexts created from then on, so a new (empty) context
 * has it, and it collects the whole isolate; the context (~0.15 MB of heap) is kept with it.
 * The plain call is a full, synchronous mark-compact on Node 20 and 24 alike (Node 20's V8 reads an options object,
 * e.g. `{ flavor: "last-resort" }`, as a young-generation collection; on V8 12+ that option is the compacting one).
 * It frees the garbage but leaves the old generation's pages fragmented, so heap committed and RSS stayed where they
 * were until V8's memory reducer compacted them some 8 s later (idle agent at start-up: heap used 17.4 -> 12.5 MB,
 * committed 21.2 -> 21.2); with `--compact-on-every-full-gc` for that one collection V8 moves every live object
 * together and frees the rest (17.1 -> 12.5 MB used, 21.2 -> 17.3 committed, RSS 70.8 -> 66.8 MB, 37-50 ms).
 * Compacting the periodic collections too cost 50-107 ms each for ~0.3 MB less RSS over 5 idle minutes (bench:idle,
 * 300 s): not done.
 * The modules load on the first collection only (`process.getBuiltinModule`, Node 20.16+, as in process-memory.ts).
 */
type GcFunction = (options?: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;
const V8_MAJOR = Number(process.versions.v8.split(".")[0]);

async function exposeGc(): Promise<{ collect(compact: boolean): void }> {
  const v8 = process.getBuiltinModule?.("node:v8") ?? (await import("node:v8"));
  const vm = process.getBuiltinModule?.("node:vm") ?? (await import("node:vm"));
  const gc =
    (globalThis as { gc?: GcFunction }).gc ??
    (() => {
      v8.setFlagsFromString("--expose-gc");
      return vm.runInNewContext("gc") as GcFunction;
    })();
  return {
    collect: (compact) => {
      if (!compact) return gc();
      // The start-up collection also drops the bytecode and baseline code of every function not running (compiled
      // again at its next call): V8 flushes a function's bytecode only once it has missed several of V8's own full
      // collections, never counting a forced one such as gc(), and its baseline code never, so the start-up's
      // functions (module set-up, configuration, enrolment) otherwise kept theirs for minutes or for good (idle
      // agent: heap used -0.6 MB, docs/performance.md). Node 20 and 24 alike.
      const flush = ["--stress-flush-code", "--flush-baseline-code"];
      // V8 12+ (Node 22+) takes options, and a last-resort collection compacts and gives the pages back; there the
      // compacting flag did not (Node 24: heap committed grew). Node 20's V8 reads any options object as a young one.
      if (V8_MAJOR >= 12) withFlags(flush, () => gc({ type: "major", execution: "sync", flavor: "last-resort" }));
      else withFlags([...flush, "--compact-on-every-full-gc"], () => gc());
    },
  };

  /** Runs `run` with the boolean V8 `flags` on, and turns them off again after it. */
  function withFlags(flags: readonly string[], run: () => void): void {
    for (const flag of flags) v8.setFlagsFromString(flag);
    try {
      run();
    } finally {
      for (const flag of flags) v8.setFlagsFromString(flag.replace(/^--/, "--no-"));
    }
  }
}
