import type { AlertLabels } from "@syntra/contracts";
import type { alertIncidents, alertPending } from "../../db/schema";
import type { GroupResult, RuleRow } from "./types";

type IncidentRow = typeof alertIncidents.$inferSelect;
type PendingRow = typeof alertPending.$inferSelect;

/** An open incident whose condition still holds: only its value and message move. */
export interface Touch {
  id: string;
  value: number | null;
  message: string;
}

/**
 * What an evaluation of a rule will change, worked out without writing: `quiet` when it only refreshes open incidents
 * (the common case once incidents are open, and when nothing fires), so the evaluator can batch those refreshes for
 * many rules in one statement and skip the rule's transaction. Anything else (a group starting or leaving its pending
 * period, firing, resolving, a reminder or an owed notification) goes through `applyResults`, which re-reads and
 * decides again under its transaction. The rules here mirror applyResults'.
 */
export function planRule(
  rule: RuleRow,
  results: GroupResult[],
  open: IncidentRow[],
  pending: PendingRow[],
  now: Date,
  silenced: (labels: AlertLabels) => boolean,
): { quiet: boolean; touches: Touch[] } {
  const openByKey = new Map(open.map((i) => [i.groupKey, i]));
  const pendingByKey = new Map(pending.map((p) => [p.groupKey, p]));
  const seen = new Set<string>();
  const touches: Touch[] = [];
  const stillOpen: IncidentRow[] = [];
  const loud = { quiet: false, touches: [] };
  const keepsFiring = (i: IncidentRow) =>
    now.getTime() - (i.lastActiveAt ?? i.firedAt).getTime() < rule.keepFiringSeconds * 1000;
  for (const g of results) {
    seen.add(g.key);
    const incident = openByKey.get(g.key);
    if (g.inhibited) {
      if (pendingByKey.has(g.key)) return loud;
      if (incident) stillOpen.push(incident);
      continue;
    }
    if (!g.active) {
      if (pendingByKey.has(g.key)) return loud;
      if (incident) {
        if (!keepsFiring(incident)) return loud;
        stillOpen.push(incident);
      }
      continue;
    }
    if (incident) {
      touches.push({ id: incident.id, value: g.value, message: g.message });
      stillOpen.push(incident);
      continue;
    }
    const since = pendingByKey.get(g.key)?.since;
    if (!since || now.getTime() - since.getTime() >= rule.forSeconds * 1000) return loud;
  }
  for (const incident of open) if (!seen.has(incident.groupKey) && !keepsFiring(incident)) return loud;
  for (const p of pending) if (!seen.has(p.groupKey)) return loud;
  for (const incident of stillOpen) {
    if (incident.status !== "firing" || silenced(incident.labels)) continue;
    const due =
      rule.repeatIntervalSeconds > 0 &&
      incident.lastNotifiedAt !== null &&
      now.getTime() - incident.lastNotifiedAt.getTime() >= rule.repeatIntervalSeconds * 1000;
    if (incident.notifyPending || due) return loud;
  }
  return { quiet: true, touches };
}
