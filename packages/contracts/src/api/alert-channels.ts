import { z } from "zod";
import { isoTimestamp, uuid } from "../common";

/** Where notifications go. */
export const alertChannelTypes = ["slack", "discord", "pagerduty", "email", "webhook"] as const;
export const alertChannelType = z.enum(alertChannelTypes);
export type AlertChannelType = z.infer<typeof alertChannelType>;

const httpUrl = z.url({ protocol: /^https?$/ }).max(2048);

/**
 * Each channel type's settings. Secrets (Slack's and Discord's webhook URLs, PagerDuty's routing key, a webhook's
 * signing secret) are stored encrypted and never answered: a channel shows only a masked summary of them.
 */
export const alertChannelConfigs = {
  /** A Slack incoming webhook (or a Slack-compatible one: Mattermost, Rocket.Chat). */
  slack: z.strictObject({ webhook_url: httpUrl }),
  /** A Discord channel webhook. */
  discord: z.strictObject({ webhook_url: httpUrl }),
  /** A PagerDuty service's Events API v2 integration key; `events_url` for the EU service region. */
  pagerduty: z.strictObject({
    routing_key: z.string().regex(/^[A-Za-z0-9]{32}$/, "a 32-character integration key"),
    events_url: httpUrl.default("https://events.pagerduty.com/v2/enqueue"),
  }),
  /** Mail through the control plane's SMTP server (SYNTRA_SMTP_URL). */
  email: z.strictObject({ to: z.array(z.email().max(320)).min(1).max(20) }),
  /**
   * An HTTP endpoint of yours, signed as Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
   * `secret` (`whsec_` + base64 of 24 to 64 bytes) is generated when left out and answered once, on creation.
   */
  webhook: z.strictObject({
    url: httpUrl,
    secret: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, "whsec_ followed by base64 of 24 to 64 bytes")
      .optional(),
  }),
} as const satisfies Record<AlertChannelType, z.ZodType>;

const channelFields = {
  name: z.string().trim().min(1).max(255),
  is_active: z.boolean().default(true),
};

const createChannel = <T extends AlertChannelType>(type: T) =>
  z.strictObject({ ...channelFields, type: z.literal(type), config: alertChannelConfigs[type] });

/** POST /alert-channels: a channel of one type with that type's `config`. */
export const createAlertChannelBody = z.discriminatedUnion("type", [
  createChannel("slack"),
  createChannel("discord"),
  createChannel("pagerduty"),
  createChannel("email"),
  createChannel("webhook"),
]);
export type CreateAlertChannelBody = z.infer<typeof createAlertChannelBody>;

/** PATCH /alert-channels/:id: rename, pause, or replace the whole `config` (of the channel's type). */
export const updateAlertChannelBody = z.strictObject({
  name: channelFields.name.optional(),
  is_active: z.boolean().optional(),
  config: z.record(z.string(), z.unknown()).optional(),
});
export type UpdateAlertChannelBody = z.infer<typeof updateAlertChannelBody>;

/** A channel as answered: never its secrets. */
export const alertChannel = z.object({
  id: uuid,
  org_id: uuid,
  name: z.string(),
  type: alertChannelType,
  /** What it sends to, secrets masked: `hooks.slack.com/…/Xb3k`, `ops@acme.com`, `https://acme.com/hooks`. */
  target: z.string(),
  is_active: z.boolean(),
  last_delivery_at: isoTimestamp.nullable(),
  last_success_at: isoTimestamp.nullable(),
  /** The last failed attempt's reason (kept until a delivery succeeds). */
  last_error: z.string().nullable(),
  last_error_at: isoTimestamp.nullable(),
  /** Deliveries waiting for a retry, and those given up on in the last 24 hours. */
  retrying: z.number().int().nonnegative(),
  failed_24h: z.number().int().nonnegative(),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
});
export type AlertChannel = z.infer<typeof alertChannel>;

/** POST /alert-channels answer: the channel, and a webhook's signing secret (shown this once). */
export const createdAlertChannel = alertChannel.extend({ signing_secret: z.string().optional() });

/** Why a notification was sent. */
export const notificationKinds = ["firing", "reminder", "acknowledged", "resolved", "test"] as const;
export const notificationKind = z.enum(notificationKinds);
export type NotificationKind = z.infer<typeof notificationKind>;

/** One notification to one channel: queued, retried with backoff, delivered or given up on. */
export const alertDelivery = z.object({
  id: uuid,
  channel_id: uuid,
  incident_id: uuid.nullable(),
  kind: notificationKind,
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int().nonnegative(),
  next_attempt_at: isoTimestamp.nullable(),
  last_error: z.string().nullable(),
  created_at: isoTimestamp,
  delivered_at: isoTimestamp.nullable(),
});
export type AlertDelivery = z.infer<typeof alertDelivery>;

/** GET /alert-channels/:id/deliveries. */
export const listAlertDeliveriesQuery = z.strictObject({
  status: z.enum(["pending", "delivered", "failed"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
