import type { ErrorEvent, IssueSeverity } from "@syntra/contracts";
import type { Database, RawTx } from "../db/client";
import { attributeDeployment, type DeploymentRef, loadDeployments } from "./event-deployments";
import { stackRef, storeStacks } from "./event-stacks";
import { type KnownRows, knownRows, type PairsSeen, pairKey, rememberSeen } from "./known-rows";
import { type PreparedEvent, prepareEvent } from "./prepare";
import { regresses } from "./regression";

/** What ingest needs: the store and the clock. */
export interface ErrorIngestDeps {
  database: Database;
  now: () => Date;
  /** Woken when this ingestion created issues (their background AI analysis); absent in benchmarks. */
  aiWorker?: { wake(): void } | null;
}

/** The service the events belong to, as their ingest key (or the agent's server) established. */
export interface ErrorIngestTarget {
  serviceId: string;
}

/** What one call stored. */
export interface ErrorIngestResult {
  /** Events stored now. */
  accepted: number;
  /** Events already stored (the same event id sent again, e.g. a batch re-sent after a reconnect). */
  duplicates: number;
  /** The issues the stored events went to. */
  issues: { id: string; created: boolean; regressed: boolean }[];
  /** The ids of the events stored now. */
  storedIds: Set<string>;
}

interface GroupRow {
  id: string;
  fingerprint: string;
  status: string;
  resolved_at: Date | null;
  resolved_release: string | null;
  resolved_deployment_created_at: Date | null;
}

/** An event ready for its row: prepared, with its deployment. */
interface Placed extends PreparedEvent {
  deployment: DeploymentRef | null;
}

/**
 * Stores error events of one service and groups them into issues, all in one transaction: issues are created
 * (one per fingerprint, even when several batches race to create it), events inserted (an id already stored is
 * skipped), distinct users added, and each issue's counts, last-seen time, last deployment and status updated
 * with one statement each. A new event of a resolved issue from a later deployment marks it regressed.
 * The events' own `service_id` is replaced by the target's: the key decides, never the payload.
 */
export async function ingestErrorEvents(
  deps: ErrorIngestDeps,
  target: ErrorIngestTarget,
  events: ErrorEvent[],
): Promise<ErrorIngestResult> {
  if (events.length === 0) return { accepted: 0, duplicates: 0, issues: [], storedIds: new Set() };
  const prepared = dedupeById(events.map((e) => prepareEvent({ ...e, service_id: target.serviceId })));
  const known = knownRows(deps.database);
  let seen: PairsSeen = { users: [], stacks: [] };
  const result = await withDeadlockRetry(() => {
    seen = { users: [], stacks: [] };
    return deps.database.rawTransaction(async (tx) => {
      const named = [...new Set(prepared.map((p) => p.event.deployment_id))];
      const deployments = await loadDeployments(tx, target.serviceId, named);
      const placed: Placed[] = prepared.map((p) => ({
        ...p,
        deployment: attributeDeployment(deployments, {
          deploymentId: p.event.deployment_id,
          release: p.event.context.release,
          timestamp: p.timestamp,
        }),
      }));
      const groups = await upsertGroups(tx, target.serviceId, placed);
      const byFingerprint = new Map(groups.map((g) => [g.row.fingerprint, g]));
      const stored = await insertEvents(tx, placed, byFingerprint, known, seen);
      const newUsers = await insertUsers(tx, stored, known, seen);
      const outcome = await updateGroups(tx, stored, byFingerprint, newUsers, deps.now());
      return {
        accepted: stored.length,
        duplicates: events.length - stored.length,
        issues: outcome,
        storedIds: new Set(stored.map((e) => e.event.id)),
      };
    });
  });
  // Committed: the users and stacks it stored or found stored need not be asked for again.
  rememberSeen(known, seen);
  if (result.issues.some((issue) => issue.created)) deps.aiWorker?.wake();
  return result;
}

/** The first of several events with the same id in one call (an SDK retrying inside one batch). */
function dedupeById(events: PreparedEvent[]): PreparedEvent[] {
  const seen = new Set<string>();
  return events.filter((p) => !seen.has(p.event.id) && seen.add(p.event.id));
}

/**
 * Locks every issue the events go to, creating those that do not exist yet. The issues that exist (nearly all, once
 * a service has been running) are found and locked by one statement; only the missing ones are inserted. One that
 * a concurrent transaction created meanwhile is found by the insert's conflict and locked by a second look. Rows
 * are handled in fingerprint order, so two transactions touching the same issues take their locks in the same order.
 */
async function upsertGroups(
  tx: RawTx,
  serviceId: string,
  events: Placed[],
): Promise<{ row: GroupRow; created: boolean }[]> {
  const firsts = new Map<string, Placed>();
  for (const p of events) {
    const seen = firsts.get(p.grouping.fingerprint);
    if (!seen || p.timestamp < seen.timestamp) firsts.set(p.grouping.fingerprint, p);
  }
  const found = await lockGroups(tx, serviceId, [...firsts.keys()]);
  const have = new Set(found.map((row) => row.fingerprint));
  const news = [...firsts.values()]
    .filter((p) => !have.has(p.grouping.fingerprint))
    .sort((a, b) => (a.grouping.fingerprint < b.grouping.fingerprint ? -1 : 1));
  const result = found.map((row) => ({ row, created: false }));
  if (news.length === 0) return result;
  // The rows travel as one JSON document: PostgreSQL unpacks it faster than text arrays it must unescape.
  const inserted = await tx.query<GroupRow>(
    `INSERT INTO error_groups (service_id, fingerprint, title, exception_type, culprit, severity, first_seen_at,
        last_seen_at, event_count, user_count, first_deployment_id, last_deployment_id, last_release)
     SELECT $1, f, t, et, c, s::issue_severity, ts, ts, 0, 0, d, d, r
       FROM jsonb_to_recordset($2::jsonb) AS u(f text, t text, et text, c text, s text, ts timestamptz, d uuid, r text)
     ON CONFLICT (service_id, fingerprint) DO NOTHING
     RETURNING id, fingerprint, status, resolved_at, resolved_release,
               NULL::timestamptz AS resolved_deployment_created_at`,
    [
      serviceId,
      JSON.stringify(
        news.map((p) => ({
          f: p.grouping.fingerprint,
          t: p.title,
          et: p.event.type,
          c: p.culprit,
          s: p.severity,
          ts: p.timestamp.toISOString(),
          d: p.deployment?.id ?? null,
          r: p.event.context.release || null,
        })),
      ),
    ],
  );
  for (const row of inserted) result.push({ row, created: true });
  if (inserted.length === news.length) return result;
  // Created by a concurrent batch since the first look (its insert waited for that batch's commit): lock it too.
  const made = new Set(inserted.map((row) => row.fingerprint));
  const raced = news.map((p) => p.grouping.fingerprint).filter((f) => !made.has(f));
  for (const row of await lockGroups(tx, serviceId, raced)) result.push({ row, created: false });
  return result;
}

/** Finds and locks (FOR UPDATE, in fingerprint order) the service's issues of these fingerprints. */
function lockGroups(tx: RawTx, serviceId: string, fingerprints: string[]): Promise<GroupRow[]> {
  return tx.query<GroupRow>(
    `SELECT g.id, g.fingerprint, g.status, g.resolved_at, g.resolved_release,
            d.created_at AS resolved_deployment_created_at
       FROM error_groups g LEFT JOIN deployments d ON d.id = g.resolved_deployment_id
      WHERE g.service_id = $1 AND g.fingerprint = ANY($2::text[])
      ORDER BY g.fingerprint
      FOR UPDATE OF g`,
    [serviceId, fingerprints],
  );
}

/**
 * Inserts the events, their stacks stored once per issue (event-stacks.ts); returns the events that were new (an
 * id already stored is skipped).
 */
async function insertEvents(
  tx: RawTx,
  events: Placed[],
  groups: Map<string, { row: GroupRow }>,
  known: KnownRows,
  seen: PairsSeen,
): Promise<(Placed & { groupId: string })[]> {
  const rows = events.map((p) => {
    const group = groups.get(p.grouping.fingerprint);
    if (!group) throw new Error(`issue of fingerprint ${p.grouping.fingerprint} was neither created nor found`);
    return { ...p, groupId: group.row.id, stack: stackRef(p.event.stack_trace) };
  });
  const stacks = rows.flatMap((r) =>
    r.stack && !known.stacks.has(pairKey(r.groupId, r.stack.hash)) ? [{ groupId: r.groupId, stack: r.stack }] : [],
  );
  await storeStacks(tx, stacks);
  for (const s of stacks) seen.stacks.push(pairKey(s.groupId, s.stack.hash));
  // The rows travel as one JSON document, except their breadcrumbs (most of a row's bytes): those are JSON text
  // stored as it is (a TEXT column, migration 0033), sent one per line beside the document and zipped to its rows
  // by ROWS FROM. JSON.stringify never writes a raw newline, so the lines split exactly; inside the document they
  // would be parsed as JSON and escaped. The answer is one row: PGlite's client pays ~9 us for each row it reads,
  // so the stored ids are listed only when some were not stored (already there: a batch sent again).
  const [stored] = await tx.query<{ n: number; ids: string[] | null }>(
    `WITH stored AS (
     INSERT INTO error_events (id, error_group_id, deployment_id, stack_trace, stack_hash, breadcrumbs, context,
        environment, release, user_id_hash, timestamp, exception_type, message, level, handled, trace_id, span_id)
     SELECT id, g, d, st, sh, b, c, env, rel, u, ts, et, m, lv, h, tr, sp
       FROM ROWS FROM (
              jsonb_to_recordset($1::jsonb) AS (id uuid, g uuid, d uuid, st jsonb, sh text, c jsonb, env text,
                rel text, u text, ts timestamptz, et text, m text, lv text, h boolean, tr text, sp text),
              unnest(string_to_array($2::text, E'\\n'))
            ) AS r(id, g, d, st, sh, c, env, rel, u, ts, et, m, lv, h, tr, sp, b)
     ON CONFLICT (id) DO NOTHING
     RETURNING id)
     SELECT count(*)::int AS n, CASE WHEN count(*) < $3 THEN COALESCE(array_agg(id::text), '{}') END AS ids
       FROM stored`,
    [
      JSON.stringify(
        rows.map((r) => ({
          id: r.event.id,
          g: r.groupId,
          d: r.deployment?.id ?? null,
          // A stack is in error_stacks; only an event without frames keeps its (empty) array inline.
          st: r.stack ? null : r.event.stack_trace,
          sh: r.stack?.hash ?? null,
          c: r.event.context,
          env: r.event.context.environment || null,
          rel: r.event.context.release || null,
          u: r.userHash,
          ts: r.timestamp.toISOString(),
          et: r.event.type,
          m: r.event.message,
          lv: r.event.level ?? null,
          h: r.event.handled ?? null,
          tr: r.event.trace_id ?? null,
          sp: r.event.span_id ?? null,
        })),
      ),
      rows.map((r) => JSON.stringify(r.event.breadcrumbs)).join("\n"),
      rows.length,
    ],
  );
  if (!stored?.ids) return rows;
  const fresh = new Set(stored.ids);
  return rows.filter((r) => fresh.has(r.event.id));
}

/** Adds the events' users to their issues (those not known stored); returns how many were new per issue. */
async function insertUsers(
  tx: RawTx,
  events: (Placed & { groupId: string })[],
  known: KnownRows,
  seen: PairsSeen,
): Promise<Map<string, number>> {
  const pairs = new Map<string, { group: string; hash: string }>();
  for (const e of events) {
    const key = e.userHash && pairKey(e.groupId, e.userHash);
    if (e.userHash && key && !known.users.has(key)) pairs.set(key, { group: e.groupId, hash: e.userHash });
  }
  seen.users.push(...pairs.keys());
  const counts = new Map<string, number>();
  if (pairs.size === 0) return counts;
  const list = [...pairs.values()];
  // Counted in the store: one row per issue comes back, not one per user (each row read costs on PGlite).
  const added = await tx.query<{ error_group_id: string; n: number }>(
    `WITH added AS (
       INSERT INTO error_group_users (error_group_id, user_hash)
       SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT DO NOTHING RETURNING error_group_id)
     SELECT error_group_id, count(*)::int AS n FROM added GROUP BY error_group_id`,
    [list.map((p) => p.group), list.map((p) => p.hash)],
  );
  for (const r of added) counts.set(r.error_group_id, r.n);
  return counts;
}

interface GroupDelta {
  id: string;
  count: number;
  users: number;
  firstSeen: Date;
  lastSeen: Date;
  firstDeployment: string | null;
  lastDeployment: string | null;
  lastRelease: string | null;
  severity: IssueSeverity;
  regress: boolean;
}

const SEVERITY_RANK: Record<IssueSeverity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Adds the stored events to their issues' counts and times, and marks resolved issues that came back. */
async function updateGroups(
  tx: RawTx,
  events: (Placed & { groupId: string })[],
  groups: Map<string, { row: GroupRow; created: boolean }>,
  newUsers: Map<string, number>,
  now: Date,
): Promise<ErrorIngestResult["issues"]> {
  const deltas = new Map<string, GroupDelta>();
  const rowsById = new Map([...groups.values()].map((g) => [g.row.id, g]));
  for (const e of events) {
    const group = rowsById.get(e.groupId)?.row;
    let d = deltas.get(e.groupId);
    if (!d) {
      d = {
        id: e.groupId,
        count: 0,
        users: newUsers.get(e.groupId) ?? 0,
        firstSeen: e.timestamp,
        lastSeen: e.timestamp,
        firstDeployment: e.deployment?.id ?? null,
        lastDeployment: e.deployment?.id ?? null,
        lastRelease: e.event.context.release || null,
        severity: e.severity,
        regress: false,
      };
      deltas.set(e.groupId, d);
    }
    d.count++;
    if (e.timestamp < d.firstSeen) {
      d.firstSeen = e.timestamp;
      d.firstDeployment = e.deployment?.id ?? null;
    }
    if (e.timestamp >= d.lastSeen) {
      d.lastSeen = e.timestamp;
      d.lastDeployment = e.deployment?.id ?? d.lastDeployment;
      d.lastRelease = e.event.context.release || d.lastRelease;
    }
    if (SEVERITY_RANK[e.severity] < SEVERITY_RANK[d.severity]) d.severity = e.severity;
    if (group?.status === "resolved" && group.resolved_at && !d.regress) {
      d.regress = regresses(
        {
          resolvedAt: new Date(group.resolved_at),
          deploymentCreatedAt: group.resolved_deployment_created_at && new Date(group.resolved_deployment_created_at),
          release: group.resolved_release,
        },
        {
          timestamp: e.timestamp,
          deploymentCreatedAt: e.deployment?.createdAt ?? null,
          release: e.event.context.release || null,
        },
      );
    }
  }
  const list = [...deltas.values()];
  if (list.length > 0) {
    await tx.query(
      `UPDATE error_groups g SET
          event_count = g.event_count + u.n,
          user_count = g.user_count + u.users,
          first_deployment_id = CASE WHEN u.fs < g.first_seen_at THEN u.fd ELSE g.first_deployment_id END,
          first_seen_at = LEAST(g.first_seen_at, u.fs),
          last_deployment_id = CASE WHEN u.ls >= g.last_seen_at THEN COALESCE(u.ld, g.last_deployment_id)
                                    ELSE g.last_deployment_id END,
          last_release = CASE WHEN u.ls >= g.last_seen_at THEN COALESCE(u.lr, g.last_release) ELSE g.last_release END,
          last_seen_at = GREATEST(g.last_seen_at, u.ls),
          severity = LEAST(g.severity, u.sev::issue_severity),
          status = CASE WHEN u.regress THEN 'regressed'::issue_status ELSE g.status END,
          regressed_at = CASE WHEN u.regress THEN $10::timestamptz ELSE g.regressed_at END,
          resolved_at = CASE WHEN u.regress THEN NULL ELSE g.resolved_at END,
          resolved_deployment_id = CASE WHEN u.regress THEN NULL ELSE g.resolved_deployment_id END,
          resolved_release = CASE WHEN u.regress THEN NULL ELSE g.resolved_release END
        FROM unnest($1::uuid[], $2::int[], $3::int[], $4::timestamptz[], $5::timestamptz[], $6::uuid[], $7::uuid[],
                    $8::text[], $9::text[], $11::boolean[])
             AS u(id, n, users, fs, ls, fd, ld, lr, sev, regress)
       WHERE g.id = u.id`,
      [
        list.map((d) => d.id),
        list.map((d) => d.count),
        list.map((d) => d.users),
        list.map((d) => d.firstSeen),
        list.map((d) => d.lastSeen),
        list.map((d) => d.firstDeployment),
        list.map((d) => d.lastDeployment),
        list.map((d) => d.lastRelease),
        list.map((d) => d.severity),
        now,
        list.map((d) => d.regress),
      ],
    );
  }
  return list.map((d) => ({ id: d.id, created: rowsById.get(d.id)?.created ?? false, regressed: d.regress }));
}

/** PostgreSQL aborts one of two transactions that wait on each other; the loser runs again. */
async function withDeadlockRetry<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (attempt >= attempts || (code !== "40P01" && code !== "40001")) throw err;
    }
  }
}
