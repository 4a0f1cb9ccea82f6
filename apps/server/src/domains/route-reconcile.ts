import type { RoutedService, RoutesReportPayload } from "@syntra/contracts";
import { and, eq, inArray } from "drizzle-orm";
import { services } from "../db/schema";
import type { AppDeps } from "../deps";
import { certificateFingerprints, type DesiredRouting, desiredRouting } from "./desired-routes";
import { sendRoutes } from "./push-routes";

// Repairs of one service towards the same desired routing before giving up until it changes: an agent that
// keeps reporting the same difference cannot be fixed by sending the same command again.
const MAX_REPAIRS = 3;
const REPAIR_MEMORY_MS = 10 * 60_000;

/** Repairs sent per service and per control plane: what they aimed at, how many, when the last. */
const repairs = new WeakMap<AppDeps, Map<string, { key: string; count: number; at: number }>>();

/**
 * Compares what a server's proxy routes (its agent's routes_report) with what each of those services should
 * route, and sends configure_routes for each difference: so "running and verified means routed" holds whatever
 * order deploys, DNS checks, uploads and reconnects happened in. Services of other servers are ignored.
 * Returns the ids of the services it repaired.
 */
export async function reconcileRoutes(deps: AppDeps, serverId: string, report: RoutesReportPayload): Promise<string[]> {
  const ids = report.services.map((s) => s.service_id);
  if (ids.length === 0) return [];
  const own = await deps.db
    .select({ id: services.id })
    .from(services)
    .where(and(eq(services.serverId, serverId), inArray(services.id, ids)));
  const owned = new Set(own.map((r) => r.id));
  const repaired: string[] = [];
  for (const actual of report.services) {
    if (!owned.has(actual.service_id)) continue;
    const desired = await desiredRouting(deps, actual.service_id);
    if (!desired) continue;
    if (matches(actual, desired)) {
      memory(deps).delete(actual.service_id);
      continue;
    }
    if (!mayRepair(deps, actual.service_id, desired)) continue;
    deps.logger.info(
      { service_id: actual.service_id, routed: actual.domains, wanted: desired.domains },
      "the proxy's routes differ from the service's: repairing",
    );
    sendRoutes(deps, serverId, actual.service_id, desired);
    repaired.push(actual.service_id);
  }
  return repaired;
}

function matches(actual: RoutedService, desired: DesiredRouting): boolean {
  const domains = [...actual.domains].sort();
  const certificates = [...actual.custom_certificates].sort((a, b) => a.domain.localeCompare(b.domain));
  return (
    JSON.stringify(domains) === JSON.stringify(desired.domains) &&
    JSON.stringify(certificates) === JSON.stringify(certificateFingerprints(desired.certificates))
  );
}

function memory(deps: AppDeps): Map<string, { key: string; count: number; at: number }> {
  let map = repairs.get(deps);
  if (!map) {
    map = new Map();
    repairs.set(deps, map);
  }
  return map;
}

/** Counts a repair towards `desired`; false once MAX_REPAIRS towards the same one failed recently. */
function mayRepair(deps: AppDeps, serviceId: string, desired: DesiredRouting): boolean {
  const key = JSON.stringify([desired.domains, certificateFingerprints(desired.certificates)]);
  const now = deps.now().getTime();
  const seen = memory(deps).get(serviceId);
  const count = seen && seen.key === key && now - seen.at < REPAIR_MEMORY_MS ? seen.count : 0;
  if (count >= MAX_REPAIRS) {
    deps.logger.warn(
      { service_id: serviceId },
      "the proxy keeps differing from the service's routes; not repairing again",
    );
    return false;
  }
  memory(deps).set(serviceId, { key, count: count + 1, at: now });
  return true;
}
