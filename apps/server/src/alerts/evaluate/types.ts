import type { AlertCondition, AlertLabels } from "@syntra/contracts";
import type { alerts } from "../../db/schema";
import type { AppDeps } from "../../deps";

/** A rule row as stored. */
export type RuleRow = typeof alerts.$inferSelect;

/** A service a rule's scope covers, with what incidents say about it. */
export interface ScopeService {
  id: string;
  name: string;
  orgId: string;
  projectId: string;
  projectName: string;
  serverId: string | null;
  serverName: string | null;
  serverStatus: string | null;
}

/** A rule being evaluated, with its condition and the services of its scope. */
export interface RuleInput<C extends AlertCondition = AlertCondition> {
  rule: RuleRow;
  condition: C;
  services: ScopeService[];
}

/**
 * The outcome of a rule's condition for one grouping key. Keys a rule evaluated and found inactive may be left out:
 * an open incident whose key is not `active` is resolved (after the keep-firing period).
 */
export interface GroupResult {
  /** `service:<id>`, `server:<id>`, `issue:<id>`, `domain:<name>` ...: one open incident per rule and key. */
  key: string;
  active: boolean;
  /** Neither fires nor resolves now (a downtime alert of a service whose server is offline). */
  inhibited?: boolean;
  value: number | null;
  title: string;
  message: string;
  labels: AlertLabels;
  details?: Record<string, unknown>;
}

/** What a rule type's source needs from the app. */
export type SourceDeps = Pick<AppDeps, "db" | "telemetry">;

/**
 * Evaluates the rules of one type at one instant. A source gets every due rule of its type at once, so it can ask
 * each store one query for all of them (1,000 rules do not make 1,000 round trips).
 */
export type RuleSource<C extends AlertCondition = AlertCondition> = (
  deps: SourceDeps,
  rules: RuleInput<C>[],
  now: Date,
) => Promise<Map<string, GroupResult[]>>;

/** The labels of a service. */
export function serviceLabels(s: ScopeService): AlertLabels {
  return {
    project_id: s.projectId,
    project_name: s.projectName,
    service_id: s.id,
    service_name: s.name,
    ...(s.serverId && { server_id: s.serverId }),
    ...(s.serverName && { server_name: s.serverName }),
  };
}

/** Compares a value with a threshold. */
export function compare(value: number, operator: ">" | ">=" | "<" | "<=", threshold: number): boolean {
  switch (operator) {
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
    default: {
      const never: never = operator;
      throw new Error(`unknown operator ${String(never)}`);
    }
  }
}

/** "5 min", "1 h", "90 s": a window for messages. */
export function windowText(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** Rounds for messages: 2 decimals, no trailing zeros. */
export function round(value: number): number {
  return Math.round(value * 100) / 100;
}
