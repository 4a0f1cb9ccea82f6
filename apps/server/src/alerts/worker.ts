import { sql } from "drizzle-orm";
import { resultRows } from "../db/client";
import type { AppDeps } from "../deps";
import { type WakeableLoop, wakeableLoop } from "../lib/wakeable-loop";
import { rollUpHealthChecks } from "../uptime/rollups";
import { pruneAgentAlerts } from "./agent-alerts";
import { sendDueDeliveries } from "./deliveries";
import { evaluateDueRules } from "./evaluate/evaluator";

/** The alerting work of one control plane: evaluations, deliveries and uptime rollups on their own timers. */
export interface AlertWorker {
  /** Something was queued: send now rather than at the next tick. */
  kick(): void;
  /** A rule was created, changed or switched on: evaluate what is due now and sleep until the next one. */
  rulesChanged(): void;
  stop(): Promise<void>;
}

/** Options; the waits are upper bounds: each loop sleeps until its next due row when it knows one sooner. */
export interface AlertWorkerOptions {
  /** The longest sleep of rule evaluation (rules another replica created, a clock that jumped). Default 60 s. */
  evaluateEveryMs?: number;
  /** The longest sleep of the delivery loop (deliveries another replica left behind). Default 30 s. */
  deliverEveryMs?: number;
  rollupEveryMs?: number;
}

/** The one time a `SELECT min(...) AS at` query answers (null: no row matched). */
async function earliest(deps: Pick<AppDeps, "db">, query: ReturnType<typeof sql>): Promise<Date | null> {
  const [row] = resultRows<{ at: string | Date | null }>(await deps.db.execute(query));
  return row?.at ? new Date(row.at) : null;
}

/**
 * Starts the loops. Every replica may run them: rules and deliveries are claimed with SKIP LOCKED, and rollups are
 * idempotent. Evaluation and delivery sleep until their next due row (so an idle control plane with no rule and no
 * pending delivery runs one small query a minute, not one every few seconds) and are woken at once by what gives
 * them work in this process: a rule saved, an incident acknowledged or resolved, an evaluation that fired. A pass
 * that fails is logged and tried again at the next wake; nothing here can stop the process.
 */
export function startAlertWorker(deps: AppDeps, opts: AlertWorkerOptions = {}): AlertWorker {
  const log = deps.logger.child({ component: "alerts" });
  const onError = (name: string) => (err: unknown) => log.error({ err, loop: name }, "alert worker pass failed");
  const untilDue = (at: Date | null) => (at ? at.getTime() - deps.now().getTime() : null);
  let delivery: WakeableLoop | undefined;
  const evaluation = wakeableLoop({
    maxWaitMs: opts.evaluateEveryMs ?? 60_000,
    onError: onError("evaluate"),
    pass: async () => {
      const pass = await evaluateDueRules(deps);
      // Whatever fired, resolved or reminded queued its notifications: send them now, not at the next sleep's end.
      if (pass.fired + pass.resolved + pass.reminded > 0) delivery?.wake();
      // New incidents get their AI summary now.
      if (pass.fired > 0) deps.aiWorker?.wake();
      return untilDue(await earliest(deps, sql`SELECT min(next_evaluation_at) AS at FROM alerts WHERE is_active`));
    },
  });
  delivery = wakeableLoop({
    maxWaitMs: opts.deliverEveryMs ?? 30_000,
    onError: onError("deliver"),
    pass: async () => {
      while ((await sendDueDeliveries(deps)) > 0) {
        // drain what is due
      }
      // A retry's backoff, or a claim another sender holds until it lapses.
      return untilDue(
        await earliest(
          deps,
          sql`SELECT min(greatest(next_attempt_at, coalesce(locked_until, next_attempt_at))) AS at
              FROM alert_deliveries WHERE status = 'pending'`,
        ),
      );
    },
  });
  const rollup = wakeableLoop({
    maxWaitMs: opts.rollupEveryMs ?? 300_000,
    onError: onError("uptime-rollup"),
    startAfterWait: true,
    pass: async () => {
      await rollUpHealthChecks(deps.db, deps.now());
      await pruneAgentAlerts(deps.db, deps.now());
      return null;
    },
  });
  const loops = [evaluation, delivery, rollup];
  return {
    kick: () => delivery.wake(),
    rulesChanged: () => evaluation.wake(),
    stop: async () => {
      await Promise.all(loops.map((l) => l.stop()));
    },
  };
}
