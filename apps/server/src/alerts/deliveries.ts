import type { AlertDelivery, NotificationKind } from "@syntra/contracts";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { type Db, resultRows } from "../db/client";
import { alertDeliveries, notificationChannels } from "../db/schema";
import type { AppDeps } from "../deps";
import { channelTarget } from "./channels";
import { notifiers } from "./notifiers";
import { DeliveryError, type Notification } from "./notifiers/types";

type DeliveryRow = typeof alertDeliveries.$inferSelect;

/** Attempts before a delivery is given up: with the backoff below, about an hour of retries. */
export const MAX_ATTEMPTS = 8;
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 3_600_000;
/** How long a claimed delivery is reserved for its sender; one not finished by then is claimed again. */
const LOCK_MS = 60_000;
/** Per-request timeout of a channel. */
export const SEND_TIMEOUT_MS = 10_000;

/** The wait before attempt `attempts + 1`: 30 s doubling to an hour, ±10% so retries of many do not align. */
export function backoffMs(attempts: number, random = Math.random): number {
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_MS);
  return Math.round(base * (0.9 + 0.2 * random()));
}

/**
 * Queues a notification for each of the channels (paused or deleted ones are skipped). Never sends: the delivery
 * worker does, so whatever fired it (an evaluation, an agent's message, a request) never waits on a channel.
 */
export async function enqueueNotification(
  db: Db,
  input: {
    orgId: string;
    channelIds: readonly string[];
    incidentId: string | null;
    notification: Notification;
    now: Date;
  },
): Promise<DeliveryRow[]> {
  if (input.channelIds.length === 0) return [];
  const channels = await db
    .select({ id: notificationChannels.id })
    .from(notificationChannels)
    .where(
      and(
        eq(notificationChannels.orgId, input.orgId),
        eq(notificationChannels.isActive, true),
        inArray(notificationChannels.id, [...input.channelIds]),
      ),
    );
  if (channels.length === 0) return [];
  return db
    .insert(alertDeliveries)
    .values(
      channels.map((c) => ({
        channelId: c.id,
        incidentId: input.incidentId,
        kind: input.notification.kind,
        payload: input.notification,
        nextAttemptAt: input.now,
        createdAt: input.now,
      })),
    )
    .returning();
}

/** Records a test notification to one channel, reserved for the request that sends it at once. */
export async function queueTestDelivery(db: Db, channelId: string, notification: Notification, now: Date) {
  const [row] = await db
    .insert(alertDeliveries)
    .values({
      channelId,
      kind: "test",
      payload: notification,
      attempts: 1,
      nextAttemptAt: now,
      lockedUntil: new Date(now.getTime() + LOCK_MS),
      createdAt: now,
    })
    .returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

/**
 * Claims due deliveries: pending, due, not reserved by another sender, and with no earlier pending delivery of the same
 * incident to the same channel (so a channel hears "resolved" after "firing", even when "firing" was retried).
 * Rows are taken with SKIP LOCKED, so several replicas share the queue and send each delivery once.
 */
export async function claimDeliveries(db: Db, now: Date, limit: number): Promise<DeliveryRow[]> {
  const at = now.toISOString();
  const lockedUntil = new Date(now.getTime() + LOCK_MS).toISOString();
  const rows = resultRows<{ id: string }>(
    await db.execute(sql`
      UPDATE alert_deliveries SET locked_until = ${lockedUntil}, attempts = attempts + 1
      WHERE id IN (
        SELECT d.id FROM alert_deliveries d
        WHERE d.status = 'pending' AND d.next_attempt_at <= ${at}
          AND (d.locked_until IS NULL OR d.locked_until < ${at})
          AND NOT EXISTS (
            SELECT 1 FROM alert_deliveries e
            WHERE e.channel_id = d.channel_id AND e.incident_id = d.incident_id AND e.status = 'pending'
              AND (e.created_at, e.id) < (d.created_at, d.id))
        ORDER BY d.next_attempt_at, d.created_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id`),
  );
  if (rows.length === 0) return [];
  return db
    .select()
    .from(alertDeliveries)
    .where(
      inArray(
        alertDeliveries.id,
        rows.map((r) => r.id),
      ),
    );
}

/**
 * Sends one claimed delivery and records the outcome on it and on its channel (last success, last error). A failure
 * that a retry can help is scheduled again with backoff until MAX_ATTEMPTS (`retries: false`: once only, for test
 * notifications); the caller never sees an exception.
 */
export async function attemptDelivery(
  deps: Pick<AppDeps, "db" | "keyring" | "fetch" | "mailer" | "logger" | "now">,
  delivery: DeliveryRow,
  opts: { retries?: boolean } = {},
): Promise<DeliveryRow> {
  const [channel] = await deps.db
    .select()
    .from(notificationChannels)
    .where(eq(notificationChannels.id, delivery.channelId));
  const log = deps.logger.child({ delivery_id: delivery.id, channel_id: delivery.channelId, kind: delivery.kind });
  let error: DeliveryError | null = null;
  if (!channel) {
    error = new DeliveryError("the channel was deleted", { permanent: true });
  } else if (!channel.isActive && delivery.kind !== "test") {
    error = new DeliveryError("the channel is paused", { permanent: true });
  } else {
    try {
      await notifiers[channel.type].send(channelTarget(deps.keyring, channel), delivery.payload as Notification, {
        fetch: deps.fetch,
        mailer: deps.mailer,
        deliveryId: delivery.id,
        now: deps.now(),
        timeoutMs: SEND_TIMEOUT_MS,
      });
    } catch (err) {
      error = err instanceof DeliveryError ? err : new DeliveryError(err instanceof Error ? err.message : String(err));
    }
  }
  const now = deps.now();
  if (!error) {
    log.info({ attempts: delivery.attempts }, "alert notification delivered");
    await deps.db
      .update(notificationChannels)
      .set({ lastDeliveryAt: now, lastSuccessAt: now, lastError: null, lastErrorAt: null })
      .where(eq(notificationChannels.id, delivery.channelId));
    return update(deps.db, delivery.id, { status: "delivered", deliveredAt: now, lockedUntil: null, lastError: null });
  }
  const giveUp = error.opts.permanent || opts.retries === false || delivery.attempts >= MAX_ATTEMPTS;
  const wait = Math.min(Math.max(backoffMs(delivery.attempts), error.opts.retryAfterMs ?? 0), MAX_RETRY_MS);
  log.warn(
    { attempts: delivery.attempts, reason: error.message, given_up: giveUp, retry_in_ms: giveUp ? null : wait },
    "alert notification not delivered",
  );
  if (channel) {
    await deps.db
      .update(notificationChannels)
      .set({ lastDeliveryAt: now, lastError: error.message.slice(0, 1000), lastErrorAt: now })
      .where(eq(notificationChannels.id, delivery.channelId));
  }
  return update(deps.db, delivery.id, {
    status: giveUp ? "failed" : "pending",
    lastError: error.message.slice(0, 1000),
    lockedUntil: null,
    nextAttemptAt: giveUp ? delivery.nextAttemptAt : new Date(now.getTime() + wait),
  });
}

async function update(db: Db, id: string, change: Partial<typeof alertDeliveries.$inferInsert>): Promise<DeliveryRow> {
  const [row] = await db.update(alertDeliveries).set(change).where(eq(alertDeliveries.id, id)).returning();
  if (!row) throw new Error(`delivery ${id} vanished`);
  return row;
}

/** Claims what is due and sends it, `concurrency` at a time; returns how many were attempted. */
export async function sendDueDeliveries(
  deps: Pick<AppDeps, "db" | "keyring" | "fetch" | "mailer" | "logger" | "now">,
  opts: { batch?: number; concurrency?: number } = {},
): Promise<number> {
  const claimed = await claimDeliveries(deps.db, deps.now(), opts.batch ?? 50);
  const queue = [...claimed];
  const worker = async () => {
    for (let d = queue.shift(); d; d = queue.shift()) await attemptDelivery(deps, d);
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, queue.length) }, worker));
  return claimed.length;
}

/** A channel's deliveries, newest first. */
export async function listDeliveries(
  db: Db,
  channelId: string,
  query: { status?: "pending" | "delivered" | "failed" | undefined; limit: number },
): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(alertDeliveries)
    .where(
      and(
        eq(alertDeliveries.channelId, channelId),
        query.status ? eq(alertDeliveries.status, query.status) : undefined,
      ),
    )
    .orderBy(desc(alertDeliveries.createdAt), desc(alertDeliveries.id))
    .limit(query.limit);
}

/** A delivery as the API answers it. */
export function presentDelivery(row: DeliveryRow): AlertDelivery {
  return {
    id: row.id,
    channel_id: row.channelId,
    incident_id: row.incidentId,
    kind: row.kind as NotificationKind,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === "pending" ? row.nextAttemptAt.toISOString() : null,
    last_error: row.lastError,
    created_at: row.createdAt.toISOString(),
    delivered_at: row.deliveredAt?.toISOString() ?? null,
  };
}
