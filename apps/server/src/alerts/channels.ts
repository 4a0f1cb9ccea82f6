import { randomBytes } from "node:crypto";
import {
  type AlertChannel,
  type AlertChannelType,
  alertChannelConfigs,
  type CreateAlertChannelBody,
  type UpdateAlertChannelBody,
} from "@syntra/contracts";
import { and, eq, sql } from "drizzle-orm";
import { type Db, resultRows } from "../db/client";
import { alerts, notificationChannels } from "../db/schema";
import { AppError, notFound } from "../errors";
import { parseInput } from "../http/validation";
import { decrypt, encrypt } from "../secrets/cipher";
import type { Keyring } from "../secrets/keyring";
import type { ChannelTarget } from "./notifiers/types";

type ChannelRow = typeof notificationChannels.$inferSelect;

const secretContext = (channelId: string) => `alert-channel:${channelId}`;

/** Splits a channel's config into what may be shown and its secret (stored encrypted). */
function splitConfig(
  type: AlertChannelType,
  config: Record<string, unknown>,
): { shown: Record<string, unknown>; secret: string | null; generated: string | null } {
  switch (type) {
    case "slack":
    case "discord":
      return { shown: {}, secret: String(config.webhook_url), generated: null };
    case "pagerduty":
      return { shown: { events_url: config.events_url }, secret: String(config.routing_key), generated: null };
    case "email":
      return { shown: { to: config.to }, secret: null, generated: null };
    case "webhook": {
      const given = typeof config.secret === "string" ? config.secret : null;
      const secret = given ?? `whsec_${randomBytes(32).toString("base64")}`;
      return { shown: { url: config.url }, secret, generated: given ? null : secret };
    }
    default: {
      const never: never = type;
      throw new Error(`unknown channel type ${String(never)}`);
    }
  }
}

/** What a channel sends to, with its secret masked. */
function targetText(type: AlertChannelType, shown: Record<string, unknown>, secret: string | null): string {
  const tail = (s: string) => s.slice(-4);
  switch (type) {
    case "slack":
    case "discord": {
      if (!secret) return "";
      const url = new URL(secret);
      return `${url.host}/…/${tail(url.pathname)}`;
    }
    case "pagerduty":
      return `${new URL(String(shown.events_url)).host} (key …${tail(secret ?? "")})`;
    case "email":
      return ((shown.to as string[] | undefined) ?? []).join(", ");
    case "webhook": {
      const url = new URL(String(shown.url));
      return `${url.origin}${url.pathname}`;
    }
    default: {
      const never: never = type;
      return String(never);
    }
  }
}

/** A channel as the API answers it: no secret, its delivery health from the queue. */
export async function presentChannel(db: Db, keyring: Keyring, row: ChannelRow, now: Date): Promise<AlertChannel> {
  const secret = row.secretEncrypted ? decrypt(keyring, row.secretEncrypted, secretContext(row.id)).toString() : null;
  const since = new Date(now.getTime() - 86_400_000);
  const [c] = resultRows<{ retrying: number; failed: number }>(
    await db.execute(sql`
      SELECT count(*) FILTER (WHERE status = 'pending' AND attempts > 0)::int AS retrying,
             count(*) FILTER (WHERE status = 'failed' AND created_at >= ${since.toISOString()})::int AS failed
      FROM alert_deliveries WHERE channel_id = ${row.id}`),
  );
  return {
    id: row.id,
    org_id: row.orgId,
    name: row.name,
    type: row.type,
    target: targetText(row.type, row.config, secret),
    is_active: row.isActive,
    last_delivery_at: row.lastDeliveryAt?.toISOString() ?? null,
    last_success_at: row.lastSuccessAt?.toISOString() ?? null,
    last_error: row.lastError,
    last_error_at: row.lastErrorAt?.toISOString() ?? null,
    retrying: Number(c?.retrying ?? 0),
    failed_24h: Number(c?.failed ?? 0),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** Creates a channel; a webhook without a secret gets one, answered once as `signing_secret`. */
export async function createChannel(
  db: Db,
  keyring: Keyring,
  orgId: string,
  body: CreateAlertChannelBody,
  now: Date,
): Promise<{ row: ChannelRow; signingSecret: string | null }> {
  const { shown, secret, generated } = splitConfig(body.type, body.config as Record<string, unknown>);
  const row = await db.transaction(async (tx) => {
    const [created] = await tx
      .insert(notificationChannels)
      .values({
        orgId,
        name: body.name,
        type: body.type,
        config: shown,
        isActive: body.is_active,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!created) throw new Error("insert returned no row");
    if (secret === null) return created;
    const [withSecret] = await tx
      .update(notificationChannels)
      .set({ secretEncrypted: encrypt(keyring, Buffer.from(secret), secretContext(created.id)) })
      .where(eq(notificationChannels.id, created.id))
      .returning();
    if (!withSecret) throw new Error("update returned no row");
    return withSecret;
  });
  return { row, signingSecret: generated };
}

/** A channel of the organization, or NOT_FOUND. */
export async function getChannel(db: Db, orgId: string, channelId: string): Promise<ChannelRow> {
  const [row] = await db
    .select()
    .from(notificationChannels)
    .where(and(eq(notificationChannels.id, channelId), eq(notificationChannels.orgId, orgId)));
  if (!row) throw notFound("Notification channel");
  return row;
}

/** Every channel of the organization, oldest first. */
export async function listChannels(db: Db, orgId: string): Promise<ChannelRow[]> {
  return db
    .select()
    .from(notificationChannels)
    .where(eq(notificationChannels.orgId, orgId))
    .orderBy(notificationChannels.createdAt, notificationChannels.id);
}

/** Renames, pauses or reconfigures a channel; a new config is checked against the channel's type. */
export async function updateChannel(
  db: Db,
  keyring: Keyring,
  orgId: string,
  channelId: string,
  body: UpdateAlertChannelBody,
  now: Date,
): Promise<ChannelRow> {
  const row = await getChannel(db, orgId, channelId);
  const change: Partial<typeof notificationChannels.$inferInsert> = { updatedAt: now };
  if (body.name !== undefined) change.name = body.name;
  if (body.is_active !== undefined) change.isActive = body.is_active;
  if (body.config !== undefined) {
    const config = parseInput(alertChannelConfigs[row.type], body.config, "body.config") as Record<string, unknown>;
    const { shown, secret } = splitConfig(row.type, config);
    change.config = shown;
    // A webhook keeps its signing secret unless a new one is given.
    if (row.type !== "webhook" || config.secret) {
      change.secretEncrypted = secret === null ? null : encrypt(keyring, Buffer.from(secret), secretContext(row.id));
    }
  }
  const [updated] = await db
    .update(notificationChannels)
    .set(change)
    .where(eq(notificationChannels.id, row.id))
    .returning();
  if (!updated) throw notFound("Notification channel");
  return updated;
}

/** Deletes a channel and takes it off every rule that sent to it. */
export async function deleteChannel(db: Db, orgId: string, channelId: string): Promise<void> {
  const row = await getChannel(db, orgId, channelId);
  await db.transaction(async (tx) => {
    await tx
      .update(alerts)
      .set({ channels: sql`${alerts.channels} - ${row.id}::text` })
      .where(and(eq(alerts.orgId, orgId), sql`${alerts.channels} ? ${row.id}::text`));
    await tx.delete(notificationChannels).where(eq(notificationChannels.id, row.id));
  });
}

/** The channel with its secret opened, for a notifier. */
export function channelTarget(keyring: Keyring, row: ChannelRow): ChannelTarget {
  return {
    id: row.id,
    type: row.type,
    config: row.config,
    secret: row.secretEncrypted ? decrypt(keyring, row.secretEncrypted, secretContext(row.id)).toString() : null,
  };
}

/** Checks that every channel id belongs to the organization (422 naming the first that does not). */
export async function checkChannelIds(db: Db, orgId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const rows = await db
    .select({ id: notificationChannels.id })
    .from(notificationChannels)
    .where(eq(notificationChannels.orgId, orgId));
  const known = new Set(rows.map((r) => r.id));
  const index = ids.findIndex((id) => !known.has(id));
  if (index >= 0) {
    throw new AppError("UNPROCESSABLE", "No such notification channel in this organization", [
      { path: `body.channel_ids.${index}`, message: "unknown channel" },
    ]);
  }
}
