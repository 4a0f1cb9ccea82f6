/** Settings of an AdmissionRate. */
export interface AdmissionRateOptions {
  /** The estimate until a storm has been measured (agents per second). */
  initialPerSecond: number;
  /** How long a measurement runs before it counts (ms). Default 1000. */
  windowMs?: number;
  /** Weight of a new measurement in the estimate (0..1). Default 0.3. */
  weight?: number;
  /** Bounds of the estimate (agents per second). Default 20..5000. */
  min?: number;
  max?: number;
  /** Monotonic milliseconds (performance.now by default; tests pass their own). */
  now?: () => number;
}

/**
 * How many agents per second this control plane admits (upgrade, credential, hello) when more wait than it can
 * take at once, measured: only while agents keep waiting is the pace at which they get in the process's capacity
 * (otherwise it is only the pace they arrive at). The hub sizes with it the spread agents reconnect over and the
 * backlog past which upgrades are told to come back later, instead of fixed numbers that suit one machine.
 */
export class AdmissionRate {
  private estimate: number;
  /** Start of the measurement running now (a backlog was seen then), or undefined. */
  private since: number | undefined;
  private count = 0;
  /** Measurements taken so far (the tests and the shutdown summary read it). */
  samples = 0;

  constructor(private readonly opts: AdmissionRateOptions) {
    this.estimate = this.bound(opts.initialPerSecond);
  }

  /** Agents admitted per second, as last estimated. */
  get perSecond(): number {
    return this.estimate;
  }

  /**
   * `admitted` agents were just let in, and `backlog` agents still wait (upgrades in flight, sockets whose hello
   * is not admitted yet). A measurement runs from a moment agents waited for as long as they keep waiting; one that
   * ran for the window becomes a sample, one during which the backlog ran dry is dropped.
   */
  record(admitted: number, backlog: number): void {
    const now = (this.opts.now ?? performance.now.bind(performance))();
    if (this.since === undefined) {
      if (backlog > 0) {
        this.since = now;
        this.count = 0;
      }
      return;
    }
    this.count += admitted;
    if (backlog <= 0) {
      this.since = undefined;
      return;
    }
    const elapsed = now - this.since;
    if (elapsed < (this.opts.windowMs ?? 1000)) return;
    const measured = (this.count * 1000) / elapsed;
    const weight = this.opts.weight ?? 0.3;
    this.estimate = this.bound(this.samples === 0 ? measured : this.estimate * (1 - weight) + measured * weight);
    this.samples++;
    this.since = now;
    this.count = 0;
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
