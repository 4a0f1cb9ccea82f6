import fs from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";

/** Settings of an AdmissionRate. */
export interface AdmissionRateOptions {
  /** The estimate until a storm has been measured (agents per second). */
  initialPerSecond: number;
  /** How long a measurement runs (ms). Default 1000. */
  windowMs?: number;
  /** Weight of a new measurement in the estimate (0..1). Default 0.3. */
  weight?: number;
  /** Bounds of the estimate (agents per second). Default 20..5000. */
  min?: number;
  max?: number;
  /** Monotonic milliseconds (performance.now by default; tests pass their own). */
  now?: () => number;
  /** Milliseconds the event loop has been busy so far (its utilization's `active`; tests pass their own). */
  busyMs?: () => number;
}

/** A window counts only if admitting agents was most of the event loop's work in it... */
const MIN_UTILIZATION = 0.5;
/** ...and enough agents were admitted in it to say something. */
const MIN_ADMITTED = 20;

/**
 * How many agents per second this control plane can admit (upgrade, credential, hello), measured: the agents let in
 * per second of the event loop's busy time, over windows in which admitting them kept the loop busy at least half
 * the time (a storm; in a trickle other work dominates the busy time). Busy time is wall-clock, so a machine shared
 * with other processes measures slower, as it is. The hub sizes with it the spread agents reconnect over and the
 * backlog past which upgrades are told to come back later, instead of fixed numbers that suit one machine.
 */
export class AdmissionRate {
  private estimate: number;
  /** The running window: its start, the loop's busy time then, agents admitted in it. */
  private window: { at: number; busy: number; admitted: number } | undefined;
  /** Measurements taken so far (the tests and the shutdown summary read it). */
  samples = 0;

  constructor(private readonly opts: AdmissionRateOptions) {
    this.estimate = this.bound(opts.initialPerSecond);
  }

  /** Agents admitted per second, as last estimated. */
  get perSecond(): number {
    return this.estimate;
  }

  /** `admitted` agents were just let in. */
  record(admitted: number): void {
    const now = (this.opts.now ?? (() => performance.now()))();
    const busy = (this.opts.busyMs ?? (() => performance.eventLoopUtilization().active))();
    if (!this.window) {
      this.window = { at: now, busy, admitted: 0 };
      return;
    }
    this.window.admitted += admitted;
    const elapsed = now - this.window.at;
    if (elapsed < (this.opts.windowMs ?? 1000)) return;
    const busyMs = busy - this.window.busy;
    const { admitted: total } = this.window;
    this.window = { at: now, busy, admitted: 0 };
    if (total < MIN_ADMITTED || busyMs < elapsed * MIN_UTILIZATION) return;
    const measured = (total * 1000) / busyMs;
    const weight = this.opts.weight ?? 0.3;
    this.estimate = this.bound(this.samples === 0 ? measured : this.estimate * (1 - weight) + measured * weight);
    this.samples++;
  }

  /**
   * Starts from what the previous process measured (its rate, saved at its stop): the storm of its agents coming
   * back to this one is sized by it, not by the configured guess. Later measurements move it as usual.
   */
  resume(perSecond: number): void {
    this.estimate = this.bound(perSecond);
    this.samples = Math.max(this.samples, 1);
  }

  private bound(perSecond: number): number {
    return Math.min(this.opts.max ?? 5000, Math.max(this.opts.min ?? 20, perSecond));
  }
}

/**
 * How many agents may wait between upgrade and admitted hello before new upgrades are told to come back later:
 * what `perSecond` admits within `budgetSeconds` (an upgrade behind them would otherwise near the agent's handshake
 * timeout), at least `least` (a slow estimate must not refuse everyone) and at most `most` (the configured maximum).
 */
export function admissionBacklogLimit(perSecond: number, budgetSeconds: number, least: number, most: number): number {
  return Math.min(most, Math.max(least, Math.ceil(perSecond * budgetSeconds)));
}

/** Where a process leaves its measured admission rate for the next one, in its data directory. */
const RATE_FILE = "agent-admission-rate";

/** The admission rate the previous process on this data directory measured, or null (none, or unreadable). */
export async function savedAdmissionRate(dataDir: string): Promise<number | null> {
  const text = await fs.readFile(path.join(dataDir, RATE_FILE), "utf8").catch(() => "");
  const value = Number(text.trim());
  return text.trim() !== "" && Number.isFinite(value) && value > 0 ? value : null;
}

/** Leaves the measured rate for the next process (nothing when this one never measured a storm). */
export async function saveAdmissionRate(dataDir: string, rate: AdmissionRate): Promise<void> {
  if (rate.samples === 0) return;
  await fs.writeFile(path.join(dataDir, RATE_FILE), `${Math.round(rate.perSecond)}\n`);
}
