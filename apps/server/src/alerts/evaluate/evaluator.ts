import { type AlertCondition, type AlertType, alertConditions } from "@syntra/contracts";
import { and, eq, inArray, ne, sql } from "drizzle-orm";
import { type Db, resultRows } from "../../db/client";
import { alertIncidents, alertPending, alerts, organizations } from "../../db/schema";
import type { AppDeps } from "../../deps";
import { type ApplyOutcome, applyResults } from "../incidents";
import { activeSilences, silenceMatches } from "../silences";
import { evaluateAnomaly } from "./anomaly";
import { evaluateCustom } from "./custom";
import { evaluateDowntime } from "./downtime";
import { evaluateEvents } from "./events";
import { planRule, type Touch } from "./plan";
import { evaluateErrorRate, evaluateLatency } from "./requests";
import { servicesInScope, servicesOfOrgs } from "./scope";
import type { GroupResult, RuleInput, RuleRow, RuleSource } from "./types";

/** The source of each rule type. */
const sources: { [T in AlertType]: RuleSource<Extract<AlertCondition, object>> } = {
  error_rate: evaluateErrorRate as RuleSource,
  latency: evaluateLatency as RuleSource,
  downtime: evaluateDowntime as RuleSource,
  anomaly: evaluateAnomaly as RuleSource,
  custom: evaluateCustom as RuleSource,
  event: evaluateEvents as RuleSource,
};

/**
 * Claims the active rules whose evaluation is due and moves each one's next evaluation an interval ahead, in one
 * statement with SKIP LOCKED: replicas evaluating at once take disjoint rules, so each rule is evaluated once per
 * interval whatever the number of control planes.
 */
export async function claimDueRules(db: Db, now: Date, limit: number): Promise<RuleRow[]> {
  const at = now.toISOString();
  const claimed = resultRows<{ id: string }>(
    await db.execute(sql`
      UPDATE alerts SET next_evaluation_at = ${at}::timestamptz + make_interval(secs => interval_seconds)
      WHERE id IN (
        SELECT id FROM alerts WHERE is_active AND next_evaluation_at <= ${at}
        ORDER BY next_evaluation_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
      RETURNING id`),
  );
  if (claimed.length === 0) return [];
  return db
    .select()
    .from(alerts)
    .where(
      inArray(
        alerts.id,
        claimed.map((c) => c.id),
      ),
    );
}

/** What one pass did. */
export interface EvaluationPass extends ApplyOutcome {
  rules: number;
  failed: number;
}

/**
 * Evaluates the given rules at `now`: each type's source once for all its rules, then each rule's incidents. A source
 * that fails (a store that does not answer) marks its rules with the error and changes none of their incidents: an
 * outage of the telemetry store must not resolve every alert.
 */
export async function evaluateRules(
  deps: Pick<AppDeps, "db" | "telemetry" | "logger" | "config">,
  rules: RuleRow[],
  now: Date,
): Promise<EvaluationPass> {
  const pass: EvaluationPass = { rules: rules.length, failed: 0, fired: 0, resolved: 0, reminded: 0 };
  if (rules.length === 0) return pass;
  const orgIds = [...new Set(rules.map((r) => r.orgId))];
  const services = await servicesOfOrgs(deps.db, orgIds);
  const orgNames = new Map(
    (
      await deps.db
        .select({ id: organizations.id, name: organizations.name })
        .from(organizations)
        .where(inArray(organizations.id, orgIds))
    ).map((o) => [o.id, o.name]),
  );
  const silences = new Map(
    await Promise.all(orgIds.map(async (id) => [id, await activeSilences(deps.db, id, now)] as const)),
  );
  const byType = new Map<AlertType, RuleInput[]>();
  for (const rule of rules) {
    const parsed = alertConditions[rule.type].safeParse(rule.condition);
    if (!parsed.success) {
      await markRule(deps.db, rule.id, now, `stored condition is invalid: ${parsed.error.issues[0]?.message}`);
      pass.failed++;
      continue;
    }
    const input: RuleInput = {
      rule,
      condition: parsed.data as AlertCondition,
      services: servicesInScope(rule, services),
    };
    byType.set(rule.type, [...(byType.get(rule.type) ?? []), input]);
  }
  for (const [type, inputs] of byType) {
    let results: Map<string, GroupResult[]>;
    try {
      results = await sources[type](deps, inputs, now);
    } catch (err) {
      deps.logger.warn({ err, rule_type: type, rules: inputs.length }, "alert rules could not be evaluated");
      const reason = err instanceof Error ? err.message : String(err);
      for (const input of inputs) await markRule(deps.db, input.rule.id, now, reason.slice(0, 500));
      pass.failed += inputs.length;
      continue;
    }
    const ids = inputs.map((i) => i.rule.id);
    const open = await deps.db
      .select()
      .from(alertIncidents)
      .where(and(inArray(alertIncidents.alertId, ids), ne(alertIncidents.status, "resolved")));
    const pending = await deps.db.select().from(alertPending).where(inArray(alertPending.alertId, ids));
    const openOf = groupByRule(open);
    const pendingOf = groupByRule(pending);
    const touches: Touch[] = [];
    const done: string[] = [];
    for (const input of inputs) {
      const rule = input.rule;
      const groups = results.get(rule.id) ?? [];
      const orgSilences = silences.get(rule.orgId) ?? [];
      const plan = planRule(rule, groups, openOf.get(rule.id) ?? [], pendingOf.get(rule.id) ?? [], now, (labels) =>
        orgSilences.some((s) => silenceMatches(s, rule.id, labels)),
      );
      if (plan.quiet) {
        touches.push(...plan.touches);
        done.push(rule.id);
        continue;
      }
      try {
        const outcome = await applyResults(deps.db, rule, groups, now, {
          silences: orgSilences,
          orgName: orgNames.get(rule.orgId) ?? "",
          publicUrl: deps.config.publicUrl,
        });
        pass.fired += outcome.fired;
        pass.resolved += outcome.resolved;
        pass.reminded += outcome.reminded;
        done.push(rule.id);
      } catch (err) {
        deps.logger.error({ err, alert_id: rule.id }, "alert rule evaluation could not be stored");
        await markRule(deps.db, rule.id, now, "the evaluation could not be stored").catch(() => {});
        pass.failed++;
      }
    }
    await touchIncidents(deps.db, touches, now);
    if (done.length > 0) {
      await deps.db.update(alerts).set({ lastEvaluatedAt: now, lastError: null }).where(inArray(alerts.id, done));
    }
  }
  return pass;
}

function groupByRule<T extends { alertId: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const list = out.get(row.alertId);
    if (list) list.push(row);
    else out.set(row.alertId, [row]);
  }
  return out;
}

/** Refreshes the value and message of open incidents whose condition still holds, in one statement. */
async function touchIncidents(db: Db, touches: Touch[], now: Date): Promise<void> {
  for (let i = 0; i < touches.length; i += 500) {
    const rows = touches.slice(i, i + 500).map((t) => sql`(${t.id}::uuid, ${t.value}::double precision, ${t.message})`);
    await db.execute(sql`
      UPDATE alert_incidents AS a SET last_active_at = ${now.toISOString()}, value = v.value, message = v.message
      FROM (VALUES ${sql.join(rows, sql`, `)}) AS v(id, value, message) WHERE a.id = v.id`);
  }
}

async function markRule(db: Db, id: string, now: Date, error: string | null): Promise<void> {
  await db.update(alerts).set({ lastEvaluatedAt: now, lastError: error }).where(eq(alerts.id, id));
}

/** Claims and evaluates due rules, `batch` at a time, until none is due; returns what was done. */
export async function evaluateDueRules(
  deps: Pick<AppDeps, "db" | "telemetry" | "logger" | "config" | "now">,
  batch = 500,
): Promise<EvaluationPass> {
  const total: EvaluationPass = { rules: 0, failed: 0, fired: 0, resolved: 0, reminded: 0 };
  for (;;) {
    const now = deps.now();
    const rules = await claimDueRules(deps.db, now, batch);
    if (rules.length === 0) return total;
    const pass = await evaluateRules(deps, rules, now);
    for (const k of Object.keys(total) as Array<keyof EvaluationPass>) total[k] += pass[k];
    if (rules.length < batch) return total;
  }
}
