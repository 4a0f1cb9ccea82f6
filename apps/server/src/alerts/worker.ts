import type { AppDeps } from "../deps";
import { rollUpHealthChecks } from "../uptime/rollups";
import { pruneAgentAlerts } from "./agent-alerts";
import { sendDueDeliveries } from "./deliveries";
import { evaluateDueRules } from "./evaluate/evaluator";

/** The alerting work of one control plane: evaluations, deliveries and uptime rollups on their own timers. */
export interface AlertWorker {
  /** Something was queued: send now rather than at the next tick. */
  kick(): void;
  stop(): Promise<void>;
}

/**
 * Starts the loops. Every replica may run them: rules and deliveries are claimed with SKIP LOCKED, and rollups are
 * idempotent. A pass that fails is logged and tried again at the next tick; nothing here can stop the process.
 */
export function startAlertWorker(
  deps: AppDeps,
  opts: { evaluateEveryMs?: number; deliverEveryMs?: number; rollupEveryMs?: number } = {},
): AlertWorker {
  const log = deps.logger.child({ component: "alerts" });
  let stopped = false;
  const running = new Set<Promise<unknown>>();
  const loop = (name: string, everyMs: number, work: () => Promise<unknown>) => {
    let timer: NodeJS.Timeout | null = null;
    let busy = false;
    const tick = () => {
      if (stopped || busy) return;
      busy = true;
      const p = work()
        .catch((err: unknown) => log.error({ err, loop: name }, "alert worker pass failed"))
        .finally(() => {
          busy = false;
          running.delete(p);
        });
      running.add(p);
    };
    timer = setInterval(tick, everyMs);
    timer.unref();
    return { tick, stop: () => timer && clearInterval(timer) };
  };
  const evaluation = loop("evaluate", opts.evaluateEveryMs ?? 5_000, () => evaluateDueRules(deps));
  const delivery = loop("deliver", opts.deliverEveryMs ?? 2_000, async () => {
    while (!stopped && (await sendDueDeliveries(deps)) > 0) {
      // drain what is due
    }
  });
  const rollup = loop("uptime-rollup", opts.rollupEveryMs ?? 300_000, async () => {
    await rollUpHealthChecks(deps.db, deps.now());
    await pruneAgentAlerts(deps.db, deps.now());
  });
  return {
    kick: () => delivery.tick(),
    stop: async () => {
      stopped = true;
      for (const l of [evaluation, delivery, rollup]) l.stop();
      await Promise.all([...running]);
    },
  };
}
